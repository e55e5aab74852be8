"""Facts one source holds about a subject, each with the e-licence proving it.

Every function adds to a :class:`Person` or :class:`Organisation` of a
:class:`World`: the record fields exactly as declared in
:mod:`govcore.datahub.fields` (dates as ISO strings) and, where the fact is
evidenced by a document, the matching ``EL`` licence.  Numbers that must be
unique (certificate numbers, card numbers) come from :meth:`World.unique`.
Market entities are registered by :mod:`.generator_orgs`.
"""

from __future__ import annotations

import hashlib

from datetime import date, datetime, time, timedelta

from govcore.datahub.sandbox.generator_names import BANKS, LONGHU, pick
from govcore.datahub.sandbox.generator_world import (
    Organisation,
    Person,
    Record,
    World,
    add_years,
    civil_affairs_name,
    licence,
)

HRSS = "汕头市人力资源和社会保障局"
DPF_ISSUER = "汕头市龙湖区残疾人联合会"
TIER_80, TIER_90, TIER_100 = "80-89", "90-99", "100+"


def months_between(start: date, end: date) -> int:
    """Return the whole calendar months from ``start`` to ``end`` (at least 0)."""
    return max(0, (end.year - start.year) * 12 + end.month - start.month)


# ---------------------------------------------------------------------- #
# MAR, HL — family
# ---------------------------------------------------------------------- #


def marry(w: World, a: Person, b: Person, reg_date: date) -> str:
    """Record a marriage on both spouses (MAR) with their 结婚证; return its number.

    The marriage is registered where ``a``'s household is.
    """
    district = a.household.district
    issuer = civil_affairs_name(district)
    cert = w.unique(lambda: f"J{district}-{reg_date.year}-{w.digits(6)}")
    for me, other in ((a, b), (b, a)):
        me.spouse = other
        me.rec("MAR")["marriage"] = {
            "status": "MARRIED",
            "cert_no": cert,
            "reg_date": reg_date.isoformat(),
            "spouse_id": other.id_no,
        }
        me.licences.append(
            licence("MARRIAGE_CERT", cert, issuer, reg_date, today=w.today)
        )
    return cert


def divorced(w: World, p: Person, reg_date: date) -> None:
    """Record that ``p`` is divorced, with the 离婚证."""
    district = p.household.district
    cert = w.unique(lambda: f"L{district}-{reg_date.year}-{w.digits(6)}")
    p.rec("MAR")["marriage"] = {
        "status": "DIVORCED",
        "cert_no": cert,
        "reg_date": reg_date.isoformat(),
    }
    issuer = civil_affairs_name(district)
    p.licences.append(licence("DIVORCE_CERT", cert, issuer, reg_date, today=w.today))


def never_married(p: Person) -> None:
    """Record that the marriage registry holds no marriage of ``p``."""
    p.rec("MAR")["marriage"] = {"status": "NONE"}


def link_child(child: Person, *parents: Person | None) -> None:
    """List ``child`` among the HL ``children`` of each parent."""
    for parent in parents:
        if parent is None:
            continue
        parent.children.append(child)
        parent.rec("HL").setdefault("children", []).append(
            {
                "id_no": child.id_no,
                "sex": child.sex,
                "birth_date": child.born.isoformat(),
            }
        )


def birth_cert(
    w: World,
    mother: Person,
    father: Person | None,
    child: tuple[str, str, date],
    hospital: str,
) -> str:
    """Record a 出生医学证明 on the mother's HL record; return its number.

    :param child: ``(name, sex, birth date)`` of the baby.
    """
    name, sex, born = child
    number = w.unique(lambda: f"{w.rng.choice('PQRST')}44{w.digits(7)}")
    at = datetime.combine(born, time(w.rng.randint(0, 23), w.rng.randint(0, 59)))
    issued = min(born + timedelta(days=w.rng.randint(1, 3)), w.today)
    entry: Record = {
        "no": number,
        "child_name": name,
        "child_sex": sex,
        "birth_datetime": f"{at.isoformat()}+08:00",
        "birth_place": "广东省汕头市",
        "mother_id": mother.id_no,
        "issuer_org": hospital,
        "issue_date": issued.isoformat(),
    }
    if father is not None:
        entry["father_id"] = father.id_no
    mother.rec("HL").setdefault("birth_cert", []).append(entry)
    mother.licences.append(
        licence("BIRTH_MED_CERT", number, hospital, issued, today=w.today)
    )
    return number


def fertility_reg(w: World, parent: Person, order: int, day: date) -> None:
    """Record a 生育登记 of the ``order``-th child on ``parent``."""
    number = w.unique(lambda: f"SY{LONGHU}{day.year}{w.digits(6)}")
    parent.rec("HL").setdefault("fertility_reg", []).append(
        {"reg_no": number, "child_order": order, "date": day.isoformat()}
    )


