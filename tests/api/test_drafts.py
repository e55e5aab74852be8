"""秒填: drafts prefilled from shared data, locked authoritative values, who applies."""

from __future__ import annotations

import sqlalchemy as sa

from govcore.applications import Application, FormValue, StatusChange
from govcore.audit import AuditEvent, verify_chain
from govcore.datahub.sandbox.service import SandboxDataSource
from govcore.db import db
from tests.api.conftest import ORG, PERSON, create_draft, field, material


def test_draft_is_prefilled_with_provenance_and_elicences(login, client) -> None:
    detail = create_draft(client, login("陈伯"), "aged-allowance")
    assert detail["status"] == "draft"
    assert detail["reference_no"].startswith("LH")
    name = field(detail, "applicant_name")
    assert name["origin"] == "prefilled" and name["editable"] is False
    assert name["value"] == "陈*"  # masked on screen
    assert name["source"]["path"] == "HK.name"
    assert name["source"]["name"].startswith("户籍")
    assert name["source"]["record_id"].startswith("HK-")
    assert field(detail, "birth_date")["value"] == "1944-01-15"
    phone = field(detail, "phone")
    assert phone["origin"] == "prefilled" and phone["editable"] is True
    assert phone["source"]["path"] == "SI.card.phone"
    id_card = material(detail, "id_card")
    assert id_card["state"] == "elicence"
    assert id_card["elicence"]["type"] == "ID_CARD"
    assert id_card["elicence"]["type_label"] == "居民身份证"
    assert material(detail, "application_form")["state"] == "generated"
    assert material(detail, "mandate")["state"] == "optional"
    assert detail["effort"] == {
        "typed_fields": 0,
        "chosen_fields": 0,
        "uploaded_files": 0,
        "prefilled_fields": 7,
        "exempt_materials": 3,
    }
    used = {d["field"]: d["source"]["path"] for d in detail["data_used"]}
    assert used["hukou_address"] == "HK.address"
    assert [h["to_status"] for h in detail["history"]] == ["draft"]
    assert "440507194401150010" not in str(detail)  # no full ID number anywhere


def test_changing_a_locked_value_is_refused_audited_and_kept(
    world, login, client
) -> None:
    auth = login("陈伯")
    detail = create_draft(client, auth, "aged-allowance")
    url = f"/api/v1/applications/{detail['id']}"
    response = client.patch(
        url,
        json={"fields": {"birth_date": "1930-01-15", "phone": "13800138000"}},
        headers=auth,
    )
    assert response.status_code == 400
    assert response.json["code"] == "prefill_tampered"
    assert "出生日期" in response.json["message"]
    after = client.get(url, headers=auth).json
    assert field(after, "birth_date")["value"] == "1944-01-15"
    assert field(after, "phone")["origin"] == "prefilled"  # nothing applied
    with world.app_context():
        events = db.session.scalars(sa.select(AuditEvent)).all()
        tampered = [e for e in events if e.action == "prefill_tampered"]
        assert len(tampered) == 1
        assert tampered[0].details["field"] == "birth_date"
        assert tampered[0].target == f"application:{detail['id']}"
        assert "440507194401150010" not in str(tampered[0].details)
        assert verify_chain() is None


def test_sending_a_locked_value_unchanged_is_accepted(login, client) -> None:
    auth = login("陈伯")
    detail = create_draft(client, auth, "aged-allowance")
    url = f"/api/v1/applications/{detail['id']}"
    response = client.patch(
        url,
        json={"fields": {"birth_date": "1944-01-15", "phone": "13800138000"}},
        headers=auth,
    )
    assert response.status_code == 200, response.json
    phone = field(response.json, "phone")
    assert phone["origin"] == "entered" and phone["value"] == "138****8000"
    assert response.json["effort"]["typed_fields"] == 1


def test_bad_values_are_named(login, client) -> None:
    auth = login("陈伯")
    detail = create_draft(client, auth, "aged-allowance")
    url = f"/api/v1/applications/{detail['id']}"
    bad = client.patch(url, json={"fields": {"phone": "12345"}}, headers=auth)
    assert bad.status_code == 422
    assert set(bad.json["errors"]) == {"phone"}
    assert "联系电话" in bad.json["message"]
    unknown = client.patch(url, json={"fields": {"salary": 1}}, headers=auth)
    assert unknown.status_code == 422 and unknown.json["code"] == "unknown_field"
    typed = client.patch(url, json={"fields": {"phone": 13800138000}}, headers=auth)
    assert typed.status_code == 422 and "phone" in typed.json["errors"]


def test_unavailable_source_leaves_the_field_to_the_applicant(
    world, login, client
) -> None:
    world.extensions["miaopi.datasource"] = SandboxDataSource(unavailable={"SI"})
    auth = login("陈伯")
    detail = create_draft(client, auth, "aged-allowance")
    bank = field(detail, "bank_card_no")
    assert bank["value"] is None and bank["origin"] == "empty"
    assert bank["problem"] == "source_unavailable"
    assert bank["editable"] is True  # never invented, never locked empty
    assert "工作人员核实" in bank["problem_label"]
    # the e-licence library still answers: other materials stay attached
    assert material(detail, "id_card")["state"] == "elicence"
    url = f"/api/v1/applications/{detail['id']}"
    response = client.patch(
        url, json={"fields": {"bank_card_no": "6217000000001234"}}, headers=auth
    )
    assert response.status_code == 200
    assert field(response.json, "bank_card_no")["origin"] == "entered"


