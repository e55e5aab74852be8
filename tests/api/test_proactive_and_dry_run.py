"""免申即享 (proactive grants and offers) and rule-set dry runs."""

from __future__ import annotations

import shutil

import sqlalchemy as sa
import yaml

from govcore import catalog
from govcore.applications import Application
from govcore.clock import local_date, utcnow
from govcore.db import db
from govcore.decisions import ProactiveOffer, proactive
from govcore.decisions.dry_run import dry_run
from tests.api.conftest import CATALOG, PERSON, dev_login, upload_missing


def _offer(app, mode, item="aged-allowance"):
    with app.app_context():
        source = app.extensions["miaopi.datasource"]
        return proactive.find_and_offer(
            item,
            source=source,
            directory=source,
            calendar=app.extensions["miaopi.calendar"],
            documents=app.extensions["miaopi.documents"],
            now=utcnow(),
            mode=mode,
        )


def test_dibao_elder_is_granted_without_applying(world, client) -> None:
    report = _offer(world, "auto")
    assert report.matched >= 1 and report.granted == report.matched
    huang = PERSON["黄妙钿"].id_number
    with world.app_context():
        offer = db.session.scalars(
            sa.select(ProactiveOffer).where(ProactiveOffer.id_number == huang)
        ).one()
        assert offer.status == "granted"
        application = db.session.get(Application, offer.application_id)
        assert application.status.value == "approved"
        assert application.channel.value == "system"
        not_on_dibao = PERSON["陈伯"].id_number
        assert not db.session.scalars(
            sa.select(ProactiveOffer).where(ProactiveOffer.id_number == not_on_dibao)
        ).all()
    again = _offer(world, "auto")
    assert again.granted == 0 and again.skipped == report.matched
    # the person sees it among their applications and offers
    auth = dev_login(client, "黄妙钿")
    offers = client.get("/api/v1/offers", headers=auth).json["offers"]
    assert [o["status"] for o in offers] == ["granted"]
    mine = client.get("/api/v1/applications", headers=auth).json["applications"]
    assert mine[0]["status"] == "approved"


def test_an_offer_is_confirmed_with_one_tap(world, client) -> None:
    report = _offer(world, "confirm")
    assert report.offered >= 1 and report.granted == 0
    auth = dev_login(client, "黄妙钿")
    (offer,) = client.get("/api/v1/offers", headers=auth).json["offers"]
    assert offer["status"] == "offered" and offer["item_name"] == "高龄老人津贴申领"
    assert offer["ready"] is True  # decided on the spot once confirmed
    other = dev_login(client, "陈伯")
    url = f"/api/v1/offers/{offer['id']}/accept"
    assert client.post(url, headers=other).status_code == 404
    accepted = client.post(url, headers=auth)
    assert accepted.status_code == 201, accepted.json
    assert accepted.json["status"] == "approved"
    assert client.post(url, headers=auth).status_code == 409


def _draft_version(tmp_path, **changes):
    folder = tmp_path / "catalog"
    shutil.copytree(CATALOG, folder)
    path = folder / "items" / "aged-allowance.yaml"
    item = yaml.safe_load(path.read_text(encoding="utf-8"))
    item.update(version=2, status="draft", **changes)
    path.write_text(yaml.safe_dump(item, allow_unicode=True), encoding="utf-8")
    return folder


def test_dry_run_reports_decisions_a_draft_would_flip(world, client, tmp_path) -> None:
    for name in ("陈伯", "李振华"):
        auth = dev_login(client, name)
        draft = client.post(
            "/api/v1/applications", json={"item_code": "aged-allowance"}, headers=auth
        ).json
        client.post(
            f"/api/v1/applications/{draft['id']}/submit",
            headers={**auth, "Idempotency-Key": name},
        )
    with world.app_context():
        spec = catalog.get_item_version("aged-allowance", on=utcnow().date()).spec
        rules = spec.rules.model_dump(mode="json")
        rules["checks"][2]["when"] = "age(HK.birth_date) >= 85"  # stricter
        rules["cases"] = [c for c in rules["cases"] if "批准" not in c["name"]]
        folder = _draft_version(tmp_path, rules=rules)
        catalog.load_catalog(catalog.read_catalog(folder), now=utcnow())
        source = world.extensions["miaopi.datasource"]
        report = dry_run(
            "aged-allowance", 2, source=source, directory=source, now=utcnow()
        )
    assert report.past == 2
    assert report.flips[("approve", "refuse")] >= 1  # 陈伯, 82
    assert any(e.startswith("办件 LH") for e in report.examples[("approve", "refuse")])
    assert report.population > 20
    assert ("refuse", "approve") not in report.flips


