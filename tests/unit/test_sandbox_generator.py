"""Tests for the synthetic population generator of the sandbox (no Flask app)."""

from __future__ import annotations

import json
import time
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from govcore.datahub.sandbox.files import validate_sandbox_document
from govcore.datahub.sandbox.generator import generate_population
from govcore.datahub.sandbox.personas import (
    ORGANISATION_PERSONAS,
    PERSONA_BABY_NAME,
    PERSONAS,
)
from govcore.validation import (
    LONGHU_TOWNSHIPS,
    parse_credit_code,
    parse_id_number,
)

TODAY = date(2026, 11, 28)
SEED = 20261128
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "sandbox-example.json"

Doc = dict[str, Any]
Records = dict[str, Any]


def _age(born: str, today: date = TODAY) -> int:
    day = date.fromisoformat(born)
    return today.year - day.year - ((today.month, today.day) < (day.month, day.day))


def _people(doc: Doc) -> dict[str, Records]:
    return {entry["id_number"]: entry["records"] for entry in doc["people"]}


def _orgs(doc: Doc) -> dict[str, Records]:
    return {entry["credit_code"]: entry["records"] for entry in doc["organisations"]}


def _licences(records: Records, kind: str) -> list[dict[str, Any]]:
    licences = records.get("EL", {}).get("licences", [])
    return [lic for lic in licences if lic["type"] == kind]


@pytest.fixture(scope="module")
def doc300() -> Doc:
    return generate_population(300, seed=SEED, today=TODAY)


@pytest.fixture(scope="module")
def doc500() -> Doc:
    return generate_population(500, seed=SEED + 1, today=TODAY)


@pytest.fixture(scope="module")
def doc2000() -> Doc:
    return generate_population(2000, seed=SEED + 2, today=TODAY)


@pytest.fixture(scope="module")
def persons(doc300: Doc) -> dict[str, Records]:
    return _people(doc300)


# ---------------------------------------------------------------------- #
# Format, size and determinism
# ---------------------------------------------------------------------- #


def test_document_validates(doc300: Doc) -> None:
    subjects = validate_sandbox_document(doc300)
    assert doc300["format"] == "miaopi-sandbox/1"
    assert set(doc300) == {"format", "people", "organisations"}
    assert len(subjects) == len(doc300["people"]) + len(doc300["organisations"])


def test_people_are_personas_plus_requested(doc300: Doc) -> None:
    assert len(doc300["people"]) == 300 + len(PERSONAS)


def test_zero_people_gives_only_the_personas() -> None:
    doc = generate_population(0, seed=1, today=TODAY)
    validate_sandbox_document(doc)
    assert [p["id_number"] for p in doc["people"]] == [p.id_number for p in PERSONAS]
    codes = [o["credit_code"] for o in doc["organisations"]]
    assert codes == [o.credit_code for o in ORGANISATION_PERSONAS]


def test_negative_people_is_refused() -> None:
    with pytest.raises(ValueError):
        generate_population(-1, seed=1, today=TODAY)


def test_a_reference_date_before_the_personas_is_refused() -> None:
    with pytest.raises(ValueError):
        generate_population(10, seed=1, today=date(2023, 12, 31))


def test_same_arguments_same_document(doc300: Doc) -> None:
    again = generate_population(300, seed=SEED, today=TODAY)
    assert json.dumps(again) == json.dumps(doc300)


def test_different_seed_different_document(doc300: Doc) -> None:
    other = generate_population(300, seed=SEED + 99, today=TODAY)
    assert other["people"][len(PERSONAS) :] != doc300["people"][len(PERSONAS) :]


def test_personas_do_not_depend_on_the_seed(doc300: Doc) -> None:
    other = generate_population(50, seed=SEED + 99, today=TODAY)
    count = len(PERSONAS)
    assert other["people"][:count] == doc300["people"][:count]
    org_count = len(ORGANISATION_PERSONAS)
    assert other["organisations"][:org_count] == doc300["organisations"][:org_count]


def test_two_thousand_people_are_quick() -> None:
    start = time.perf_counter()
    generate_population(2000, seed=7, today=TODAY)
    assert time.perf_counter() - start < 2.0


# ---------------------------------------------------------------------- #
# Identifiers
# ---------------------------------------------------------------------- #


