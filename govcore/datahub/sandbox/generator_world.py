"""The model behind the sandbox generator: people, households, organisations.

A :class:`World` holds what has been generated so far, hands out unique
numbers and turns everything into a ``miaopi-sandbox/1`` document.  The
functions of :mod:`govcore.datahub.sandbox.generator_facts` add one source's
facts to a subject together with the e-licence (EL) proving them, so a licence
never contradicts its record.  The 户口簿 licence is added when the document is
built (it follows the final HK status) and the dead hold no licences.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from govcore.datahub.fields import SCHEMA
from govcore.datahub.sandbox.files import FORMAT
from govcore.datahub.sandbox.generator_names import (
    LONGHU,
    MIGRANT_ORIGINS,
    OTHER_DISTRICTS,
    TOWNSHIP_NAMES,
)
from govcore.validation import check_digit

__all__ = [
    "Household",
    "Organisation",
    "Person",
    "Record",
    "World",
    "add_years",
    "age_on",
    "birth_date_for_age",
    "civil_affairs_name",
    "licence",
    "police_name",
    "police_station",
]

Record = dict[str, Any]

_ODD = "13579"
_EVEN = "02468"


def add_years(day: date, years: int) -> date:
    """Return ``day`` moved by whole years; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def age_on(born: date, today: date) -> int:
    """Return the age in whole years on ``today`` (the birthday counts)."""
    before_birthday = (today.month, today.day) < (born.month, born.day)
    return today.year - born.year - int(before_birthday)


def birth_date_for_age(rng: random.Random, today: date, age: int) -> date:
    """Return a birth date giving exactly ``age`` on ``today``.

    Babies are at least a week old, so that a document built on the
    district's date still validates on a server clock a day behind.
    """
    latest = min(add_years(today, -age), today - timedelta(days=7))
    earliest = add_years(today, -age - 1) + timedelta(days=1)
    return earliest + timedelta(days=rng.randint(0, (latest - earliest).days))


@dataclass(eq=False)
class Household:
    """A 户: where its members are registered."""

    no: str
    district: str
    township: str
    address: str
    kind: str = "FAMILY"
    rural: bool = False
    since: date = date(2008, 1, 1)
    members: list[Person] = field(default_factory=list)


@dataclass(eq=False)
class Person:
    """A person and the records every source holds about them."""

    id_no: str
    name: str
    sex: str
    born: date
    household: Household
    relation: str
    records: dict[str, Record] = field(default_factory=dict)
    spouse: Person | None = None
    children: list[Person] = field(default_factory=list)
    licences: list[Record] = field(default_factory=list)

    def rec(self, source: str) -> Record:
        """Return this person's record of ``source``, creating it empty."""
        return self.records.setdefault(source, {})

    def age(self, today: date) -> int:
        """Return the age in whole years on ``today``."""
        return age_on(self.born, today)

    @property
    def alive(self) -> bool:
        """Whether the household register does not record a death."""
        return self.records["HK"]["status"] != "CANCELLED_DEATH"

    @property
    def local(self) -> bool:
        """Whether the person is registered (NORMAL) in 龙湖区."""
        hk = self.records["HK"]
        return hk["status"] == "NORMAL" and hk["district_code"] == LONGHU


@dataclass(eq=False)
class Organisation:
    """A market entity and the records the sources hold about it."""

    uscc: str
    name: str
    township: str
    operator: Person
    records: dict[str, Record] = field(default_factory=dict)
    licences: list[Record] = field(default_factory=list)

    def rec(self, source: str) -> Record:
        """Return this organisation's record of ``source``, creating it empty."""
        return self.records.setdefault(source, {})