def test_rules_check_command_runs_every_items_cases(world) -> None:
    result = world.test_cli_runner().invoke(args=["rules", "check"])
    assert "aged-allowance" in result.output
    assert "FAIL" not in result.output, result.output
    assert result.exit_code == 0


def test_reviewers_list_and_decide_tasks_from_the_command_line(world, client) -> None:
    from govcore.datahub.sandbox.service import SandboxDataSource

    auth = dev_login(client, "陈伯")
    draft = client.post(
        "/api/v1/applications", json={"item_code": "aged-allowance"}, headers=auth
    ).json
    world.extensions["miaopi.datasource"] = SandboxDataSource(unavailable={"SI"})
    client.post(
        f"/api/v1/applications/{draft['id']}/submit",
        headers={**auth, "Idempotency-Key": "k"},
    )
    runner = world.test_cli_runner()
    listed = runner.invoke(args=["reviews", "list", "--department", "lh-mz"])
    assert draft["reference_no"] in listed.output
    task_id = listed.output.split()[0]
    refused = runner.invoke(
        args=["reviews", "decide", task_id, "--refuse", "--staff", "9"]
    )
    assert refused.exit_code == 1 and "理由" in refused.output
    approved = runner.invoke(
        args=["reviews", "decide", task_id, "--approve", "--staff", "9"]
    )
    assert approved.exit_code == 0, approved.output
    assert "approve" in approved.output
    after = client.get(f"/api/v1/applications/{draft['id']}", headers=auth).json
    assert after["status"] == "approved" and after["history"][-1]["actor"] == "staff:9"


def test_a_renewal_reminder_is_offered_and_completed_after_the_tap(
    world, client
) -> None:
    """养犬登记年审 (confirm): the data cannot decide it alone (the form asks for
    the dog's vaccination), so the offer opens a prefilled draft to complete."""
    report = _offer(world, None, "dog-registration")  # the item's mode: confirm
    assert report.offered == 1 and report.granted == 0, report  # 方雪芬 only
    assert not client.get("/api/v1/offers", headers=dev_login(client, "陈伯")).json[
        "offers"
    ]
    auth = dev_login(client, "方雪芬")
    (offer,) = client.get("/api/v1/offers", headers=auth).json["offers"]
    assert offer["item_name"] == "养犬登记" and offer["ready"] is False
    accepted = client.post(f"/api/v1/offers/{offer['id']}/accept", headers=auth)
    assert accepted.status_code == 201, accepted.json
    draft = accepted.json
    assert draft["status"] == "draft"
    fields = {f["key"]: f for f in draft["fields"]}
    assert fields["dog_chip"]["value"]  # the registration being renewed
    today = local_date(utcnow()).isoformat()
    entries = {
        "registration_type": "延续年审", "dog_name": "旺财", "breed": "中华田园犬",
        "coat_color": "黄", "dog_sex": "公", "vaccination_cert_no": "MY2026001",
        "vaccination_date": today,
    }  # fmt: skip
    url = f"/api/v1/applications/{draft['id']}"
    patched = client.patch(url, json={"fields": entries}, headers=auth)
    assert patched.status_code == 200, patched.json
    # the 免疫证明 and the dog's photo
    upload_missing(client, url, patched.json["materials"], auth)
    submitted = client.post(
        f"{url}/submit", headers={**auth, "Idempotency-Key": "dog-renewal"}
    )
    assert submitted.status_code == 200, submitted.json
    assert submitted.json["status"] == "approved", submitted.json["decision"]
