"""The demo month's clock: visits and what follows them, in time order
(see :mod:`webapp.demo_history`)."""

from __future__ import annotations

import heapq
import io
import itertools
import random
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from PIL import Image, ImageDraw

from govcore import applications as apps
from govcore import decisions, notifications, ratings, supervision
from govcore.applications import Application, Caller, ChannelKind, Status
from govcore.applications.access import actor_label
from govcore.catalog.schema import FieldType, FormField
from govcore.certificates.issuance import DocumentServices
from govcore.clock import DISTRICT_TZ, local_date
from govcore.datahub import DataSource
from govcore.datahub.ports import CreditRegister
from govcore.db import db
from govcore.decisions import ReviewTask
from govcore.errors import GovCoreError
from govcore.filestore import FileStore
from govcore.staff import StaffAccount, correction_desk, review_desk
from govcore.workdays import WorkCalendar
from webapp.demo_history_cast import Visit

TERMINAL = "LH-DEMO-001"
RATED_SHARE = 0.42
APPROVED_SHARE = 0.8  # of the cases a person reviews
STARS = {"approved": (70, 22, 5, 2, 1), "refused": (5, 15, 30, 25, 25)}
REFUSAL_REASONS = (
    "经入户调查，家庭收入超过救助标准",
    "申请材料与实际情况不符，不予批准",
    "经核实不符合申领条件",
)
SAMPLING = supervision.SamplingPolicy(
    items={**supervision.ITEM_RATES, "temporary-relief": supervision.Rates(1.0, 1.0)}
)


@dataclass(frozen=True)
class Services:
    """What the use cases need, as the composition root built it."""

    source: DataSource
    calendar: WorkCalendar
    documents: DocumentServices
    store: FileStore
    limits: apps.UploadLimits
    credit: CreditRegister


