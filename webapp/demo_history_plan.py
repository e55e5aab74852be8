"""Who applies for what, and when, in the standalone demo's month of history.

The cast comes from the sandbox: for each item, generated residents (or the
organisations they run) are screened with the item's published rules, as the
dry run and 免申即享 do, so most of those who apply could qualify; a few who
cannot apply too. The personas appear only where their own demonstration
path stays open (a refusal, a case left with a person, a permit that may be
granted again), so a presenter can still walk every path after the seeding.
Nothing here writes: :meth:`Planner.plan` returns the visits, in time order.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from govcore import catalog
from govcore.applications import ChannelKind
from govcore.applications.form import Subjects, prefill_field
from govcore.clock import DISTRICT_TZ, local_date
from govcore.datahub import DataLookup, DataSource, DataSourceError, SubjectDirectory
from govcore.datahub.ports import SourceRecord
from govcore.decisions.facts import sources_snapshot
from govcore.decisions.service import DEFAULT_REVIEW_DAYS
from govcore.rules.engine import compile_rules, evaluate
from govcore.validation import is_valid_credit_code
from govcore.workdays import WorkCalendar
from webapp.demo_history_cast import (
    DAYS,
    ITEMS,
    ORG_CODES,
    PERSON_IDS,
    PERSONA_VISITS,
    RELIEF,
    TOLERANCE_VISITS,
    Plan,
    Visit,
)

MOBILE, KIOSK, COUNTER = ChannelKind.MOBILE, ChannelKind.KIOSK, ChannelKind.COUNTER
CHANNEL_WEIGHTS = {MOBILE: 5, KIOSK: 3, COUNTER: 2}
SCREEN_AT_MOST = 250  # residents examined per item at most
ENOUGH_SCREENED = 60  # …or this many, for an item a person decides
REFUSED_SHARE = 0.12  # of an item's applicants, some who do not qualify


class RememberingSource(DataSource):
    """Screening asks the same records again and again: each once here.

    For planning only; the use cases ask the real source at their moment.
    """

    def __init__(self, source: DataSource) -> None:
        self.source = source
        self.answers: dict[tuple[str, str], SourceRecord | DataSourceError] = {}

    def fetch(self, source: str, subject_id: str, *, now: datetime) -> SourceRecord:
        key = (source, subject_id)
        if key not in self.answers:
            try:
                self.answers[key] = self.source.fetch(source, subject_id, now=now)
            except DataSourceError as error:
                self.answers[key] = error
        answer = self.answers[key]
        if isinstance(answer, DataSourceError):
            raise answer
        return answer


@dataclass(frozen=True)
class Applicant:
    """Someone screened for an item on the day they would apply."""

    person: str
    organisation: str | None
    day: date
    entries: dict[str, Any]


class Planner:
    """Draws the month: the cast per item, the days, the hours, the channels."""

    def __init__(
        self,
        source: DataSource,
        directory: SubjectDirectory,
        calendar: WorkCalendar,
        *,
        now: datetime,
        rng: random.Random,
        reviewing: str | None,
    ) -> None:
        """:param reviewing: the department whose approver works in the demo."""
        self.source = RememberingSource(source)
        self.directory, self.calendar = directory, calendar
        self.now, self.rng, self.reviewing = now, rng, reviewing
        self.today = local_date(now)
        self.personas = set(PERSON_IDS.values())
        self.taken: set[tuple[str, str]] = set()  # (item, applicant)
        self.days = [self.today - timedelta(days=n) for n in range(DAYS - 1, -1, -1)]
        # Today counts from mid-morning, and with its hours so far only.
        self.latest_today = now.astimezone(DISTRICT_TZ) - timedelta(minutes=20)
        self.specs: dict[str, Any] = {}
        self.subjects: dict[str, list[str]] = {}

    def plan(self) -> list[Visit]:
        """Every visit of the month before ``now``, the earliest first."""
        visits = [v for code, plan in ITEMS.items() for v in self._item(code, plan)]
        visits += self._personas() + self._tolerance()
        visits = sorted((v for v in visits if v.at < self.now), key=lambda v: v.at)
        return _with_corrections(visits)

    # Who ----------------------------------------------------------------

    def _item(self, code: str, plan: Plan) -> Iterator[Visit]:
        offered = {c.value for c in self._spec(code).channels}
        channels = [c for c in CHANNEL_WEIGHTS if c.value in offered]
        for applicant in self._cast(code, plan):
            channel = self._channel(applicant.day, channels)
            yield Visit(
                self._time(applicant.day, channel),
                code,
                applicant.person,
                channel,
                applicant.organisation,
                applicant.entries,
            )

    def _cast(self, code: str, plan: Plan) -> list[Applicant]:
        """Applicants who qualify on their day, else whose case a person would
        decide, and a few who do not qualify."""
        found: dict[str, list[Applicant]] = {"approve": [], "manual": [], "refuse": []}
        for screened, (person, organisation) in enumerate(self._pool(plan)):
            if self._enough(found, plan.count, screened):
                break
            if (code, person) in self.taken:
                continue
            day = self._day()
            applicant = Applicant(
                person, organisation, day, self._entries(plan.entries, day)
            )
            outcome = self._screen(code, applicant)
            if outcome == "manual" and self._unreviewed(code):
                # No approver of this department works in the demo: its
                # cases come late enough not to be overdue yet.
                day = self._day(self._in_time(code))
                applicant = Applicant(
                    person, organisation, day, self._entries(plan.entries, day)
                )
            found[outcome].append(applicant)
        share = round(plan.count * REFUSED_SHARE) if plan.count > 4 else 0
        cast = (found["approve"] + found["manual"])[: plan.count]
        cast += found["refuse"][:share]
        self.taken.update((code, a.person) for a in cast)
        return cast

    @staticmethod
    def _enough(found: dict[str, list[Applicant]], count: int, screened: int) -> bool:
        """Enough who qualify; or, for an item a person decides (none of the
        first ones qualified), enough applicants."""
        if len(found["approve"]) >= count:
            return True
        return (
            screened >= ENOUGH_SCREENED
            and not found["approve"]
            and len(found["manual"]) >= count
        )

    def _screen(self, code: str, applicant: Applicant) -> str:
        """What the rules would decide on the data alone, as a dry run does:
        the prefilled form and the entries, at noon of the day."""
        spec = self._spec(code)
        rules = compile_rules(spec)
        at = datetime.combine(applicant.day, time(12), DISTRICT_TZ)
        lookup = DataLookup(self.source, now=at)
        person, organisation = applicant.person, applicant.organisation
        snapshot = sources_snapshot(
            rules, lookup, person=person, organisation=organisation, now=at
        )
        subjects = Subjects(person, organisation)
        form = {}
        for form_field in spec.form:
            if form_field.prefill:
                found = prefill_field(form_field, subjects, lookup)
                form[form_field.key] = (found.choices or [found.value])[0]
        snapshot["form"] = {**form, **applicant.entries}
        snapshot["application"] = _application_facts(organisation)
        return evaluate(rules, snapshot).outcome

    def _pool(self, plan: Plan) -> Iterator[tuple[str, str | None]]:
        if plan.organisations:
            yield from self._shops(plan.organisations)
            return
        if plan.pool not in self.subjects:
            self.subjects[plan.pool] = [
                s
                for s in self.directory.subjects(plan.pool)
                if not is_valid_credit_code(s) and s not in self.personas
            ]
        subjects = list(self.subjects[plan.pool])
        self.rng.shuffle(subjects)
        yield from ((s, None) for s in subjects[:SCREEN_AT_MOST])

    def _shops(self, kinds: tuple[str, ...]) -> Iterator[tuple[str, str | None]]:
        """Running shops of these kinds, with their legal representative."""
        codes = [
            s
            for s in self.directory.subjects("MR")
            if is_valid_credit_code(s) and s not in ORG_CODES.values()
        ]
        self.rng.shuffle(codes)
        for code in codes:
            try:
                entity = self.source.fetch("MR", code, now=self.now).data["entity"]
            except (DataSourceError, KeyError):
                continue
            named = entity.get("name", "").endswith(kinds)
            if named and entity.get("status") == "存续" and entity.get("legal_rep_id"):
                yield entity["legal_rep_id"], code

    def _personas(self) -> list[Visit]:
        visits = []
        for item, name, org, entries, days_ago, then in PERSONA_VISITS:
            day = self._working_day_before(self.today - timedelta(days=days_ago))
            channel = MOBILE if org else COUNTER
            visits.append(
                Visit(
                    self._time(day, channel),
                    item,
                    PERSON_IDS[name],
                    channel,
                    ORG_CODES.get(org or ""),
                    self._entries(entries, day),
                    then=then,
                )
            )
        return visits

    def _tolerance(self) -> list[Visit]:
        """临时救助 accepted with the hardship proof owed (容缺受理)."""
        code = "temporary-relief"
        pool = self._pool(ITEMS[code])
        visits = []
        for days_ago, then in TOLERANCE_VISITS:
            if days_ago is None:
                day = self._owing_until_tomorrow()
            else:
                day = self._working_day_before(self.today - timedelta(days=days_ago))
            applicant = self._first_eligible(code, pool, day)
            if applicant is None:
                break  # the pool ran out
            self.taken.add((code, applicant.person))
            channel = self.rng.choice([KIOSK, COUNTER])
            visits.append(
                Visit(
                    self._time(day, channel),
                    code,
                    applicant.person,
                    channel,
                    entries=applicant.entries,
                    owe=True,
                    then=then,
                )
            )
        return visits

    def _first_eligible(
        self, code: str, pool: Iterator[tuple[str, str | None]], day: date
    ) -> Applicant | None:
        for person, _ in pool:
            if (code, person) in self.taken:
                continue
            applicant = Applicant(person, None, day, self._entries(RELIEF, day))
            if self._screen(code, applicant) != "refuse":
                return applicant
        return None

    # When and where ------------------------------------------------------

    def _day(self, days: list[date] | None = None) -> date:
        days = days or self.days
        return self.rng.choices(days, [self._weight(d) for d in days])[0]

    def _weight(self, day: date) -> float:
        if day == self.today:  # phones are used on any day
            return 1.0 if self.latest_today.hour >= 10 else 0.0
        return 1.0 if self.calendar.is_working_day(day) else 0.25

    def _unreviewed(self, code: str) -> bool:
        version = catalog.get_item_version(code, on=self.today)
        return version.item.department.code != self.reviewing

    def _in_time(self, code: str) -> list[date]:
        """The days a review task opened on is not yet overdue today."""
        limits = self._spec(code).limits
        promised = (
            limits.promised_working_days
            or limits.statutory_working_days
            or DEFAULT_REVIEW_DAYS
        )
        return [
            d
            for d in self.days
            if self.calendar.add_working_days(d, promised) >= self.today
        ]

    def _channel(self, day: date, offered: list[ChannelKind]) -> ChannelKind:
        if not self.calendar.is_working_day(day) and MOBILE in offered:
            return MOBILE  # the hall is closed; phones are not
        return self.rng.choices(offered, [CHANNEL_WEIGHTS[c] for c in offered])[0]

    def _time(self, day: date, channel: ChannelKind) -> datetime:
        """An hour the channel is used: the hall's opening hours, or the
        phone's waking ones."""
        if channel is MOBILE:
            start, end = 7 * 60 + 30, 21 * 60 + 30
        elif self.rng.random() < 0.6:
            start, end = 8 * 60 + 30, 11 * 60 + 45
        else:
            start, end = 14 * 60 + 30, 17 * 60 + 15
        if day == self.today:
            end = min(end, self.latest_today.hour * 60 + self.latest_today.minute)
            start = min(start, end)
        minutes = self.rng.randint(start, end)
        at = time(minutes // 60, minutes % 60, self.rng.randint(0, 59))
        return datetime.combine(day, at, DISTRICT_TZ)

    def _working_day_before(self, day: date) -> date:
        """``day``, or the last working day before it."""
        while not self.calendar.is_working_day(day):
            day -= timedelta(days=1)
        return day

    def _owing_until_tomorrow(self) -> date:
        """The day of filing whose 容缺 deadline is the next working day."""
        deadline = self._spec("temporary-relief").tolerance.deadline_working_days or 0
        due = self.calendar.add_working_days(self.today, 1)
        day = self._working_day_before(self.today - timedelta(days=1))
        while self.calendar.add_working_days(day, deadline) > due:
            day = self._working_day_before(day - timedelta(days=1))
        return day

    # What ----------------------------------------------------------------

    def _spec(self, code: str) -> Any:
        if code not in self.specs:
            self.specs[code] = catalog.get_item_version(code, on=self.today).spec
        return self.specs[code]

    def _entries(self, entries: Mapping[str, Any], day: date) -> dict[str, Any]:
        chosen = {}
        for key, value in entries.items():
            if isinstance(value, tuple):
                value = self.rng.choice(value)
            chosen[key] = value(day) if callable(value) else value
        return chosen


def _with_corrections(visits: list[Visit]) -> list[Visit]:
    """The first 高龄津贴 and 医保参保 applicants of the month say their
    户籍地址 is wrong (数据纠错)."""
    wanted = {"aged-allowance", "resident-medical-insurance"}
    marked = []
    for visit in visits:
        if visit.item in wanted and not visit.then:
            wanted.discard(visit.item)
            visit = dataclasses.replace(visit, then="correct")
        marked.append(visit)
    return marked


def _application_facts(organisation: str | None) -> dict[str, Any]:
    return {
        "kind": "organisation" if organisation else "person",
        "agent": False,
        "commitment_signed": True,
        "channel": "mobile",
        "owed_materials": 0,
        "previous": 0,
    }