def test_every_id_is_valid_and_matches_hk(doc2000: Doc) -> None:
    ids = [entry["id_number"] for entry in doc2000["people"]]
    assert len(ids) == len(set(ids))
    for entry in doc2000["people"]:
        info = parse_id_number(entry["id_number"], today=TODAY)
        hk = entry["records"]["HK"]
        assert info.number == entry["id_number"] == hk["id_no"]
        assert info.sex == hk["sex"]
        assert info.birth_date.isoformat() == hk["birth_date"]


def test_babies_are_at_least_a_week_old(doc2000: Doc) -> None:
    latest = (TODAY - timedelta(days=7)).isoformat()
    assert max(e["records"]["HK"]["birth_date"] for e in doc2000["people"]) <= latest


def test_credit_codes_are_valid_and_operators_exist(doc2000: Doc) -> None:
    people = _people(doc2000)
    for code, records in _orgs(doc2000).items():
        entity = records["MR"]["entity"]
        assert parse_credit_code(code).code == code == entity["uscc"]
        assert code[:2] in ("91", "92")
        assert code[2:8] == "440507"
        operator = people[entity["operator_id"]]
        listed = [e["uscc"] for e in operator["MR"]["entities"]]
        assert code in listed
        assert _licences(records, "BIZ_LICENSE")[0]["number"] == code


# ---------------------------------------------------------------------- #
# Population shape
# ---------------------------------------------------------------------- #


def test_all_seven_townships_appear(doc500: Doc) -> None:
    townships = {
        e["records"]["HK"]["township_code"]
        for e in doc500["people"]
        if e["records"]["HK"]["district_code"] == "440507"
    }
    assert {code for code, _name, _kind in LONGHU_TOWNSHIPS} <= townships


def test_addresses_name_the_township(doc500: Doc) -> None:
    names = {code: name for code, name, _kind in LONGHU_TOWNSHIPS}
    for entry in doc500["people"]:
        hk = entry["records"]["HK"]
        if hk["district_code"] == "440507":
            assert hk["address"].startswith(f"汕头市龙湖区{names[hk['township_code']]}")


def test_old_shantou_prefixes_appear_with_longhu_hukou(doc500: Doc) -> None:
    old = [
        e
        for e in doc500["people"]
        if e["id_number"][:6] in ("440506", "440508", "440509")
        and e["records"]["HK"]["district_code"] == "440507"
    ]
    assert len(old) >= 3


def test_age_range_covers_newborns_to_centenarians(doc2000: Doc) -> None:
    ages = Counter(_age(e["records"]["HK"]["birth_date"]) for e in doc2000["people"])
    assert ages[0] > 0
    assert sum(n for age, n in ages.items() if 80 <= age <= 89) >= 50
    assert sum(n for age, n in ages.items() if 90 <= age <= 99) >= 10
    assert sum(n for age, n in ages.items() if age >= 100) >= 2
    assert sum(n for age, n in ages.items() if age == 15) > 0


def test_hukou_statuses_and_non_local_residents(doc2000: Doc) -> None:
    statuses = Counter(e["records"]["HK"]["status"] for e in doc2000["people"])
    assert statuses["NORMAL"] > 0.9 * len(doc2000["people"])
    assert statuses["CANCELLED_DEATH"] > 0
    assert statuses["CANCELLED_MOVE"] > 0
    non_local = [
        e["records"]
        for e in doc2000["people"]
        if not e["records"]["HK"]["district_code"].startswith("4405")
    ]
    permits = [r for r in non_local if "residence_permit" in r.get("PS", {})]
    assert permits
    assert all(
        r["PS"]["residence_permit"]["address_district"] == "440507" for r in permits
    )


def test_dead_have_death_record_and_no_licences(doc2000: Doc) -> None:
    dead = [
        e["records"]
        for e in doc2000["people"]
        if e["records"]["HK"]["status"] == "CANCELLED_DEATH"
    ]
    assert dead
    for records in dead:
        assert "death_record" in records["CA"]
        assert "EL" not in records


def test_households_have_one_to_six_members(doc2000: Doc) -> None:
    sizes = Counter(e["records"]["HK"]["household_no"] for e in doc2000["people"])
    assert max(sizes.values()) <= 6
    types = Counter(e["records"]["HK"]["household_type"] for e in doc2000["people"])
    assert types["FAMILY"] > types["COLLECTIVE"] > 0