def one_child_cert(w: World, parents: tuple[Person, ...], day: date) -> None:
    """Record a 独生子女父母光荣证 on both parents."""
    number = w.unique(lambda: f"DS{LONGHU}{day.year}{w.digits(5)}")
    for parent in parents:
        parent.rec("HL")["one_child_cert"] = {"no": number, "date": day.isoformat()}


# ---------------------------------------------------------------------- #
# SI, MI — insurance
# ---------------------------------------------------------------------- #


def social_card(
    w: World, p: Person, *, verified: bool = True, status: str = "ACTIVE"
) -> None:
    """Give ``p`` a 社会保障卡 (SI.card) and, when active, its SSC e-licence."""
    number = w.unique(lambda: f"{w.rng.choice('ABCDE')}{w.digits(8)}")
    p.rec("SI")["card"] = {
        "status": status,
        "card_no": number,
        "bank": pick(w.rng, BANKS),
        "account_verified": verified,
        "phone": registered_phone(number),
    }
    if status == "ACTIVE":
        issued = max(p.born, w.days_ago(20, 3600))
        p.licences.append(
            licence("SSC", number, HRSS, issued, add_years(issued, 10), today=w.today)
        )


def registered_phone(card_no: str) -> str:
    """The mobile number registered with a social security card.

    Derived from the card number rather than drawn from the generator's random
    stream, so adding it changed no other generated value.
    """
    digest = int(hashlib.sha256(card_no.encode()).hexdigest(), 16)
    prefix = ("135", "136", "137", "138", "139", "150", "158", "159", "188")[digest % 9]
    return f"{prefix}{digest % 10**8:08d}"


def employ(w: World, p: Person, employer: Organisation, start: date) -> None:
    """Record insured employment (SI.insured, SI.employment_reg) in Shantou."""
    months = months_between(start, w.today)
    si = p.rec("SI")
    si.setdefault("insured", []).append(
        {
            "type": "EMPLOYEE_URBAN",
            "unit_uscc": employer.uscc,
            "region": "4405",
            "start": start.isoformat(),
            "status": "ACTIVE",
            "months": months,
        }
    )
    si["paid_months"] = si.get("paid_months", 0) + months
    si["employment_reg"] = {"status": "EMPLOYED", "unit": employer.name}
    si.setdefault("pension_receiving", False)


def self_employed(w: World, p: Person, start: date) -> None:
    """Record 灵活就业 insurance (no employer) in Shantou."""
    months = months_between(start, w.today)
    si = p.rec("SI")
    si.setdefault("insured", []).append(
        {
            "type": "FLEXIBLE",
            "region": "4405",
            "start": start.isoformat(),
            "status": "ACTIVE",
            "months": months,
        }
    )
    si["paid_months"] = si.get("paid_months", 0) + months
    si.setdefault("pension_receiving", False)


def pension(p: Person, retire_date: date, paid_months: int) -> None:
    """Record that ``p`` receives the basic pension since ``retire_date``."""
    si = p.rec("SI")
    si["pension_receiving"] = True
    si["retire_date"] = retire_date.isoformat()
    si["paid_months"] = paid_months


def unemployed(p: Person, since: date) -> None:
    """Record an active 失业登记."""
    p.rec("SI")["unemployment_reg"] = {"status": "ACTIVE", "date": since.isoformat()}
    p.rec("SI").setdefault("pension_receiving", False)


def medical(
    w: World, p: Person, scheme: str, *, region: str = LONGHU, year: int | None = None
) -> None:
    """Record a medical-insurance enrolment (MI) for ``year`` (default: this year)."""
    p.rec("MI").setdefault("enrollment", []).append(
        {
            "scheme": scheme,
            "region_code": region,
            "year": w.today.year if year is None else year,
            "status": "ACTIVE",
        }
    )


# ---------------------------------------------------------------------- #
# CA, DPF, INC — civil affairs and disability
# ---------------------------------------------------------------------- #


def civil_affairs_file(p: Person) -> None:
    """Open an empty 民政 record: the bureau answers, with nothing to report."""
    p.rec("CA")


def assistance(p: Person, kind: str, start: date) -> None:
    """Record an active 低保 (``dibao``), 特困 (``tekun``) or ``dibao_edge``."""
    p.rec("CA")[kind] = {"status": "ACTIVE", "start": start.isoformat()}


def age_tier(age: int) -> str:
    """Return the 高龄津贴 tier of ``age`` (80 or over)."""
    return TIER_100 if age >= 100 else TIER_90 if age >= 90 else TIER_80


