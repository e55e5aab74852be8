"""Organisations of the generated population: employers and 个体工商户.

The first functions register one entity or one of its licences (the personas
use them too).  Companies (credit code type 1) employ the working residents; a
few are construction firms with a 安全生产许可证 and one or two are
human-resources agencies.  About one in twenty residents aged 25–65 runs a 个体工商户 (type
2); shops selling food hold a filing or a licence.  Operators are generated
residents, so every ``operator_id`` names a person of the same document.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from govcore.datahub.sandbox import generator_facts as fx
from govcore.datahub.sandbox import generator_names as names
from govcore.datahub.sandbox.generator_names import LONGHU
from govcore.datahub.sandbox.generator_world import (
    Organisation,
    Person,
    World,
    add_years,
    licence,
)
from govcore.validation import USCC_ALPHABET, make_credit_code

__all__ = [
    "add_organisations",
    "entity",
    "fatal_accident",
    "food",
    "hr_licence",
    "registration_ban",
    "safety_permit",
]

MARKET = "汕头市龙湖区市场监督管理局"
_COMPANY = "有限责任公司（自然人投资或控股）"
_SOLE = "有限责任公司（自然人独资）"
_BAN_REASON = "提交虚假材料取得市场主体登记被撤销"


def entity(
    w: World,
    operator: Person,
    *,
    name: str,
    kind: str,
    place: tuple[str, str],
    scope: tuple[str, ...],
    established: date,
    status: str = "存续",
    uscc: str | None = None,
) -> Organisation:
    """Register a market entity run by ``operator``, with its 营业执照.

    :param kind: ``"个体工商户"`` (credit code type 2) or a company type (1).
    :param place: ``(township code, address)`` of the premises.
    :param uscc: a fixed credit code; by default a new one is made.
    """
    org_type = "2" if kind == "个体工商户" else "1"
    if uscc is None:
        uscc = w.unique(
            lambda: make_credit_code(
                "9",
                org_type,
                LONGHU,
                "MA" + "".join(w.rng.choice(USCC_ALPHABET) for _ in range(6)),
            )
        )
    else:
        w.claim(uscc)
    township, address = place
    w.used_names.add(name)
    org = w.add_organisation(uscc, name, township, operator)
    org.rec("MR").update(
        {
            "entity": {
                "uscc": uscc,
                "name": name,
                "type": kind,
                "status": status,
                "operator_id": operator.id_no,
                "legal_rep_id": operator.id_no,
                "legal_rep_name": operator.name,
                "address": address,
                "address_district": LONGHU,
                "scope_codes": list(scope),
                "established_on": established.isoformat(),
            },
            "abnormal_list": False,
            "serious_illegal_list": False,
        }
    )
    operator.rec("MR").setdefault("entities", []).append(
        {
            "uscc": uscc,
            "name": name,
            "type": kind,
            "status": status,
            "address_district": LONGHU,
        }
    )
    org.licences.append(
        licence(
            "BIZ_LICENSE",
            uscc,
            MARKET,
            established,
            today=w.today,
            status="VALID" if status == "存续" else "CANCELLED",
        )
    )
    return org


def food(w: World, org: Organisation, *, licensed: bool) -> None:
    """Record a 食品经营许可 (``licensed``) or a 仅销售预包装食品 filing."""
    premises = org.records["MR"]["entity"]["address"]
    key = "food_license" if licensed else "food_filing"
    org.rec("MR").setdefault(key, []).append({"premises": premises, "status": "VALID"})
    if licensed:
        number = w.unique(lambda: f"JY1{LONGHU}{w.digits(8)}")
        issued = w.days_ago(30, 1700)
        org.licences.append(
            licence(
                "FOOD_LICENSE",
                number,
                MARKET,
                issued,
                add_years(issued, 5),
                today=w.today,
            )
        )


def safety_permit(w: World, org: Organisation, valid_to: date) -> None:
    """Give a construction firm a 安全生产许可证 (three years) and its 资质."""
    issued = add_years(valid_to, -3)
    number = w.unique(lambda: f"(粤)JZ安许证字[{issued.year}]{w.digits(6)}")
    status = "VALID" if valid_to >= w.today else "EXPIRED"
    org.rec("CON").update(
        {
            "safety_permit": {
                "no": number,
                "valid_to": valid_to.isoformat(),
                "status": status,
            },
            "qualification_valid": True,
        }
    )
    org.licences.append(
        licence(
            "SAFETY_PERMIT",
            number,
            "广东省住房和城乡建设厅",
            issued,
            valid_to,
            today=w.today,
        )
    )
    qualification = w.unique(lambda: f"D3{LONGHU}{w.digits(4)}")
    org.licences.append(
        licence(
            "QUALIFICATION_CERT",
            qualification,
            "汕头市住房和城乡建设局",
            w.days_ago(200, 2000),
            add_years(w.today, 2),
            today=w.today,
        )
    )


def fatal_accident(org: Organisation, day: date, project: str) -> None:
    """Record a fatal accident on one of the firm's projects."""
    org.rec("CON").setdefault("fatal_accidents", []).append(
        {"date": day.isoformat(), "project": project}
    )


def hr_licence(w: World, org: Organisation) -> None:
    """Give an agency a 人力资源服务许可证 covering 职业介绍."""
    number = w.unique(lambda: f"{LONGHU}{w.today.year - 2}{w.digits(4)}")
    org.rec("MR")["hr_service_license"] = {
        "no": number,
        "scope": ["职业介绍", "人力资源供求信息的收集和发布", "就业和创业指导"],
        "status": "VALID",
    }
    org.licences.append(
        licence(
            "HR_SERVICE_LICENSE",
            number,
            "汕头市龙湖区人力资源和社会保障局",
            w.days_ago(300, 900),
            today=w.today,
        )
    )


