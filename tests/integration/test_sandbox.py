"""The sandbox registry: import files, replace records, serve them with provenance."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from govcore.datahub import (
    DataLookup,
    NoRecordError,
    SourceUnavailableError,
)
from govcore.datahub import sandbox
from govcore.datahub.sandbox import SandboxDataSource, SandboxFileError

NOW = datetime(2026, 11, 28, 2, 0, tzinfo=timezone.utc)
CHEN = "440507194401150010"
WIFE = "440507194401150029"
SHOP = "92440507MA0000001X"


def person(id_number: str, **records) -> dict:
    return {"id_number": id_number, "records": records}


def document(*people, organisations=()) -> dict:
    return {
        "format": "miaopi-sandbox/1",
        "people": list(people),
        "organisations": list(organisations),
    }


def write(tmp_path: Path, doc: dict) -> Path:
    path = tmp_path / "people.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def load(path: Path) -> int:
    return sandbox.import_subjects(sandbox.read_sandbox_file(path), now=NOW)


CHEN_HK = {
    "name": "陈伯",
    "sex": "M",
    "birth_date": "1944-01-15",
    "status": "NORMAL",
    "district_code": "440507",
    "township_code": "440507001",
    "address": "汕头市龙湖区金霞街道金砂路1号",
}


def test_import_then_lookup_gives_values_with_provenance(app_ctx, tmp_path) -> None:
    path = write(
        tmp_path,
        document(
            person(
                CHEN,
                HK=CHEN_HK,
                CA={"dibao": {"status": "ACTIVE", "start": "2020-01-01"}},
                EL={
                    "licences": [
                        {
                            "type": "ID_CARD",
                            "number": CHEN,
                            "issuer": "汕头市公安局龙湖分局",
                            "valid_to": "2030-01-01",
                            "status": "VALID",
                        },
                        {"type": "SSC", "number": "X1", "status": "EXPIRED"},
                        {
                            "type": "HUKOU_BOOK",
                            "number": "H1",
                            "valid_to": "2020-01-01",
                        },
                    ]
                },
            ),
        ),
    )
    assert load(path) == 3
    lookup = DataLookup(SandboxDataSource(), now=NOW)
    address = lookup.value("HK.address", CHEN)
    assert address.value == "汕头市龙湖区金霞街道金砂路1号"
    assert address.provenance.source == "HK"
    assert address.provenance.fetched_at == NOW
    assert CHEN not in address.provenance.record_id
    assert lookup.value("CA.dibao.status", CHEN).value == "ACTIVE"
    assert lookup.value("CA.tekun.status", CHEN).value is None
    licences = lookup.elicences(CHEN, on=date(2026, 11, 28))
    assert [lic.type for lic in licences] == ["ID_CARD"]  # expired ones are not offered
    assert lookup.find_elicence(CHEN, "ID_CARD", on=date(2026, 11, 28)).number == CHEN
    assert lookup.find_elicence(CHEN, "SSC", on=date(2026, 11, 28)) is None


def test_no_record_and_unavailable_are_different(app_ctx, tmp_path) -> None:
    load(write(tmp_path, document(person(CHEN, HK=CHEN_HK))))
    lookup = DataLookup(SandboxDataSource(unavailable={"CA"}), now=NOW)
    with pytest.raises(NoRecordError):
        lookup.value("DPF.level", CHEN)
    with pytest.raises(SourceUnavailableError):
        lookup.value("CA.dibao.status", CHEN)
    assert lookup.elicences(CHEN, on=date(2026, 11, 28)) == []


def test_lookup_asks_each_source_once(app_ctx, tmp_path) -> None:
    load(write(tmp_path, document(person(CHEN, HK=CHEN_HK))))

    class Counting(SandboxDataSource):
        calls = 0

        def fetch(self, source, subject_id, *, now):
            Counting.calls += 1
            return super().fetch(source, subject_id, now=now)

    lookup = DataLookup(Counting(), now=NOW)
    for path in ("HK.name", "HK.address", "HK.birth_date"):
        lookup.value(path, CHEN)
    for _ in range(2):
        with pytest.raises(NoRecordError):
            lookup.value("CA.dibao.status", CHEN)
    assert Counting.calls == 2


def test_reimport_replaces_all_records_of_the_same_people(app_ctx, tmp_path) -> None:
    load(
        write(
            tmp_path,
            document(
                person(CHEN, HK=CHEN_HK, CA={"dibao": {"status": "ACTIVE"}}),
                person(WIFE, HK={**CHEN_HK, "name": "陈姆", "sex": "F"}),
            ),
        )
    )
    load(write(tmp_path, document(person(CHEN, HK={**CHEN_HK, "address": "新地址"}))))
    records = sandbox.describe_subject(CHEN)
    assert set(records) == {"HK"}  # the CA record went with the replacement
    assert records["HK"].data["address"] == "新地址"
    assert set(sandbox.describe_subject(WIFE)) == {"HK"}  # others untouched


def test_organisations_are_keyed_by_credit_code(app_ctx, tmp_path) -> None:
    from govcore.validation import make_credit_code

    code = make_credit_code("9", "2", "440507", "MA000001")
    load(
        write(
            tmp_path,
            document(
                organisations=[
                    {
                        "credit_code": code,
                        "records": {
                            "MR": {
                                "entity": {
                                    "uscc": code,
                                    "name": "龙湖区金霞小陈商行",
                                    "status": "存续",
                                }
                            }
                        },
                    }
                ]
            ),
        )
    )
    lookup = DataLookup(SandboxDataSource(), now=NOW)
    assert lookup.value("MR.entity.name", code).value == "龙湖区金霞小陈商行"


def test_invalid_id_numbers_are_named_by_record(app_ctx, tmp_path) -> None:
    bad = CHEN[:-1] + "1"
    path = write(tmp_path, document(person(CHEN, HK=CHEN_HK), person(bad, HK=CHEN_HK)))
    with pytest.raises(SandboxFileError) as info:
        load(path)
    message = str(info.value)
    assert "people[1] (record 2)" in message
    assert "校验" in message or "check" in message
    assert sandbox.count_records() == 0  # nothing half-imported


@pytest.mark.parametrize(
    ("records", "fragment"),
    [
        ({"HK": {"shoe_size": 42}}, "records.HK.shoe_size: unknown field"),
        ({"XX": {}}, "unknown data source 'XX'"),
        ({"HK": {"birth_date": "15/01/1944"}}, "records.HK.birth_date: expected date"),
        ({"HK": {"id_no": WIFE}}, "HK.id_no differs"),
        ({"CA": {"dibao": "yes"}}, "records.CA.dibao: expected an object"),
        (
            {"EL": {"licences": [{"type": 5}]}},
            "records.EL.licences[0].type: expected str",
        ),
    ],
)
def test_invalid_records_are_rejected(app_ctx, tmp_path, records, fragment) -> None:
    with pytest.raises(SandboxFileError) as info:
        load(write(tmp_path, document(person(CHEN, **records))))
    assert fragment in str(info.value)
    assert CHEN not in str(info.value)  # personal data stays masked in messages


def test_malformed_json_reports_the_line(app_ctx, tmp_path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"format": "miaopi-sandbox/1",\n "people": [\n}', encoding="utf-8")
    with pytest.raises(SandboxFileError, match="line 3"):
        load(path)


def test_wrong_format_marker_is_rejected(app_ctx, tmp_path) -> None:
    with pytest.raises(SandboxFileError, match="format"):
        load(write(tmp_path, {"format": "other/2", "people": []}))
