"""A deterministic synthetic 龙湖区 population for the sandbox (沙箱人口生成).

:func:`generate_population` returns a ``miaopi-sandbox/1`` document (see
``docs/sandbox.md``): the fixed personas of
:mod:`govcore.datahub.sandbox.personas`, then ``people`` generated residents in
households across the five 街道 and two 镇, and the organisations some of them
run or work for.  Ages are spread from newborns to over a hundred, with enough
people of 80–89, 90–99 and 100+ for the 高龄津贴 tiers.

The same ``(people, seed, today)`` always gives the same document: all
randomness comes from :class:`random.Random` streams seeded with ``seed`` (and
a fixed seed for the personas); nothing depends on the clock, on ``uuid4`` or
on the iteration order of a set.

Households are drawn from a handful of shapes (elderly single or couple,
nuclear family, three generations, a young couple with a baby, collective
household, non-local workers); the ``generator_family``, ``generator_orgs``
and ``generator_people`` modules then add each source's records.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from govcore.datahub.sandbox import generator_names as names
from govcore.datahub.sandbox.generator_family import Plan, add_deaths, add_families
from govcore.datahub.sandbox.generator_orgs import add_organisations
from govcore.datahub.sandbox.generator_people import add_facts
from govcore.datahub.sandbox.generator_world import (
    Person,
    World,
    add_years,
    birth_date_for_age,
)
from govcore.datahub.sandbox.personas import PERSONA_SEED, build_personas

__all__ = ["EARLIEST_TODAY", "generate_population"]

Spec = tuple[str, int, str]
"""A household member to create: (relation to the head, age, sex)."""

UNREGISTERED = "未落户"
"""Relation marking a baby with a birth certificate but no HK record yet."""

_KINDS: tuple[tuple[str, int], ...] = (
    ("elder_single", 11),
    ("elder_couple", 13),
    ("family", 30),
    ("three_gen", 13),
    ("with_parent", 10),
    ("young_single", 8),
    ("young_couple", 7),
    ("collective", 2),
    ("migrant", 6),
)
_MOVABLE = ("family", "young_single", "young_couple")

#: The earliest reference date: every persona is born and married by then.
EARLIEST_TODAY = date(2024, 1, 1)


def generate_population(people: int, *, seed: int, today: date) -> dict[str, Any]:
    """Generate the personas plus ``people`` synthetic residents.

    :param people: how many people to generate besides the personas (>= 0).
    :param seed: the random seed; the same arguments give the same document.
    :param today: the reference date of ages, validity periods and the year.
    :return: a ``miaopi-sandbox/1`` document accepted by
        :func:`~govcore.datahub.sandbox.files.validate_sandbox_document`
        (as long as ``today`` is not after the validating machine's date).
    :raise ValueError: if ``people`` is negative, or ``today`` is before
        :data:`EARLIEST_TODAY` (the personas' fixed dates would be in the future).
    """
    if people < 0:
        raise ValueError(f"people must be zero or more, got {people}")
    if today < EARLIEST_TODAY:
        raise ValueError(f"today must be {EARLIEST_TODAY} or later, got {today}")
    world = World(random.Random(PERSONA_SEED), today)
    build_personas(world)
    first = len(world.people)
    world.rng = random.Random(seed)
    plans = _populate(world, people)
    add_families(world, plans)
    add_deaths(world, plans)
    employers = add_organisations(world, world.people[first:])
    add_facts(world, plans, employers)
    return world.document()


# ---------------------------------------------------------------------- #
# Household shapes
# ---------------------------------------------------------------------- #


def _elder_age(rng: random.Random) -> int:
    base = rng.choices((60, 70, 80, 90, 100), (30, 30, 27, 11, 2))[0]
    return base + rng.randrange(10 if base < 100 else 5)


def _child(rng: random.Random, age: int, grand: bool = False) -> Spec:
    sex = rng.choice("MF")
    if grand:
        return ("孙子" if sex == "M" else "孙女", age, sex)
    return ("子" if sex == "M" else "女", age, sex)


def _wife_age(rng: random.Random, husband: int) -> int:
    return max(20, husband - rng.randint(-2, 5))


def _children(
    rng: random.Random, mother: int, count: int, grand: bool = False
) -> list[Spec]:
    oldest = max(0, min(mother - 21, 32))
    return [_child(rng, rng.randint(0, oldest), grand) for _ in range(count)]


def _shape(rng: random.Random, kind: str) -> list[Spec]:
    if kind == "elder_single":
        return [("户主", _elder_age(rng), "F" if rng.random() < 0.6 else "M")]
    if kind == "elder_couple":
        head = max(_elder_age(rng), 62)
        return [("户主", head, "M"), ("配偶", max(58, head - rng.randint(0, 5)), "F")]
    if kind == "young_single":
        return [("户主", rng.randint(18, 38), rng.choice("MF"))]
    if kind == "collective":
        return [
            ("集体户成员", rng.randint(18, 50), rng.choice("MF"))
            for _ in range(rng.randint(1, 4))
        ]
    return _family_shape(rng, kind)


def _family_shape(rng: random.Random, kind: str) -> list[Spec]:
    if kind == "three_gen":
        return _three_generations(rng)
    if kind == "young_couple":
        head = rng.randint(24, 36)
        specs = [("户主", head, "M"), ("配偶", _wife_age(rng, head), "F")]
        if rng.random() < 0.3:
            baby = _child(rng, 0)
            specs.append((UNREGISTERED, 0, baby[2]) if rng.random() < 0.4 else baby)
        return specs
    low, high = (40, 62) if kind == "with_parent" else (28, 58)
    head = rng.randint(low, high)
    wife = _wife_age(rng, head)
    specs = [("户主", head, "M"), ("配偶", wife, "F")]
    if kind == "with_parent":
        parent = "母亲" if rng.random() < 0.7 else "父亲"
        age = min(104, head + rng.randint(22, 38))
        specs.append((parent, age, "F" if parent == "母亲" else "M"))
    count = rng.choices((0, 1, 2, 3), (5, 35, 45, 15))[0]
    return specs + _children(rng, wife, count)


def _three_generations(rng: random.Random) -> list[Spec]:
    head = rng.randint(58, 88)
    specs = [("户主", head, "M")]
    if rng.random() < 0.8:
        specs.append(("配偶", max(55, head - rng.randint(0, 5)), "F"))
    son = rng.randint(max(25, head - 40), head - 22)
    daughter_in_law = _wife_age(rng, son)
    specs += [("子", son, "M"), ("儿媳", daughter_in_law, "F")]
    return specs + _children(rng, daughter_in_law, rng.randint(1, 2), grand=True)


# ---------------------------------------------------------------------- #
# Materialising households
# ---------------------------------------------------------------------- #


def _populate(w: World, people: int) -> list[Plan]:
    plans: list[Plan] = []
    remaining = people
    while remaining > 0:
        kind = names.pick_weighted(w.rng, _KINDS)
        specs = _shape(w.rng, kind)
        registered = [spec for spec in specs if spec[0] != UNREGISTERED]
        if len(registered) > remaining:
            specs = registered[:remaining]
        plan = _materialise(w, kind, specs)
        remaining -= len(plan.members)
        plans.append(plan)
    return plans


def _materialise(w: World, kind: str, specs: list[Spec]) -> Plan:
    plan = _open_household(w, kind)
    family = names.surname(w.rng)
    for relation, age, sex in specs:
        born = birth_date_for_age(w.rng, w.today, age)
        name = _name(w, relation, family, sex, born)
        if relation == UNREGISTERED:
            plan.babies.append((name, sex, born))
            continue
        plan.members.append(_register(w, plan, relation, name, born, sex))
    return plan


def _name(w: World, relation: str, family: str, sex: str, born: date) -> str:
    own_family = relation in ("户主", "子", "女", "孙子", "孙女", "父亲", UNREGISTERED)
    if relation == "集体户成员" or not own_family:
        family = names.surname(w.rng)
    return family + names.given_name(w.rng, sex, born.year)


def _open_household(w: World, kind: str) -> Plan:
    rng = w.rng
    township = names.pick_weighted(rng, names.TOWNSHIP_WEIGHTS)
    living = (township, names.home_address(rng, township))
    if kind == "migrant":
        code, place, _weight, _ethnicity = _origin(rng)
        home = f"{code}1{rng.randint(0, 20):02d}"
        house = w.household(home, names.migrant_home_address(rng, place), rural=True)
        return Plan(kind, house, living)
    if kind in _MOVABLE and rng.random() < 0.03:
        district = rng.choice(sorted(names.OTHER_DISTRICTS))
        township, address = names.other_district_address(rng, district)
        return Plan("moved_away", w.household(township, address), living)
    household_kind = "COLLECTIVE" if kind == "collective" else "FAMILY"
    house = w.household(living[0], living[1], kind=household_kind)
    if kind in _MOVABLE and rng.random() < 0.03:
        kind = "cancelled_move"
    return Plan(kind, house, living)


def _origin(rng: random.Random) -> tuple[str, str, int, str]:
    weights = [origin[2] for origin in names.MIGRANT_ORIGINS]
    return rng.choices(names.MIGRANT_ORIGINS, weights)[0]


def _register(
    w: World, plan: Plan, relation: str, name: str, born: date, sex: str
) -> Person:
    prefix, move_in = _id_prefix(w, plan, born)
    id_no = w.new_id_number(prefix, born, sex)
    status = "CANCELLED_MOVE" if plan.kind == "cancelled_move" else "NORMAL"
    ethnicity = _ethnicity(w.rng, plan)
    return w.add_person(
        plan.house,
        id_no,
        name,
        relation,
        status=status,
        ethnicity=ethnicity,
        move_in=move_in,
    )


def _id_prefix(w: World, plan: Plan, born: date) -> tuple[str, date | None]:
    rng = w.rng
    house = plan.house
    if plan.kind == "migrant" or plan.kind == "moved_away":
        return (house.district if plan.kind == "migrant" else names.LONGHU), None
    adult_since = add_years(born, 18)
    if born.year < 2000 and rng.random() < 0.09:
        birthplace = names.pick_weighted(rng, names.BIRTHPLACES)
        latest = max(adult_since, w.today - timedelta(days=400))
        span = (latest - adult_since).days
        move_in = adult_since + timedelta(days=rng.randint(0, span))
        return birthplace, min(move_in, w.today - timedelta(days=30))
    return _native_prefix(rng, house.township, born), None


def _native_prefix(rng: random.Random, township: str, born: date) -> str:
    if township.startswith(names.LONGHU + "1") and born.year < 2003:
        if rng.random() < 0.6:
            return "440521" if born.year < 1994 else "440583"
    elif born.year < 1986 and rng.random() < 0.1:
        return rng.choice(names.OLD_SHANTOU_PREFIXES)
    return names.LONGHU


def _ethnicity(rng: random.Random, plan: Plan) -> str:
    if plan.kind == "migrant":
        for code, _place, _weight, ethnicity in names.MIGRANT_ORIGINS:
            if code == plan.house.district and rng.random() < 0.4:
                return ethnicity
        return "01"
    return "22" if rng.random() < 0.005 else "01"