def test_several_source_values_become_choices(world, login, client) -> None:
    auth = login("林锦鸿")  # owns a home and a shop
    detail = create_draft(client, auth, "dog-registration")
    address = field(detail, "keeping_address")
    assert address["value"] is None and address["origin"] == "empty"
    assert len(address["choices"]) == 2
    assert address["source"]["path"] == "RE.holdings.address"
    url = f"/api/v1/applications/{detail['id']}"
    with world.app_context():
        stored = db.session.scalars(sa.select(FormValue)).all()
        full = next(v for v in stored if v.key == "keeping_address").choices
    chosen = client.patch(
        url, json={"fields": {"keeping_address": full[1]}}, headers=auth
    )
    assert chosen.status_code == 200, chosen.json
    assert field(chosen.json, "keeping_address")["origin"] == "prefilled"
    other = client.patch(
        url, json={"fields": {"keeping_address": "别处某地址"}}, headers=auth
    )
    assert other.status_code == 200  # an editable field: renting elsewhere
    assert field(other.json, "keeping_address")["origin"] == "entered"


def test_agent_applies_for_an_elder_with_a_mandate(world, login, client) -> None:
    wife = PERSON["林秀娥"]
    detail = create_draft(
        client,
        login("陈伯"),
        "aged-allowance",
        on_behalf_of={
            "id_number": wife.id_number,
            "name": wife.name,
            "relation": "配偶",
        },
    )
    assert detail["applicant"]["name_masked"] == "林**"
    assert detail["applicant"]["agent_name_masked"] == "陈*"
    assert field(detail, "birth_date")["value"] == "1944-01-15"
    mandate = material(detail, "mandate")
    assert mandate["state"] == "missing"  # required for an agent
    # the elder sees the application her husband started
    mine = client.get("/api/v1/applications", headers=login("林秀娥")).json
    assert [a["id"] for a in mine["applications"]] == [detail["id"]]


def test_agent_must_name_the_principal_as_registered(login, client) -> None:
    wife = PERSON["林秀娥"]
    response = client.post(
        "/api/v1/applications",
        json={
            "item_code": "aged-allowance",
            "on_behalf_of": {"id_number": wife.id_number, "name": "王五"},
        },
        headers=login("陈伯"),
    )
    assert response.status_code == 422
    assert response.json["code"] == "principal_mismatch"
    assert "on_behalf_of.name" in response.json["errors"]


def test_organisation_applies_through_its_legal_representative(login, client) -> None:
    shop = ORG["龙湖区金霞锦鸿商行"]
    detail = create_draft(
        client,
        login("林锦鸿"),
        "prepackaged-food-filing",
        organisation=shop.credit_code,
    )
    assert detail["applicant"]["kind"] == "organisation"
    assert detail["applicant"]["organisation_name"] == shop.name
    uscc = field(detail, "uscc")
    assert (
        uscc["value"] == shop.credit_code and uscc["source"]["path"] == "MR.entity.uscc"
    )
    assert field(detail, "legal_rep_name")["source"]["path"] == "HK.name"
    assert material(detail, "biz_license")["state"] == "elicence"
    assert material(detail, "legal_rep_id")["state"] == "elicence"


def test_only_the_legal_representative_may_apply_for_an_organisation(
    world, login, client
) -> None:
    shop = ORG["龙湖区金霞锦鸿商行"]
    response = client.post(
        "/api/v1/applications",
        json={"item_code": "prepackaged-food-filing", "organisation": shop.credit_code},
        headers=login("陈志明"),
    )
    assert response.status_code == 403
    assert response.json["code"] == "not_legal_representative"
    personal = client.post(
        "/api/v1/applications",
        json={"item_code": "prepackaged-food-filing"},
        headers=login("陈志明"),
    )
    assert personal.status_code == 422
    assert personal.json["code"] == "applicant_kind_not_served"
    with world.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Application.id))) == 0


def test_dishonest_applicant_is_not_offered_commitment_or_tolerance(
    login, client
) -> None:
    auth = login("谢少鹏")
    detail = create_draft(client, auth, "temporary-relief")
    assert detail["commitment"]["allowed"] is True
    assert detail["commitment"]["offered"] is False
    assert detail["tolerance"]["offered"] is False
    assert "失信" in detail["commitment"]["note"]
    assert material(detail, "hardship_proof")["state"] == "missing"
    text = client.get(f"/api/v1/applications/{detail['id']}/commitment", headers=auth)
    assert text.status_code == 409
    assert text.json["code"] == "commitment_not_offered"


def test_credit_source_down_means_no_commitment_offer(world, login, client) -> None:
    world.extensions["miaopi.datasource"] = SandboxDataSource(unavailable={"CR"})
    detail = create_draft(client, login("吴建新"), "temporary-relief")
    assert detail["commitment"]["offered"] is False
    assert "无法核验" in detail["commitment"]["note"]


def test_creation_is_recorded_as_the_first_status_change(world, login, client) -> None:
    detail = create_draft(client, login("陈伯"), "aged-allowance")
    with world.app_context():
        change = db.session.scalars(sa.select(StatusChange)).one()
        assert change.from_status is None and change.to_status.value == "draft"
        assert change.actor == "applicant" and change.channel == "mobile"
    assert detail["channel"] == "mobile"


def test_unknown_item_is_404_in_the_error_shape(login, client) -> None:
    response = client.post(
        "/api/v1/applications",
        json={"item_code": "no-such-item"},
        headers=login("陈伯"),
    )
    assert response.status_code == 404
    assert set(response.json) >= {"code", "message", "status", "errors"}


def test_items_not_offered_on_the_phone_cannot_be_drafted_there(login, client) -> None:
    response = client.post(
        "/api/v1/applications",
        json={"item_code": "land-use-dispute-ruling"},
        headers=login("陈伯"),
    )
    assert response.status_code == 422
    assert response.json["code"] == "channel_not_offered"