class World:
    """Everything generated so far, and the allocator of unique numbers.

    :param rng: the only source of randomness; replace it to switch streams.
    :param today: the reference date of ages, validity and "current year".
    """

    def __init__(self, rng: random.Random, today: date) -> None:
        self.rng = rng
        self.today = today
        self.people: list[Person] = []
        self.households: list[Household] = []
        self.organisations: list[Organisation] = []
        self.used_names: set[str] = set()
        self._operated: dict[str, list[Organisation]] = {}
        self._used: set[str] = set()
        self._serials: dict[str, int] = {}

    # ------------------------------------------------------------------ #
    # Numbers
    # ------------------------------------------------------------------ #

    def serial(self, key: str) -> int:
        """Return the next number (1, 2, …) of the counter ``key``."""
        self._serials[key] = self._serials.get(key, 0) + 1
        return self._serials[key]

    def claim(self, value: str) -> str:
        """Reserve a fixed identifier, failing if it was already handed out."""
        if value in self._used:
            raise ValueError(f"identifier used twice: {value}")
        self._used.add(value)
        return value

    def unique(self, make: Callable[[], str]) -> str:
        """Call ``make`` until it returns an identifier not yet handed out."""
        while True:
            value = make()
            if value not in self._used:
                return self.claim(value)

    def new_id_number(self, prefix: str, born: date, sex: str) -> str:
        """Return an unused GB 11643 number whose sequence parity gives ``sex``."""
        parity = _ODD if sex == "M" else _EVEN

        def make() -> str:
            seq = f"{self.rng.randrange(100):02d}{self.rng.choice(parity)}"
            body = f"{prefix}{born:%Y%m%d}{seq}"
            return body + check_digit(body)

        return self.unique(make)

    def digits(self, count: int) -> str:
        """Return ``count`` random decimal digits."""
        return f"{self.rng.randrange(10 ** count):0{count}d}"

    def days_ago(self, low: int, high: int) -> date:
        """Return a date between ``high`` and ``low`` days before today."""
        return self.today - timedelta(days=self.rng.randint(low, high))

    # ------------------------------------------------------------------ #
    # Subjects
    # ------------------------------------------------------------------ #

    def household(
        self,
        township: str,
        address: str,
        *,
        kind: str = "FAMILY",
        rural: bool | None = None,
        since: date | None = None,
    ) -> Household:
        """Open a household registered in ``township`` (a nine-digit code)."""
        number = f"{township}{self.serial('hh:' + township):05d}"
        house = Household(
            no=self.claim(number),
            district=township[:6],
            township=township,
            address=address,
            kind=kind,
            rural=township.startswith(LONGHU + "1") if rural is None else rural,
            since=since or self.days_ago(200, 9000),
        )
        self.households.append(house)
        return house

    def add_person(
        self,
        household: Household,
        id_no: str,
        name: str,
        relation: str,
        *,
        status: str = "NORMAL",
        ethnicity: str = "01",
        move_in: date | None = None,
    ) -> Person:
        """Register a person (HK record) in ``household``.

        Sex and birth date are read from the number, so they always agree.
        """
        born = date(int(id_no[6:10]), int(id_no[10:12]), int(id_no[12:14]))
        sex = "M" if int(id_no[16]) % 2 else "F"
        person = Person(id_no, name, sex, born, household, relation)
        person.records["HK"] = _hk_record(person, status, ethnicity, move_in)
        person.records["HK"]["photo_available"] = (
            person.age(self.today) >= 16 or self.rng.random() < 0.3
        )
        household.members.append(person)
        self.people.append(person)
        if person.age(self.today) >= 16:
            person.licences.append(self._id_card(person))
        return person

    def add_organisation(
        self, uscc: str, name: str, township: str, operator: Person
    ) -> Organisation:
        """Register an organisation by its (already claimed) credit code."""
        organisation = Organisation(uscc, name, township, operator)
        self.organisations.append(organisation)
        self._operated.setdefault(operator.id_no, []).append(organisation)
        return organisation

    def organisations_of(self, person: Person) -> list[Organisation]:
        """Return the organisations ``person`` operates, oldest first."""
        return self._operated.get(person.id_no, [])

    def _id_card(self, person: Person) -> Record:
        age = person.age(self.today)
        years = 10 if age < 26 else 20 if age < 46 else None
        earliest = add_years(person.born, 16)
        span = (years or 20) * 365 - 1
        issued = max(earliest, self.days_ago(0, span))
        if years is not None and self.rng.random() < 0.02:  # a few expired cards
            lapsed = self.days_ago(years * 365 + 1, years * 365 + 200)
            issued = lapsed if lapsed >= earliest else issued
        valid_to = add_years(issued, years) if years else None
        return licence(
            "ID_CARD",
            person.id_no,
            police_name(person.household.district),
            issued,
            valid_to,
            today=self.today,
        )

    # ------------------------------------------------------------------ #
    # Output
    # ------------------------------------------------------------------ #

    def document(self) -> dict[str, Any]:
        """Return the ``miaopi-sandbox/1`` document of everything generated."""
        people = [
            {"id_number": p.id_no, "records": self._person_records(p)}
            for p in self.people
        ]
        organisations = [
            {"credit_code": o.uscc, "records": _ordered(o.records, o.licences)}
            for o in self.organisations
        ]
        return {"format": FORMAT, "people": people, "organisations": organisations}

    def _person_records(self, person: Person) -> dict[str, Record]:
        hk = person.records["HK"]
        if hk["status"] == "CANCELLED_DEATH":
            return _ordered(person.records, [])
        licences = list(person.licences)
        if hk["status"] == "NORMAL":
            issued = max(person.household.since, person.born)
            licences.insert(
                int(bool(licences)),
                licence(
                    "HUKOU_BOOK",
                    hk["household_no"],
                    police_station(hk["township_code"]),
                    issued,
                    today=self.today,
                ),
            )
        return _ordered(person.records, licences)


