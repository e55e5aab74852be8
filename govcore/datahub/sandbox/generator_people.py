"""Records of the generated residents, source by source.

Runs after the families and organisations exist.  Household-level facts come
first (低保/特困/低保边缘 for every member, property, dogs), then each living
person's insurance, education, disability, allowances, police and credit
checks, military service and transport qualifications, and finally the
household's 家庭经济状况核对 (which counts the properties).
"""

from __future__ import annotations

from datetime import date, timedelta

from govcore.datahub.sandbox import generator_facts as fx
from govcore.datahub.sandbox import generator_names as names
from govcore.datahub.sandbox.generator_family import Plan
from govcore.datahub.sandbox.generator_world import (
    Organisation,
    Person,
    World,
    add_years,
    age_on,
)

__all__ = ["add_facts"]

_LOCAL_KINDS = (
    "elder_single",
    "elder_couple",
    "family",
    "three_gen",
    "with_parent",
    "young_single",
    "young_couple",
)
_SUBSIDISED = {"dibao": "低保对象", "tekun": "特困人员", "dibao_edge": "低保边缘对象"}
_DEGREE_YEARS = {"大专": 21, "本科": 22, "硕士": 25, "博士": 28}
_TR_CATEGORIES = (
    "道路旅客运输驾驶员",
    "道路货物运输驾驶员",
    "出租汽车驾驶员",
    "网络预约出租汽车驾驶员",
)
_RELIEF_REASONS = ("MEDICAL", "ACCIDENT", "DISASTER", "BASIC_LIVING")


def add_facts(w: World, plans: list[Plan], employers: list[Organisation]) -> None:
    """Give every generated household and living person their records."""
    for plan in plans:
        _household(w, plan)
    for plan in plans:
        for p in plan.members:
            if p.alive:
                _person(w, plan, p, employers)
    for plan in plans:
        _income(w, plan)


# ---------------------------------------------------------------------- #
# Households
# ---------------------------------------------------------------------- #


def _household(w: World, plan: Plan) -> None:
    living = [p for p in plan.members if p.alive]
    if not living:
        return
    local = plan.kind in _LOCAL_KINDS
    plan.assistance = _assistance_kind(w, plan) if local else None
    if plan.assistance:
        start = w.days_ago(60, 3000)
        cared_for = plan.assistance == "tekun" and w.rng.random() < 0.3
        for p in living:
            fx.assistance(p, plan.assistance, start)
            if cared_for:
                p.rec("CA")["institutionalised"] = True
    if local:
        _home(w, plan, living)
    elif plan.kind == "migrant" and w.rng.random() < 0.03:
        fx.holding(
            w, living[:1], plan.living[1], "住宅", _area(w), township=plan.living[0]
        )
    for p in living:
        _shop_premises(w, p)


def _assistance_kind(w: World, plan: Plan) -> str | None:
    roll = w.rng.random()
    if plan.kind == "elder_single":
        return (
            "tekun"
            if roll < 0.08
            else "dibao" if roll < 0.14 else ("dibao_edge" if roll < 0.18 else None)
        )
    return "dibao" if roll < 0.022 else "dibao_edge" if roll < 0.042 else None


def _area(w: World) -> float:
    return round(w.rng.uniform(45, 160), 1)


def _home(w: World, plan: Plan, living: list[Person]) -> None:
    head = living[0]
    owns = 0.35 if plan.assistance in ("dibao", "tekun") else 0.72
    if w.rng.random() < owns:
        owners = [head]
        if head.spouse is not None and head.spouse.alive:
            owners.append(head.spouse)
        house = plan.house
        fx.holding(w, owners, house.address, "住宅", _area(w), township=house.township)
    if w.rng.random() < 0.04:
        fx.dog(w, head, w.today + timedelta(days=w.rng.randint(-60, 330)))


def _shop_premises(w: World, p: Person) -> None:
    for org in w.organisations_of(p):
        entity = org.records["MR"]["entity"]
        if entity["type"] == "个体工商户" and w.rng.random() < 0.25:
            area = round(w.rng.uniform(15, 90), 1)
            fx.holding(w, [p], entity["address"], "商业", area, township=org.township)


def _income(w: World, plan: Plan) -> None:
    living = [p for p in plan.members if p.alive]
    if not living or not (plan.assistance or w.rng.random() < 0.02):
        return
    rng = w.rng
    if plan.assistance in ("dibao", "tekun"):
        income = rng.randint(300, 900)
    else:
        income = rng.randint(900, 1500) if plan.assistance else rng.randint(1200, 2600)
    fx.income_check(w, living, income, rng.randrange(0, 20000, 100), 0)
    if rng.random() < 0.2:
        living[0].rec("CON")["public_rental"] = {
            "applications": rng.randint(1, 2),
            "allocation_active": rng.random() < 0.4,
        }
    if plan.assistance and rng.random() < 0.3:
        for _ in range(rng.randint(1, 2)):
            amount = rng.randrange(500, 5001, 100)
            fx.temp_relief(
                living[0], w.days_ago(30, 1000), rng.choice(_RELIEF_REASONS), amount
            )