class Month:
    """Runs the visits and everything they lead to, in time order."""

    def __init__(
        self,
        services: Services,
        accounts: dict[str, StaffAccount],
        *,
        now: datetime,
        rng: random.Random,
    ) -> None:
        self.services, self.now, self.rng = services, now, rng
        self.operator = accounts["demo.operator"]
        self.approver = accounts["demo.approver"]
        self.supervisor = accounts["demo.supervisor"]
        self.queue: list[tuple[datetime, int, Callable[..., None], tuple]] = []
        self.order = itertools.count()
        self.names: dict[str, str] = {}
        self.page = _scanned_page()
        self.inbox = notifications.InboxChannel()
        self.overdue_kept = False
        self.problems: Counter[str] = Counter()

    def later(self, at: datetime, action: Callable[..., None], *args: Any) -> None:
        """Do ``action(at, *args)`` at ``at``, if that is before now."""
        if at < self.now:
            heapq.heappush(self.queue, (at, next(self.order), action, args))

    def run(self, visits: list[Visit]) -> None:
        first = local_date(visits[0].at) if visits else local_date(self.now)
        day = first
        while day <= local_date(self.now):
            self.later(_at(day, 1, 30), self._sweep)
            for hour, minute in ((12, 30), (18, 30), (21, 45)):
                self.later(_at(day, hour, minute), self._deliver)
            day += timedelta(days=1)
        for visit in visits:
            self.later(visit.at, self._apply, visit)
        self.later(self._sampling_day(), self._sample)
        while self.queue:
            at, _, action, args = heapq.heappop(self.queue)
            action(at, *args)

    # Applying -------------------------------------------------------------

    def _apply(self, at: datetime, visit: Visit) -> None:
        caller = self._caller(visit.person, visit.channel)
        services = self.services
        try:
            application = apps.create_draft(
                visit.item,
                caller,
                source=services.source,
                now=at,
                organisation=visit.organisation,
            )
            at = self._fill(application, visit, caller, at)
            if visit.then == "correct":
                self._correct(application, caller, at)
            at = self._materials(application, visit, caller, at)
            apps.submit(
                application,
                caller,
                source=services.source,
                calendar=services.calendar,
                documents=services.documents,
                now=at,
            )
        except GovCoreError as error:
            db.session.rollback()
            self.problems[error.code or type(error).__name__] += 1
            return
        self._follow(application, caller, at, visit.then)

    def _fill(
        self, application: Application, visit: Visit, caller: Caller, at: datetime
    ) -> datetime:
        """Type or pick what the draft left empty, as the applicant would."""
        changes = {}
        for form_field in application.item_version.spec.form:
            stored = application.value_of(form_field.key)
            if form_field.key in visit.entries:
                changes[form_field.key] = visit.entries[form_field.key]
            elif form_field.required and stored is not None and stored.value is None:
                changes[form_field.key] = (
                    stored.choices[0]
                    if stored.choices
                    else self._typed(form_field, caller, at)
                )
        at += timedelta(seconds=self.rng.randint(40, 240))
        if changes:
            apps.update_fields(application, changes, caller, now=at)
        return at

    def _typed(self, form_field: FormField, caller: Caller, at: datetime) -> Any:
        return {
            FieldType.TEXT: "情况说明见附件",
            FieldType.ADDRESS: "汕头市龙湖区金霞街道金砂东路1号",
            FieldType.INTEGER: 1,
            FieldType.DECIMAL: "100.00",
            FieldType.BOOLEAN: True,
            FieldType.DATE: local_date(at).isoformat(),
            FieldType.ENUM: (form_field.options or [None])[0],
            FieldType.PHONE: f"139{self.rng.randint(10**7, 10**8 - 1)}",
            FieldType.ID_NUMBER: caller.id_number,
            FieldType.DIVISION_CODE: "440507",
            FieldType.CREDIT_CODE: "91440507MA4LH00229",
        }.get(form_field.type, "无")

    def _materials(
        self, application: Application, visit: Visit, caller: Caller, at: datetime
    ) -> datetime:
        """Sign the commitment where one is offered (the fast lane: it stands
        in for materials and checks); upload what is still missing (but what
        is owed under 容缺)."""
        services = self.services
        if application.commitment_offered:
            at += timedelta(seconds=self.rng.randint(30, 120))
            text = apps.commitment_text(application)
            apps.sign_commitment(
                application,
                caller,
                text_sha256=apps.text_digest(text),
                now=at,
                store=services.store,
                consent={"confirmed": True, "method": "button"},
            )
        wanted = {"missing"} if visit.owe else {"missing", "tolerated"}
        for state in apps.material_states(application):
            if state.state in wanted:
                at += timedelta(seconds=self.rng.randint(20, 90))
                self._upload(application, state.material.code, caller, at)
        return at + timedelta(seconds=self.rng.randint(10, 60))

    def _upload(
        self, application: Application, code: str, caller: Caller, at: datetime
    ) -> None:
        services = self.services
        apps.add_upload(
            application,
            code,
            self.page,
            caller,
            store=services.store,
            source=services.source,
            calendar=services.calendar,
            documents=services.documents,
            now=at,
            limits=services.limits,
        )

    def _correct(self, application: Application, caller: Caller, at: datetime) -> None:
        """数据纠错: the registered address has an old house number."""
        stored = application.value_of("hukou_address")
        if stored is None or not stored.value:
            return
        request = apps.request_correction(
            application,
            caller,
            field_key="hukou_address",
            claimed_value=_renumbered(stored.value),
            reason="户籍地址的门牌号是旧门牌，已于今年变更",
            now=at + timedelta(seconds=30),
        )
        if self._departmental(application):
            handled = self._office_hours(at + timedelta(days=1))
            self.later(handled, self._forward, request.public_id)

    def _forward(self, at: datetime, correction_id: str) -> None:
        correction_desk.forward(self.approver, correction_id, now=at)
        answered = self._office_hours(at + timedelta(days=2))
        self.later(answered, self._answer, correction_id)

    def _answer(self, at: datetime, correction_id: str) -> None:
        correction_desk.answer(
            self.approver,
            correction_id,
            resolved=True,
            answer="经户籍所在地派出所核实，门牌号已更正",
            now=at,
        )

    # What follows -------------------------------------------------------------

    def _follow(
        self, application: Application, caller: Caller, at: datetime, then: str
    ) -> None:
        status = application.status
        if status is Status.REFUSED and then == "review":
            asked = self._office_hours(at + timedelta(days=1))
            self.later(asked, self._ask_review, application, caller)
        elif status in (Status.APPROVED, Status.REFUSED):
            self._maybe_rate(application, caller, at)
        elif status is Status.MANUAL_REVIEW:
            self._schedule_review(application, at, keep=then == "keep")
        elif status is Status.AWAITING_MATERIALS and then == "supply":
            supplied = self._office_hours(at + timedelta(days=self.rng.randint(1, 3)))
            self.later(supplied, self._supply, application, caller)

    def _supply(self, at: datetime, application: Application, caller: Caller) -> None:
        """The owed material comes in (补交); the application is decided."""
        for state in apps.material_states(application):
            if state.state == "tolerated":
                self._upload(application, state.material.code, caller, at)
        self._follow(application, caller, at, "")

    def _ask_review(
        self, at: datetime, application: Application, caller: Caller
    ) -> None:
        decisions.request_review(
            application,
            actor=actor_label(application, caller),
            channel=caller.channel.value,
            reason="本人认为系统核验有误，申请工作人员复核",
            calendar=self.services.calendar,
            now=at,
        )
        self._schedule_review(application, at, keep=False)

    def _schedule_review(
        self, application: Application, at: datetime, *, keep: bool
    ) -> None:
        """区民政局's approver takes the department's cases within days; other
        departments have no approver in the demo, so theirs stay open."""
        if keep or not self._departmental(application):
            return
        today = local_date(self.now)
        if self.services.calendar.working_days_between(local_date(at), today) < 2:
            return  # the latest ones wait for the demo's approver
        if not self.overdue_kept and at < self.now - timedelta(days=12):
            self.overdue_kept = True  # one left waiting too long
            return
        delay = timedelta(hours=self.rng.choice([3, 20, 26, 44, 70, 120]))
        self.later(self._office_hours(at + delay), self._review, application)

    def _review(self, at: datetime, application: Application) -> None:
        task = db.session.scalar(
            sa.select(ReviewTask).where(
                ReviewTask.application_id == application.id, ReviewTask.status == "open"
            )
        )
        if task is None:
            return
        approve = (
            task.kind != "applicant_request" and self.rng.random() < APPROVED_SHARE
        )
        reason = "经审核，符合条件" if approve else self.rng.choice(REFUSAL_REASONS)
        if task.kind == "applicant_request":
            reason = "经人工复核，共享数据无误，维持原决定"
        review_desk.decide(
            self.approver,
            task.public_id,
            approve=approve,
            reason=reason,
            documents=self.services.documents,
            now=at,
        )
        applicant = self._caller(application.applicant_id_number, ChannelKind.MOBILE)
        self._maybe_rate(application, applicant, at)

    def _maybe_rate(
        self, application: Application, caller: Caller, at: datetime
    ) -> None:
        """About four in ten rate the service (好差评): at the kiosk or counter on
        the spot, on the phone when the result comes."""
        if self.rng.random() >= RATED_SHARE:
            return
        hours = 2 if caller.channel is ChannelKind.MOBILE else 0.02
        rated = at + timedelta(hours=self.rng.uniform(0.01, hours))
        self.later(rated, self._rate, application, caller)

    def _rate(self, at: datetime, application: Application, caller: Caller) -> None:
        outcome = "approved" if application.status is Status.APPROVED else "refused"
        stars = self.rng.choices((5, 4, 3, 2, 1), STARS[outcome])[0]
        offered = ratings.GOOD_REASONS if stars >= 4 else ratings.BAD_REASONS
        reasons = self.rng.sample(offered, self.rng.randint(0 if stars >= 4 else 1, 2))
        ratings.rate(application, caller, stars=stars, reasons=reasons, now=at)
        db.session.commit()

    # The office's routine ---------------------------------------------------

    def _sweep(self, at: datetime) -> None:
        """The nightly sweep: lapsed 容缺 deadlines, stale drafts."""
        apps.sweep(now=at, store=self.services.store, calendar=self.services.calendar)

    def _deliver(self, at: datetime) -> None:
        notifications.dispatch_due(
            [self.inbox], now=at, batch=500, worker="demo-history"
        )

    def _sample(self, at: datetime) -> None:
        """区民政局's supervisor draws the approvals made on a commitment
        (临时救助: every one, as its catalogue entry promises home visits)
        and reports back on each within days."""
        report = supervision.run_sampling(
            self.supervisor, now=at, calendar=self.services.calendar, policy=SAMPLING
        )
        # Which approvals are drawn depends on their random public ids: no
        # draw from the month's generator here, or the rest of the month
        # would differ from one start to the next.
        for check in report.run.checks if report.run else []:
            if check.selected:
                done = _at(at.date() + timedelta(days=2), 15, 30)
                self.later(self._office_hours(done), self._conclude, check.public_id)

    def _conclude(self, at: datetime, check_id: str) -> None:
        supervision.conclude(
            self.supervisor,
            check_id,
            outcome="verified",
            note="入户调查核实，家庭经济状况与承诺一致",
            now=at,
            credit=self.services.credit,
        )

    def _sampling_day(self) -> datetime:
        day = local_date(self.now) - timedelta(days=6)
        while not self.services.calendar.is_working_day(day):
            day -= timedelta(days=1)
        return _at(day, 9, 40)

    # Helpers ----------------------------------------------------------------

    def _caller(self, id_number: str, channel: ChannelKind) -> Caller:
        if id_number not in self.names:
            record = self.services.source.fetch("HK", id_number, now=self.now)
            self.names[id_number] = record.data["name"]
        return Caller(
            id_number,
            self.names[id_number],
            channel,
            terminal_id=TERMINAL if channel is ChannelKind.KIOSK else None,
            staff_id=str(self.operator.id) if channel is ChannelKind.COUNTER else None,
        )

    def _office_hours(self, at: datetime) -> datetime:
        """``at``, or the next moment the hall works (a morning of a working
        day) when it falls outside its hours."""
        local = at.astimezone(DISTRICT_TZ)
        day = local.date()
        working = self.services.calendar.is_working_day(day)
        if working and time(8, 45) <= local.time() <= time(17, 0):
            return local
        if local.time() > time(8, 45):
            day += timedelta(days=1)
        while not self.services.calendar.is_working_day(day):
            day += timedelta(days=1)
        return _at(day, 8, 45) + timedelta(minutes=self.rng.randint(0, 150))

    def _departmental(self, application: Application) -> bool:
        department = application.item_version.item.department_id
        return department == self.approver.department_id


def _at(day: Any, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour, minute), DISTRICT_TZ)


def _renumbered(address: str) -> str:
    """The address with its house number changed (门牌变更)."""
    numbers = list(re.finditer(r"(\d+)号", address))
    if not numbers:
        return f"{address}（门牌已变更）"
    last = numbers[-1]
    return f"{address[: last.start()]}{int(last.group(1)) + 2}号{address[last.end():]}"


def _scanned_page() -> bytes:
    """A grey page with lines of "text": what a phone photo of a paper is."""
    image = Image.new("RGB", (620, 860), (246, 245, 240))
    draw = ImageDraw.Draw(image)
    for row in range(12):
        top = 90 + row * 52
        draw.rectangle((60, top, 560 - (row % 3) * 70, top + 14), fill=(90, 90, 95))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=70)
    return out.getvalue()
