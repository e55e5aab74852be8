"""Family facts of generated households: marriages, children, births, deaths.

Works on :class:`Plan` objects (one per generated household): couples get a
marriage on both MAR records, parents list their children (HL), babies under
one year have a 出生医学证明 on their mother's HL record (some not yet
registered in HK), mothers of recent children have 生育登记 entries, and a few
older people have died (HK CANCELLED_DEATH with a CA death record).
"""

from __future__ import annotations

from datetime import date, timedelta

from govcore.datahub.sandbox import generator_facts as fx
from govcore.datahub.sandbox import generator_names as names
from govcore.datahub.sandbox.generator_world import Household, Person, World, add_years

__all__ = ["Plan", "add_deaths", "add_families"]

_CHILD = ("子", "女")
_GRANDCHILD = ("孙子", "孙女")


class Plan:
    """A generated household and what the fact passes need to know about it.

    :param kind: the household shape, or ``"migrant"``, ``"moved_away"``
        (registered in another Shantou district) or ``"cancelled_move"``.
    :param living: ``(township, address)`` where the household lives in 龙湖区.
    """

    def __init__(self, kind: str, house: Household, living: tuple[str, str]) -> None:
        self.kind = kind
        self.house = house
        self.living = living
        self.members: list[Person] = []
        self.babies: list[tuple[str, str, date]] = []
        self.assistance: str | None = None

    def first(self, *relations: str) -> Person | None:
        """Return the first member whose relation to the head is in ``relations``."""
        for member in self.members:
            if member.relation in relations:
                return member
        return None

    def all(self, *relations: str) -> list[Person]:
        """Return the members whose relation to the head is in ``relations``."""
        return [m for m in self.members if m.relation in relations]


def add_families(w: World, plans: list[Plan]) -> None:
    """Marry the couples and link parents, children and births of each plan."""
    for plan in plans:
        head, spouse = plan.first("户主"), plan.first("配偶")
        son, daughter_in_law = plan.first("子"), plan.first("儿媳")
        _couple(w, head, spouse, plan.all(*_CHILD))
        _couple(w, son, daughter_in_law, plan.all(*_GRANDCHILD))
        if head is not None:
            for parent in plan.all("父亲", "母亲"):
                fx.link_child(head, parent)
        _births(w, plan, spouse, head, plan.all(*_CHILD), plan.babies)
        _births(w, plan, daughter_in_law, son, plan.all(*_GRANDCHILD), [])
        _singles(w, plan)


def _couple(
    w: World, husband: Person | None, wife: Person | None, children: list[Person]
) -> None:
    if husband is None or wife is None:
        return
    fx.marry(w, husband, wife, _wedding_day(w, husband, wife, children))
    for child in children:
        fx.link_child(child, husband, wife)
    if len(children) == 1 and 40 <= wife.age(w.today) <= 75 and w.rng.random() < 0.3:
        day = children[0].born + timedelta(days=w.rng.randint(100, 800))
        fx.one_child_cert(w, (husband, wife), min(day, w.today))
    if len(children) >= 3 and wife.age(w.today) >= 40 and w.rng.random() < 0.2:
        period = str(sorted(c.born.year for c in children)[-1])
        for parent in (husband, wife):
            parent.rec("HL")["fp_violation"] = {"flag": True, "period": period}


def _wedding_day(
    w: World, husband: Person, wife: Person, children: list[Person]
) -> date:
    earliest = max(add_years(husband.born, 22), add_years(wife.born, 20))
    latest = min(add_years(wife.born, 30), w.today - timedelta(days=30))
    if children:
        latest = min(latest, min(c.born for c in children) - timedelta(days=300))
    earliest = min(earliest, latest)
    return earliest + timedelta(days=w.rng.randint(0, (latest - earliest).days))


def _births(
    w: World,
    plan: Plan,
    mother: Person | None,
    father: Person | None,
    children: list[Person],
    unregistered: list[tuple[str, str, date]],
) -> None:
    if mother is None:
        return
    births = [(c.name, c.sex, c.born) for c in children] + unregistered
    births.sort(key=lambda birth: birth[2])
    for order, birth in enumerate(births, start=1):
        if birth[2] > w.today - timedelta(days=365):
            fx.birth_cert(w, mother, father, birth, names.pick(w.rng, names.HOSPITALS))
        if birth[2].year >= 2016:
            day = birth[2] - timedelta(days=w.rng.randint(90, 240))
            fx.fertility_reg(w, mother, order, day)


def _singles(w: World, plan: Plan) -> None:
    for p in plan.members:
        age = p.age(w.today)
        if "MAR" in p.records or age < 20:
            continue
        if plan.kind == "elder_single" or age >= 60:
            continue  # widowed: the registry's record of the marriage is not kept
        if age >= 30 and w.rng.random() < 0.12:
            fx.divorced(w, p, w.days_ago(60, (age - 25) * 365))
        else:
            fx.never_married(p)


def add_deaths(w: World, plans: list[Plan]) -> None:
    """Record the deaths of some members, mostly the elderly.

    Mothers of babies under one year are spared, so that every 出生医学证明
    has a living holder.
    """
    for plan in plans:
        for p in plan.members:
            if "birth_cert" in p.records.get("HL", {}):
                continue
            if w.rng.random() < _death_rate(p.age(w.today)):
                died = max(p.born + timedelta(days=1), w.days_ago(5, 1000))
                fx.death(p, died)


def _death_rate(age: int) -> float:
    if age < 60:
        return 0.001
    return 0.01 if age < 70 else 0.03 if age < 80 else 0.06 if age < 90 else 0.1