def aged_allowance(w: World, p: Person, start: date) -> None:
    """Record that ``p`` already receives the 高龄津贴."""
    p.rec("CA")["aged_allowance"] = {
        "status": "ACTIVE",
        "tier": age_tier(p.age(w.today)),
        "start": start.isoformat(),
    }


def disability(w: World, p: Person, category: int, level: int, valid_to: date) -> None:
    """Give ``p`` a 残疾人证: number = ID number + category + level."""
    number = f"{p.id_no}{category}{level}"
    status = "VALID" if valid_to >= w.today else "EXPIRED"
    p.records["DPF"] = {
        "cert_no": number,
        "category": category,
        "level": level,
        "valid_to": valid_to.isoformat(),
        "status": status,
    }
    issued = max(p.born, add_years(valid_to, -10))
    p.licences.append(
        licence("DISABILITY_CERT", number, DPF_ISSUER, issued, valid_to, today=w.today)
    )


def disab_subsidy(p: Person, kind: str, start: date) -> None:
    """Record an active 残疾人两项补贴 (``LIVING`` or ``NURSING``)."""
    p.rec("CA").setdefault("disab_subsidy", []).append(
        {"kind": kind, "status": "ACTIVE", "start": start.isoformat()}
    )


def temp_relief(p: Person, day: date, reason: str, amount: int) -> None:
    """Record a past 临时救助 payment."""
    p.rec("CA").setdefault("temp_relief", []).append(
        {"date": day.isoformat(), "reason_code": reason, "amount": amount}
    )


def death(p: Person, died: date) -> None:
    """Record a death: HK cancelled, CA.death_record, SSC and pension stopped."""
    p.records["HK"]["status"] = "CANCELLED_DEATH"
    p.rec("CA")["death_record"] = {"date": died.isoformat()}
    si = p.records.get("SI", {})
    if "card" in si:
        si["card"]["status"] = "CANCELLED"
    if si.get("pension_receiving"):
        si["pension_receiving"] = False


def income_check(
    w: World, members: list[Person], income_pc: int, deposits: int, vehicles: int
) -> None:
    """Record the household's 家庭经济状况核对 result (INC) on every member."""
    record = {
        "household_income_pc": income_pc,
        "household_size": len(members),
        "assets": {
            "deposits": deposits,
            "vehicles": vehicles,
            "properties": _properties(members),
        },
        "checked_on": w.days_ago(10, 300).isoformat(),
    }
    for member in members:
        member.records["INC"] = dict(record)


def _properties(members: list[Person]) -> int:
    units = {
        holding["unit_no"]
        for member in members
        for holding in member.records.get("RE", {}).get("holdings", [])
    }
    return len(units)


# ---------------------------------------------------------------------- #
# PS, CR — public security and credit
# ---------------------------------------------------------------------- #


def police_record(p: Person, *, convicted: bool = False, sealed: bool = False) -> None:
    """Record the criminal-record check (a confirmed absence by default)."""
    ps = p.rec("PS")
    ps["criminal_record"] = {"exists": convicted, "juvenile_sealed": sealed}
    ps.setdefault("wanted", False)
    ps.setdefault("in_custody", False)
    ps.setdefault("deprived_political_rights", False)


def credit(
    p: Person | Organisation,
    *,
    dishonest: bool = False,
    severe: bool = False,
    false_commitment: bool = False,
) -> None:
    """Record the credit flags (all false: a clean record)."""
    p.records["CR"] = {
        "dishonest_executee": dishonest,
        "severe_dishonest": severe,
        "false_commitment_record": false_commitment,
    }


def residence_permit(
    w: World,
    p: Person,
    address: str,
    valid_from: date,
    last_endorse: date,
    status: str = "VALID",
) -> None:
    """Give a non-local resident a 居住证 for an address in 龙湖区."""
    number = w.unique(lambda: f"{LONGHU}{valid_from.year}{w.digits(6)}")
    p.rec("PS")["residence_permit"] = {
        "no": number,
        "address": address,
        "address_district": LONGHU,
        "valid_from": valid_from.isoformat(),
        "last_endorse": last_endorse.isoformat(),
        "status": status,
    }
    p.licences.append(
        licence(
            "RES_PERMIT",
            number,
            "汕头市公安局龙湖分局",
            valid_from,
            today=w.today,
            status=status,
        )
    )


def dog(w: World, p: Person, valid_to: date) -> None:
    """Record a 养犬登记 at the owner's address."""
    chip = w.unique(lambda: f"900{w.digits(12)}")
    p.rec("PS").setdefault("dog_reg", []).append(
        {
            "dog_chip": chip,
            "valid_to": valid_to.isoformat(),
            "address": p.household.address,
        }
    )