# ---------------------------------------------------------------------- #
# People
# ---------------------------------------------------------------------- #


def _person(w: World, plan: Plan, p: Person, employers: list[Organisation]) -> None:
    age = p.age(w.today)
    shantou = p.records["HK"]["district_code"].startswith("4405")
    if shantou:
        fx.civil_affairs_file(p)
    if age >= 18:
        _checks(w, p)
    student = _education(w, p, age)
    _insurance(w, plan, p, age, student, employers)
    if shantou:
        _disability(w, plan, p, age)
        _aged(w, p, age)
    _service(w, p, age)
    if plan.kind == "migrant" and (age >= 16 or (age >= 1 and w.rng.random() < 0.5)):
        _permit(w, plan, p)
    _subsidised(p, plan)


def _checks(w: World, p: Person) -> None:
    rng = w.rng
    convicted = rng.random() < (0.025 if p.sex == "M" else 0.005)
    fx.police_record(p, convicted=convicted, sealed=convicted and rng.random() < 0.2)
    ps = p.records["PS"]
    ps["wanted"] = rng.random() < 0.0005
    ps["in_custody"] = rng.random() < 0.001
    ps["deprived_political_rights"] = rng.random() < 0.0005
    fx.credit(
        p,
        dishonest=rng.random() < 0.01,
        severe=rng.random() < 0.002,
        false_commitment=rng.random() < 0.006,
    )


def _education(w: World, p: Person, age: int) -> bool:
    rng = w.rng
    if 18 <= age <= 22 and rng.random() < 0.5:
        p.rec("EDU")["enrolled"] = True
        return True
    if not 22 <= age <= 50:
        return False
    roll = rng.random()
    levels = (
        ["本科", "博士"]
        if roll < 0.007
        else (
            ["本科", "硕士"]
            if roll < 0.057
            else ["本科"] if roll < 0.3 else ["大专"] if roll < 0.52 else []
        )
    )
    for level in levels:
        graduated = date(p.born.year + _DEGREE_YEARS[level], 6, 30)
        if graduated <= w.today - timedelta(days=30):
            school = rng.choice(
                names.SCHOOLS if level == "大专" else names.UNIVERSITIES
            )
            fx.degree(w, p, level, school, graduated, full_time=rng.random() < 0.85)
    return False


def _insurance(
    w: World,
    plan: Plan,
    p: Person,
    age: int,
    student: bool,
    employers: list[Organisation],
) -> None:
    _card(w, p, age)
    retire_age = 60 if p.sex == "M" else 55
    if age >= retire_age:
        scheme = _retiree(w, plan, p, retire_age)
    elif age >= 18 and not student:
        scheme = _worker(w, plan, p, age, employers)
    else:
        scheme = "RESIDENT"
    region = "440500" if scheme == "EMPLOYEE" else plan.living[0][:6]
    if plan.kind == "moved_away":
        region = plan.house.district if scheme == "RESIDENT" else region
    lapsed = scheme == "RESIDENT" and w.rng.random() < 0.05
    fx.medical(
        w, p, scheme, region=region, year=w.today.year - 1 if lapsed else w.today.year
    )


def _card(w: World, p: Person, age: int) -> None:
    rng = w.rng
    if age >= 16 and rng.random() < 0.93:
        status = "IN_PRODUCTION" if rng.random() < 0.01 else "ACTIVE"
        fx.social_card(w, p, verified=rng.random() < 0.95, status=status)
    elif age < 16 and rng.random() < 0.55:
        fx.social_card(w, p, verified=False)


def _retiree(w: World, plan: Plan, p: Person, retire_age: int) -> str:
    rng = w.rng
    if rng.random() < 0.85:
        fx.pension(p, add_years(p.born, retire_age), rng.randint(120, 420))
        urban = not plan.house.rural
        return "EMPLOYEE" if rng.random() < (0.75 if urban else 0.3) else "RESIDENT"
    p.rec("SI")["pension_receiving"] = False
    return "RESIDENT"