def test_assistance_covers_whole_households(doc2000: Doc) -> None:
    households: dict[str, list[Records]] = {}
    for entry in doc2000["people"]:
        records = entry["records"]
        households.setdefault(records["HK"]["household_no"], []).append(records)
    assisted = 0
    for members in households.values():
        living = [m for m in members if m["HK"]["status"] != "CANCELLED_DEATH"]
        for kind in ("dibao", "tekun"):
            flags = {kind in m.get("CA", {}) for m in living}
            assert len(flags) <= 1
            assisted += flags == {True}
    assert 0.01 * len(households) <= assisted <= 0.08 * len(households)


# ---------------------------------------------------------------------- #
# Cross-record consistency
# ---------------------------------------------------------------------- #


def test_disability_cert_is_id_plus_category_plus_level(doc2000: Doc) -> None:
    holders = [e for e in doc2000["people"] if "DPF" in e["records"]]
    assert len(holders) > 0.03 * len(doc2000["people"])
    for entry in holders:
        dpf = entry["records"]["DPF"]
        assert dpf["cert_no"] == f"{entry['id_number']}{dpf['category']}{dpf['level']}"
        assert len(dpf["cert_no"]) == 20
        assert 1 <= dpf["category"] <= 7 and 1 <= dpf["level"] <= 4
        expired = dpf["valid_to"] < TODAY.isoformat()
        assert dpf["status"] == ("EXPIRED" if expired else "VALID")
        if "EL" in entry["records"]:
            [lic] = _licences(entry["records"], "DISABILITY_CERT")
            assert lic["number"] == dpf["cert_no"]
            assert lic["status"] == dpf["status"]


def test_marriages_point_at_each_other(doc2000: Doc) -> None:
    people = _people(doc2000)
    married = 0
    for id_no, records in people.items():
        marriage = records.get("MAR", {}).get("marriage")
        if not marriage or marriage["status"] != "MARRIED":
            continue
        married += 1
        other = people[marriage["spouse_id"]]["MAR"]["marriage"]
        assert other["spouse_id"] == id_no
        assert other["cert_no"] == marriage["cert_no"]
        assert other["reg_date"] == marriage["reg_date"]
    assert married > 0


def test_birth_certs_are_held_by_the_mother(doc2000: Doc) -> None:
    people = _people(doc2000)
    certs = 0
    for id_no, records in people.items():
        for cert in records.get("HL", {}).get("birth_cert", []):
            certs += 1
            assert cert["mother_id"] == id_no
            assert records["HK"]["sex"] == "F"
            born = datetime.fromisoformat(cert["birth_datetime"]).date()
            assert TODAY - timedelta(days=366) < born <= TODAY
            if "father_id" in cert:
                assert people[cert["father_id"]]["HK"]["sex"] == "M"
            numbers = [lic["number"] for lic in _licences(records, "BIRTH_MED_CERT")]
            assert cert["no"] in numbers
    assert certs > 0


def test_licences_follow_their_records(doc2000: Doc) -> None:
    for entry in doc2000["people"]:
        records = entry["records"]
        if records["HK"]["status"] == "CANCELLED_DEATH":
            continue
        ids = _licences(records, "ID_CARD")
        if _age(records["HK"]["birth_date"]) >= 16:
            assert [lic["number"] for lic in ids] == [entry["id_number"]]
        else:
            assert ids == []
        card = records.get("SI", {}).get("card")
        ssc = _licences(records, "SSC")
        assert len(ssc) == (1 if card and card["status"] == "ACTIVE" else 0)
        if ssc:
            assert ssc[0]["number"] == card["card_no"]
        hukou = _licences(records, "HUKOU_BOOK")
        assert len(hukou) == (1 if records["HK"]["status"] == "NORMAL" else 0)


def test_employment_names_a_generated_company(doc2000: Doc) -> None:
    orgs = _orgs(doc2000)
    employed = 0
    for entry in doc2000["people"]:
        for insured in entry["records"].get("SI", {}).get("insured", []):
            if "unit_uscc" in insured:
                employed += 1
                assert insured["unit_uscc"] in orgs
                assert insured["region"] == "4405"
    assert employed > 0.15 * len(doc2000["people"])