def _hk_record(
    person: Person, status: str, ethnicity: str, move_in: date | None
) -> Record:
    house = person.household
    record: Record = {
        "id_no": person.id_no,
        "name": person.name,
        "sex": person.sex,
        "birth_date": person.born.isoformat(),
        "ethnicity": ethnicity,
        "status": status,
        "district_code": house.district,
        "township_code": house.township,
        "household_no": house.no,
        "household_type": house.kind,
        "relation_to_head": person.relation,
        "address": house.address,
        "rural_resident": house.rural,
    }
    if move_in is not None:
        record["move_in_date"] = move_in.isoformat()
    return record


def _ordered(records: dict[str, Record], licences: list[Record]) -> dict[str, Record]:
    out = {source: records[source] for source in SCHEMA if source in records}
    if licences:
        out["EL"] = {"licences": licences}
    return out


def licence(
    kind: str,
    number: str,
    issuer: str,
    issued_on: date,
    valid_to: date | None = None,
    *,
    today: date,
    status: str | None = None,
) -> Record:
    """Return an e-licence entry; its status follows ``valid_to`` unless given."""
    entry: Record = {
        "type": kind,
        "number": number,
        "issuer": issuer,
        "issued_on": issued_on.isoformat(),
    }
    if valid_to is not None:
        entry["valid_to"] = valid_to.isoformat()
    if status is None:
        status = "EXPIRED" if valid_to is not None and valid_to < today else "VALID"
    entry["status"] = status
    return entry


def police_name(district: str) -> str:
    """Return the public-security office issuing ID cards for ``district``."""
    if district == LONGHU:
        return "汕头市公安局龙湖分局"
    if district in OTHER_DISTRICTS:
        return f"汕头市公安局{OTHER_DISTRICTS[district][0][:2]}分局"
    for code, place, _weight, _ethnicity in MIGRANT_ORIGINS:
        if code == district:
            return f"{place}公安局"
    return "户籍地公安机关"


def civil_affairs_name(district: str) -> str:
    """Return the civil-affairs bureau registering marriages in ``district``."""
    if district == LONGHU:
        return "汕头市龙湖区民政局"
    if district in OTHER_DISTRICTS:
        return f"汕头市{OTHER_DISTRICTS[district][0]}民政局"
    for code, place, _weight, _ethnicity in MIGRANT_ORIGINS:
        if code == district:
            return f"{place}民政局"
    return "婚姻登记机关"


def police_station(township: str) -> str:
    """Return the 派出所 keeping the household register of ``township``."""
    name = TOWNSHIP_NAMES.get(township)
    if name is None:
        return police_name(township[:6])
    return f"汕头市公安局龙湖分局{name[:2]}派出所"
