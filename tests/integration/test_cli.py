"""The operator commands: catalog load/list, sandbox generate/load/show."""

from __future__ import annotations

import json
from pathlib import Path

from govcore import catalog
from govcore.datahub import sandbox

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "sandbox-example.json"


def test_catalog_load_then_list_prints_one_line_per_item(app, runner) -> None:
    result = runner.invoke(args=["catalog", "load"])
    assert result.exit_code == 0, result.output
    assert "25 versions created" in result.output
    listing = runner.invoke(args=["catalog", "list", "--on", "2026-11-28"])
    assert listing.exit_code == 0
    lines = listing.output.strip().splitlines()
    assert len(lines) == 25
    aged = next(line for line in lines if line.startswith("aged-allowance"))
    assert "GF" in aged and "区民政局" in aged and "高龄老人津贴申领" in aged
    assert "秒报=Y" in aged and "秒批=Y" in aged


def test_catalog_load_of_a_bad_folder_fails_with_the_problems(
    app, runner, tmp_path
) -> None:
    (tmp_path / "items").mkdir()
    (tmp_path / "departments.yaml").write_text("departments: []\n", encoding="utf-8")
    result = runner.invoke(args=["catalog", "load", "--dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "departments" in result.output
    with app.app_context():
        assert catalog.count_items() == 0


def test_sandbox_generate_is_deterministic_and_if_empty_is_idempotent(
    app, runner
) -> None:
    args = [
        "sandbox",
        "generate",
        "--people",
        "50",
        "--seed",
        "7",
        "--today",
        "2026-11-28",
    ]
    first = runner.invoke(args=args)
    assert first.exit_code == 0, first.output
    with app.app_context():
        count = sandbox.count_records()
        snapshot = {
            s: r.data for s, r in sandbox.describe_subject("440507194401150010").items()
        }
    again = runner.invoke(args=[*args, "--if-empty"])
    assert "left as is" in again.output
    runner.invoke(args=args)
    with app.app_context():
        assert sandbox.count_records() == count
        assert {
            s: r.data for s, r in sandbox.describe_subject("440507194401150010").items()
        } == snapshot


def test_sandbox_load_and_show(app, runner) -> None:
    result = runner.invoke(args=["sandbox", "load", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    person = json.loads(EXAMPLE.read_text(encoding="utf-8"))["people"][0]
    shown = runner.invoke(args=["sandbox", "show", person["id_number"]])
    assert shown.exit_code == 0
    for source in person["records"]:
        assert f"[{source}]" in shown.output


def test_sandbox_show_of_an_unknown_person_fails_without_echoing_the_number(
    app, runner
) -> None:
    result = runner.invoke(args=["sandbox", "show", "440507199007051236"])
    assert result.exit_code == 1
    assert "440507199007051236" not in result.output
    assert "4405**********1236" in result.output


def test_sandbox_load_of_an_invalid_file_names_the_record(
    app, runner, tmp_path
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(
        json.dumps(
            {
                "format": "miaopi-sandbox/1",
                "people": [{"id_number": "440507194401150011", "records": {}}],
            }
        ),
        encoding="utf-8",
    )
    result = runner.invoke(args=["sandbox", "load", str(path)])
    assert result.exit_code == 1
    assert "people[0] (record 1)" in result.output