def test_organisations_include_construction_food_and_hr(doc2000: Doc) -> None:
    orgs = list(_orgs(doc2000).values())
    assert any("safety_permit" in o.get("CON", {}) for o in orgs)
    assert any("food_filing" in o["MR"] or "food_license" in o["MR"] for o in orgs)
    assert sum("hr_service_license" in o["MR"] for o in orgs) in (2, 3)
    types = Counter(o["MR"]["entity"]["type"] for o in orgs)
    assert types["个体工商户"] > 0


# ---------------------------------------------------------------------- #
# Personas
# ---------------------------------------------------------------------- #


def test_personas_come_first_with_their_names(doc300: Doc) -> None:
    for persona, entry in zip(PERSONAS, doc300["people"]):
        assert entry["id_number"] == persona.id_number
        assert entry["records"]["HK"]["name"] == persona.name
        assert persona.demonstrates


def test_persona_ids_are_fixed_and_valid() -> None:
    ids = [p.id_number for p in PERSONAS]
    assert len(ids) == len(set(ids))
    for id_no in ids:
        parse_id_number(id_no, today=TODAY)
    for required in (
        "440507194401150010",
        "440507194401150029",
        "440507199007051236",
        "440511202303010032",
        "11010519491231002X",
    ):
        assert required in ids


def test_chen_bo_is_an_approvable_aged_allowance_case(
    persons: dict[str, Records],
) -> None:
    chen = persons["440507194401150010"]
    assert chen["HK"]["name"] == "陈伯" and chen["HK"]["sex"] == "M"
    assert _age(chen["HK"]["birth_date"]) == 82
    assert chen["HK"]["district_code"] == "440507"
    assert chen["HK"]["status"] == "NORMAL"
    assert "dibao" not in chen["CA"] and "aged_allowance" not in chen["CA"]
    assert chen["SI"]["card"] == chen["SI"]["card"] | {
        "status": "ACTIVE",
        "account_verified": True,
    }
    assert chen["MAR"]["marriage"]["spouse_id"] == "440507194401150029"
    wife = persons["440507194401150029"]
    assert wife["HK"]["sex"] == "F" and _age(wife["HK"]["birth_date"]) == 82
    assert wife["HK"]["household_no"] == chen["HK"]["household_no"]


def test_aged_allowance_personas(persons: dict[str, Records]) -> None:
    dibao = persons["440507194303080020"]
    assert _age(dibao["HK"]["birth_date"]) >= 80
    assert dibao["CA"]["dibao"]["status"] == "ACTIVE"
    assert "aged_allowance" not in dibao["CA"]
    assert _age(persons["440507195210200016"]["HK"]["birth_date"]) == 74
    duplicate = persons["440507194105120044"]
    assert _age(duplicate["HK"]["birth_date"]) == 85
    assert duplicate["CA"]["aged_allowance"]["status"] == "ACTIVE"
    dead = persons["440507194102200030"]
    assert _age(dead["HK"]["birth_date"]) == 85
    assert dead["HK"]["status"] == "CANCELLED_DEATH"
    assert "death_record" in dead["CA"]
    old_prefix = persons["440508193805120020"]
    assert old_prefix["HK"]["district_code"] == "440507"
    assert _age(old_prefix["HK"]["birth_date"]) == 88
    assert _age(persons["440509192503030013"]["HK"]["birth_date"]) >= 100


def test_disability_personas(persons: dict[str, Records]) -> None:
    wu = persons["44050719750618005X"]
    assert (
        wu["DPF"]
        | {
            "cert_no": "44050719750618005X41",
            "category": 4,
            "level": 1,
            "status": "VALID",
        }
        == wu["DPF"]
    )
    assert wu["CA"]["dibao"]["status"] == "ACTIVE"
    assert "disab_subsidy" not in wu["CA"]
    hong = persons["440507200109160041"]
    assert hong["DPF"]["category"] == 5
    assert hong["CA"]["dibao_edge"]["status"] == "ACTIVE"