def _worker(
    w: World, plan: Plan, p: Person, age: int, employers: list[Organisation]
) -> str:
    rng = w.rng
    earliest = add_years(p.born, 18)
    start = max(earliest, w.days_ago(30, min(age - 18, 20) * 365 + 30))
    own = [o for o in w.organisations_of(p) if _open(o)]
    if own:
        fx.self_employed(w, p, max(start, _established(own[0])))
        return "RESIDENT"
    if employers and rng.random() < (0.8 if plan.kind == "migrant" else 0.62):
        employer = rng.choice(employers)
        fx.employ(w, p, employer, max(start, _established(employer)))
        return "EMPLOYEE"
    if rng.random() < 0.12:
        fx.unemployed(p, w.days_ago(10, 400))
    else:
        p.rec("SI")["pension_receiving"] = False
    return "RESIDENT"


def _open(org: Organisation) -> bool:
    return org.records["MR"]["entity"]["status"] == "存续"


def _established(org: Organisation) -> date:
    return date.fromisoformat(org.records["MR"]["entity"]["established_on"])


def _disability(w: World, plan: Plan, p: Person, age: int) -> None:
    rng = w.rng
    chance = 0.02 if age < 18 else 0.05 if age < 60 else 0.1 if age < 80 else 0.16
    if rng.random() >= chance:
        return
    category = rng.choices(range(1, 8), (12, 15, 2, 45, 8, 10, 8))[0]
    level = rng.choices(range(1, 5), (15, 25, 30, 30))[0]
    if rng.random() < 0.94:
        valid_to = w.today + timedelta(days=rng.randint(30, 3650))
    else:
        valid_to = w.today - timedelta(days=rng.randint(1, 600))
    fx.disability(w, p, category, level, valid_to)
    if valid_to < w.today:
        return
    start = w.days_ago(30, 1500)
    if plan.assistance and rng.random() < 0.6:
        fx.disab_subsidy(p, "LIVING", start)
    if (level <= 2 or category in (5, 6)) and rng.random() < 0.5:
        fx.disab_subsidy(p, "NURSING", start)


def _aged(w: World, p: Person, age: int) -> None:
    if not p.local or age < 80 or w.rng.random() >= 0.55:
        return
    eighty = add_years(p.born, 80)
    fx.aged_allowance(
        w, p, eighty + timedelta(days=w.rng.randint(0, (w.today - eighty).days))
    )


def _service(w: World, p: Person, age: int) -> None:
    rng = w.rng
    if p.sex == "M" and 22 <= age <= 80 and rng.random() < 0.04:
        discharged = min(
            date(p.born.year + rng.randint(20, 24), 12, 1), w.today - timedelta(days=30)
        )
        fx.veteran(
            w,
            p,
            discharged,
            pref_card=rng.random() < 0.55,
            dismissed=rng.random() < 0.01,
        )
        if rng.random() < 0.05:
            fx.disabled_soldier(w, p, rng.randint(1, 10))
    driver = (p.sex == "M" and 25 <= age <= 60 and rng.random() < 0.035) or (
        p.sex == "F" and 25 <= age <= 55 and rng.random() < 0.003
    )
    if driver:
        _qualification(w, p)
    if driver or (18 <= age <= 70 and rng.random() < 0.4):
        fx.driving_licence(w, p)


def _qualification(w: World, p: Person) -> None:
    rng = w.rng
    roll = rng.random()
    if roll < 0.15:
        valid_to = w.today + timedelta(days=rng.randint(1, 30))
    elif roll < 0.25:
        valid_to = w.today - timedelta(days=rng.randint(1, 300))
    else:
        valid_to = w.today + timedelta(days=rng.randint(31, 2100))
    grade = rng.choices(("AAA", "AA", "A", "B"), (50, 35, 12, 3))[0]
    fx.road_qualification(w, p, valid_to, rng.choice(_TR_CATEGORIES), grade)


def _permit(w: World, plan: Plan, p: Person) -> None:
    rng = w.rng
    valid_from = max(p.born + timedelta(days=30), w.days_ago(100, 3000))
    years = age_on(valid_from, w.today)
    status = "VALID"
    last = add_years(valid_from, years)
    if years >= 2 and rng.random() < 0.1:
        last, status = add_years(valid_from, years - 1), "SUSPENDED"
    last = max(valid_from, last - timedelta(days=rng.randint(0, 25)))
    fx.residence_permit(w, p, plan.living[1], valid_from, last, status)


def _subsidised(p: Person, plan: Plan) -> None:
    dpf = p.records.get("DPF")
    if plan.assistance:
        category = _SUBSIDISED[plan.assistance]
    elif dpf and dpf["status"] == "VALID" and dpf["level"] <= 2:
        category = "重度残疾人"
    else:
        return
    p.rec("MI")["subsidised_category"] = category