# ---------------------------------------------------------------------- #
# VA, TR, EDU, RE — veterans, transport, degrees, property
# ---------------------------------------------------------------------- #


def veteran(
    w: World,
    p: Person,
    discharged: date,
    *,
    pref_card: bool,
    dismissed: bool = False,
) -> None:
    """Record a veteran: 建档立卡 profile, service, 退出现役证, maybe 优待证."""
    va = p.rec("VA")
    va["profile"] = {"status": "建档立卡"}
    va["service"] = {
        "type": "退役军人",
        "discharge_date": discharged.isoformat(),
        "dismissed": dismissed,
    }
    number = w.unique(lambda: f"TY{discharged.year}{w.digits(6)}")
    p.licences.append(
        licence(
            "DISCHARGE_CERT",
            number,
            "中国人民解放军原服役部队",
            discharged,
            today=w.today,
        )
    )
    if pref_card:
        card = w.unique(lambda: f"YD4405{w.digits(10)}")
        va["pref_card"] = {"status": "ACTIVE", "no": card}
        issued = max(discharged, w.days_ago(30, 1500))
        p.licences.append(
            licence(
                "PREF_CARD", card, "汕头市龙湖区退役军人事务局", issued, today=w.today
            )
        )


def disabled_soldier(w: World, p: Person, level: int) -> None:
    """Record a valid 残疾军人证 of ``level`` (1 = most severe … 10)."""
    number = w.unique(lambda: f"JC4405{w.digits(8)}")
    p.rec("VA")["disabled_soldier_cert"] = {
        "no": number,
        "level": level,
        "status": "VALID",
    }


def road_qualification(
    w: World, p: Person, valid_to: date, category: str, grade: str = "AAA"
) -> None:
    """Give a driver a 道路运输从业资格证 (number = ID number), valid six years."""
    issued = add_years(valid_to, -6)
    first = add_years(issued, -6 * w.rng.randint(0, 2))
    status = "VALID" if valid_to >= w.today else "EXPIRED"
    p.rec("TR").setdefault("qualification", []).append(
        {
            "cert_no": p.id_no,
            "category": category,
            "valid_to": valid_to.isoformat(),
            "status": status,
            "integrity_grade": grade,
            "issuer_region": "4405",
            "first_issued_on": max(first, add_years(p.born, 21)).isoformat(),
        }
    )
    p.licences.append(
        licence(
            "ROAD_QUAL", p.id_no, "汕头市交通运输局", issued, valid_to, today=w.today
        )
    )


def driving_licence(w: World, p: Person) -> None:
    """Give ``p`` a 机动车驾驶证 e-licence (number = ID number)."""
    issued = max(add_years(p.born, 18), w.days_ago(30, 3600))
    p.licences.append(
        licence(
            "DRIVING_LICENSE",
            p.id_no,
            "汕头市公安局交通警察支队",
            issued,
            add_years(issued, 10),
            today=w.today,
        )
    )


_LEVEL_CODES = {"博士": "01", "硕士": "02", "本科": "04", "大专": "05"}


def degree(
    w: World,
    p: Person,
    level: str,
    school: tuple[str, str],
    graduated: date,
    *,
    full_time: bool = True,
) -> None:
    """Record a degree (EDU.degree) and its 学历证书 e-licence."""
    name, code = school
    number = w.unique(
        lambda: f"{code}1{graduated.year}{_LEVEL_CODES[level]}{w.digits(6)}"
    )
    p.rec("EDU").setdefault("degree", []).append(
        {
            "level": level,
            "full_time": full_time,
            "grad_date": graduated.isoformat(),
            "cert_no": number,
            "school": name,
        }
    )
    p.licences.append(licence("DEGREE_CERT", number, name, graduated, today=w.today))


def holding(
    w: World,
    owners: list[Person],
    address: str,
    usage: str,
    area: float,
    *,
    township: str,
) -> None:
    """Record a property held in equal shares by ``owners``, with their 不动产权证书."""
    unit = w.unique(lambda: f"{township}{w.digits(3)}GB{w.digits(5)}F{w.digits(8)}")
    issued = w.days_ago(60, 7000)
    share = round(1 / len(owners), 4)
    for owner in owners:
        owner.rec("RE").setdefault("holdings", []).append(
            {
                "unit_no": unit,
                "address": address,
                "district": township[:6],
                "usage": usage,
                "area": area,
                "share": share,
            }
        )
        number = w.unique(lambda: f"粤({issued.year})汕头市不动产权第{w.digits(7)}号")
        owner.licences.append(
            licence("PROPERTY_CERT", number, "汕头市自然资源局", issued, today=w.today)
        )