def registration_ban(p: Person, until: date, reason: str) -> None:
    """Bar ``p`` from registering market entities until ``until``."""
    p.rec("MR")["reg_ban"] = {"until": until.isoformat(), "reason": reason}


def add_organisations(w: World, people: list[Person]) -> list[Organisation]:
    """Create the organisations run by some of ``people``.

    :return: the companies in business (存续), which employ residents.
    """
    adults = [p for p in people if p.local and 25 <= p.age(w.today) <= 65]
    count = min(len(adults) // 3, max(4, len(people) // 40))
    operators = w.rng.sample(adults, count) if count else []
    employers = [_company(w, p, index) for index, p in enumerate(operators)]
    for p in adults:
        if "MR" not in p.records and w.rng.random() < 0.05:
            _shop(w, p)
    return [org for org in employers if _in_business(org)]


def _in_business(org: Organisation) -> bool:
    return org.records["MR"]["entity"]["status"] == "存续"


def _unique_name(w: World, make: Callable[[int], str]) -> str:
    attempt = 0
    while True:
        name = make(attempt)
        if name not in w.used_names:
            w.used_names.add(name)
            return name
        attempt += 1


def _trade(w: World, attempt: int) -> str:
    word = names.pick(w.rng, names.TRADE_WORDS)
    if attempt < 5:
        return word
    return word + names.pick(w.rng, names.TRADE_WORDS)[0] + str(attempt // 50 or "")


def _company(w: World, operator: Person, index: int) -> Organisation:
    rng = w.rng
    township = operator.household.township
    if index % 16 == 3:
        return _construction(w, operator)
    if index in (0, 40):
        return _hr_agency(w, operator)
    industry, scope = rng.choice(names.INDUSTRIES)
    name = _unique_name(w, lambda a: f"汕头市龙湖区{_trade(w, a)}{industry}有限公司")
    status = "注销" if rng.random() < 0.05 else "存续"
    org = entity(
        w,
        operator,
        name=name,
        kind=rng.choice((_COMPANY, _SOLE)),
        place=(township, names.shop_address(rng, township)),
        scope=scope,
        established=w.days_ago(200, 9000),
        status=status,
    )
    _after_registration(w, operator, org)
    return org


def _construction(w: World, operator: Person) -> Organisation:
    rng = w.rng
    township = operator.household.township
    name = _unique_name(w, lambda a: f"汕头市龙湖区{_trade(w, a)}建筑工程有限公司")
    org = entity(
        w,
        operator,
        name=name,
        kind=_COMPANY,
        place=(township, names.shop_address(rng, township)),
        scope=("E4710", "E4790"),
        established=w.days_ago(1500, 9000),
    )
    roll = rng.random()
    if roll < 0.2:
        valid_to = w.today + timedelta(days=rng.randint(1, 90))
    elif roll < 0.25:
        valid_to = w.today - timedelta(days=rng.randint(1, 200))
    else:
        valid_to = w.today + timedelta(days=rng.randint(91, 1000))
    safety_permit(w, org, valid_to)
    if rng.random() < 0.08:
        project = f"{names.pick(rng, names.TRADE_WORDS)}花园{rng.randint(1, 12)}号楼"
        fatal_accident(org, w.days_ago(30, 700), project)
    fx.credit(org)
    return org


def _hr_agency(w: World, operator: Person) -> Organisation:
    township = operator.household.township
    name = _unique_name(w, lambda a: f"汕头市龙湖区{_trade(w, a)}人力资源服务有限公司")
    org = entity(
        w,
        operator,
        name=name,
        kind=_SOLE,
        place=(township, names.shop_address(w.rng, township)),
        scope=("L7262",),
        established=w.days_ago(700, 4000),
    )
    hr_licence(w, org)
    fx.credit(org)
    return org


def _shop(w: World, operator: Person) -> Organisation:
    rng = w.rng
    township = operator.household.township
    suffix, scope, sells_food = rng.choice(names.SHOP_KINDS)
    short = names.TOWNSHIP_NAMES[township][:2]
    name = _unique_name(w, lambda a: f"龙湖区{short}{_trade(w, a)}{suffix}")
    status = "注销" if rng.random() < 0.1 else "存续"
    org = entity(
        w,
        operator,
        name=name,
        kind="个体工商户",
        place=(township, names.shop_address(rng, township)),
        scope=scope,
        established=w.days_ago(100, 5000),
        status=status,
    )
    if sells_food and status == "存续":
        _food(w, org, suffix)
    _after_registration(w, operator, org)
    return org


def _food(w: World, org: Organisation, suffix: str) -> None:
    roll = w.rng.random()
    if suffix == "小吃店" or roll < 0.2:
        food(w, org, licensed=True)
    elif roll < 0.65:
        food(w, org, licensed=False)


def _after_registration(w: World, operator: Person, org: Organisation) -> None:
    rng = w.rng
    fx.credit(org, dishonest=rng.random() < 0.01)
    closed = not _in_business(org)
    if closed and "reg_ban" not in operator.records["MR"] and rng.random() < 0.1:
        until = w.today + timedelta(days=rng.randint(100, 900))
        registration_ban(operator, until, _BAN_REASON)