def test_birth_registration_personas(persons: dict[str, Records]) -> None:
    father, mother = persons["440507199503120077"], persons["440507199708210084"]
    assert father["MAR"]["marriage"]["spouse_id"] == "440507199708210084"
    assert mother["MAR"]["marriage"]["status"] == "MARRIED"
    assert father["HK"]["household_type"] == "FAMILY"
    [cert] = mother["HL"]["birth_cert"]
    assert cert["child_name"] == PERSONA_BABY_NAME
    assert cert["mother_id"] == "440507199708210084"
    assert cert["father_id"] == "440507199503120077"
    assert cert["issuer_org"] == "汕头市中心医院"
    born = datetime.fromisoformat(cert["birth_datetime"]).date()
    assert 55 <= (TODAY - born).days <= 65
    assert cert["no"] in [lic["number"] for lic in _licences(mother, "BIRTH_MED_CERT")]
    assert all(r["HK"]["name"] != PERSONA_BABY_NAME for r in persons.values())


def test_non_local_worker_persona(persons: dict[str, Records]) -> None:
    deng = persons["430524199208150032"]
    assert not deng["HK"]["district_code"].startswith("4405")
    permit = deng["PS"]["residence_permit"]
    assert permit["address_district"] == "440507" and permit["status"] == "VALID"
    last = date.fromisoformat(permit["last_endorse"])
    anniversary = last.replace(year=last.year + 1)
    assert 0 < (anniversary - TODAY).days <= 30
    assert any(
        i["region"] == "4405" and i["status"] == "ACTIVE" for i in deng["SI"]["insured"]
    )
    assert _licences(deng, "RES_PERMIT")


def test_business_owner_persona(doc300: Doc, persons: dict[str, Records]) -> None:
    lin = persons["440507198002260093"]
    [listed] = lin["MR"]["entities"]
    assert listed["uscc"] == "92440507MA4LH0014B"
    assert {h["usage"] for h in lin["RE"]["holdings"]} == {"住宅", "商业"}
    shop = _orgs(doc300)["92440507MA4LH0014B"]
    assert shop["MR"]["entity"]["operator_id"] == "440507198002260093"
    assert "food_filing" not in shop["MR"]


def test_checks_personas(persons: dict[str, Records]) -> None:
    yang = persons["440507198507040117"]
    assert yang["VA"]["profile"]["status"] == "建档立卡"
    assert "pref_card" not in yang["VA"] and _licences(yang, "DISCHARGE_CERT")
    [qualification] = persons["440507197809150130"]["TR"]["qualification"]
    days = (date.fromisoformat(qualification["valid_to"]) - TODAY).days
    assert 0 < days <= 30 and qualification["status"] == "VALID"
    liu = persons["440507198804110150"]["PS"]["criminal_record"]
    assert liu == {"exists": True, "juvenile_sealed": False}
    assert persons["440507198305270176"]["CR"]["dishonest_executee"] is True
    clean = persons["440507199007051236"]
    assert clean["HK"]["sex"] == "M" and clean["HK"]["birth_date"] == "1990-07-05"
    assert clean["PS"]["criminal_record"]["exists"] is False


def test_place_personas(persons: dict[str, Records]) -> None:
    child = persons["440511202303010032"]["HK"]
    assert child["district_code"] == "440511" and child["sex"] == "M"
    canary = persons["11010519491231002X"]["HK"]
    assert canary["name"] == "金丝雀" and canary["sex"] == "F"
    assert canary["district_code"] == "440507" and "move_in_date" in canary


def test_jobless_persona(persons: dict[str, Records]) -> None:
    yang = persons["440507199902140067"]
    assert "SI" not in yang
    assert [e["year"] for e in yang["MI"]["enrollment"]] == [TODAY.year - 1]


def test_organisation_personas(doc300: Doc) -> None:
    orgs = _orgs(doc300)
    firm = orgs["91440507MA4LH00229"]
    days = (date.fromisoformat(firm["CON"]["safety_permit"]["valid_to"]) - TODAY).days
    assert 0 < days <= 90 and "fatal_accidents" not in firm["CON"]
    agency = orgs["91440507MA4LH00304"]
    assert "职业介绍" in agency["MR"]["hr_service_license"]["scope"]
    for persona in ORGANISATION_PERSONAS:
        assert orgs[persona.credit_code]["MR"]["entity"]["name"] == persona.name


# ---------------------------------------------------------------------- #
# The documented example file
# ---------------------------------------------------------------------- #


def test_example_file_validates() -> None:
    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    subjects = validate_sandbox_document(doc, file=str(EXAMPLE))
    assert [s.kind for s in subjects] == ["person"] * 3 + ["organisation"]
    households = {p["records"]["HK"]["household_no"] for p in doc["people"]}
    assert len(households) == 1
