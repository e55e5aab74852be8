"""Drawing approvals made on a commitment for a check (抽查), reproducibly.

Every approval or issued certificate with a signed commitment that no run has
considered yet is considered once. Its draw is

    draw = HMAC-SHA256(key=run seed, message=application public id)

read as a fraction in [0, 1) (the first 53 bits), and it is selected when
``draw < rate``. The rate is the item's base rate, or its risk rate when the
approval has a risk flag (:mod:`govcore.supervision.risks`). Every draw is
stored, selected or not, with the seed and the policy of its run, so anyone
can recompute a run (:func:`recompute`) and find a row that was altered.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from govcore import audit
from govcore.applications.models import Application, SignedCommitment, Status
from govcore.catalog.models import Item, ItemVersion
from govcore.clock import local_date
from govcore.db import db
from govcore.errors import ConflictError, ValidationError
from govcore.supervision.models import SamplingRun, SupervisionCheck
from govcore.supervision.risks import approval_time, risk_flags
from govcore.workdays import WorkCalendar

DEFAULT_BASE_RATE = 0.2
DEFAULT_RISK_RATE = 1.0
#: Working days to check within when the item names none.
DEFAULT_VERIFY_DAYS = 20
CANDIDATE_STATUSES = (Status.APPROVED, Status.CERTIFICATE_ISSUED)


@dataclass(frozen=True)
class Rates:
    """The share of an item's approvals to check: ``base``, or ``risk`` when
    the approval has a risk flag."""

    base: float
    risk: float

    def __post_init__(self) -> None:
        if not (0 <= self.base <= 1 and 0 <= self.risk <= 1):
            raise ValidationError(
                f"抽查比例须在0到1之间（rates {self.base}, {self.risk}）",
                field="rate",
            )


#: Items whose catalogue entry promises to check every approval.
ITEM_RATES: dict[str, Rates] = {
    # "区卫生监督所在发证后20个工作日内现场核查": every permit, on site.
    "public-venue-hygiene-permit": Rates(1.0, 1.0),
    # "结合入户调查和两次公示核实": every household is visited.
    "public-rental-housing-qualification": Rates(1.0, 1.0),
}


@dataclass(frozen=True)
class SamplingPolicy:
    """The rates in force: a default and per-item exceptions (by item code).

    Config keys (:meth:`from_config`): ``SUPERVISION_BASE_RATE``,
    ``SUPERVISION_RISK_RATE`` and ``SUPERVISION_ITEM_RATES`` (a mapping of
    item code to ``{"base": …, "risk": …}``, over :data:`ITEM_RATES`).
    """

    default: Rates = Rates(DEFAULT_BASE_RATE, DEFAULT_RISK_RATE)
    items: Mapping[str, Rates] = field(default_factory=lambda: dict(ITEM_RATES))

    def rate(self, item_code: str, flags: list[str]) -> float:
        rates = self.items.get(item_code, self.default)
        return rates.risk if flags else rates.base

    def as_json(self) -> dict[str, Any]:
        return {
            "base": self.default.base,
            "risk": self.default.risk,
            "items": {
                code: {"base": r.base, "risk": r.risk}
                for code, r in sorted(self.items.items())
            },
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SamplingPolicy:
        return cls(
            Rates(data["base"], data["risk"]),
            {code: Rates(**r) for code, r in data.get("items", {}).items()},
        )

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SamplingPolicy:
        """:raise ValidationError: for a rate outside [0, 1]."""
        overrides = config.get("SUPERVISION_ITEM_RATES") or {}
        return cls(
            Rates(
                float(config.get("SUPERVISION_BASE_RATE", DEFAULT_BASE_RATE)),
                float(config.get("SUPERVISION_RISK_RATE", DEFAULT_RISK_RATE)),
            ),
            {
                **ITEM_RATES,
                **{code: Rates(**rates) for code, rates in overrides.items()},
            },
        )


def draw(seed: str, public_id: str) -> float:
    """The draw of an application in a run: a fraction in [0, 1)."""
    digest = hmac.new(seed.encode(), public_id.encode(), hashlib.sha256).digest()
    return (int.from_bytes(digest[:8], "big") >> 11) / float(1 << 53)


@dataclass(frozen=True)
class SamplingReport:
    """What a run did; ``run`` is None when there was nothing to consider."""

    run: SamplingRun | None

    @property
    def considered(self) -> int:
        return self.run.considered if self.run else 0

    @property
    def selected(self) -> int:
        return self.run.selected if self.run else 0

    @property
    def risk_flagged(self) -> int:
        return self.run.risk_flagged if self.run else 0


def sample(
    *,
    now: datetime,
    actor: str,
    calendar: WorkCalendar,
    policy: SamplingPolicy | None = None,
    seed: str | None = None,
    department_id: int | None = None,
) -> SamplingReport:
    """Consider every approval on a commitment not considered yet; commits.

    :param actor: who runs it (``system``, ``cli``, ``staff:<id>``).
    :param policy: the rates (default: :class:`SamplingPolicy`).
    :param seed: the run's HMAC key (default: 128 random bits).
    :param department_id: consider only this department's approvals.
    :return: the run and its counts; no run is recorded when nothing waits.
    :raise ConflictError: if a concurrent run considered the same approval.
    """
    policy = policy or SamplingPolicy()
    applications = list(db.session.scalars(_candidates(department_id)))
    if not applications:
        return SamplingReport(None)
    run = SamplingRun(
        public_id=secrets.token_hex(16),
        seed=seed or secrets.token_hex(16),
        at=now,
        actor=actor,
        department_id=department_id,
        policy=policy.as_json(),
    )
    try:
        db.session.add(run)
        for application in applications:
            run.checks.append(_consider(application, run, policy, calendar, now))
        run.considered = len(run.checks)
        run.risk_flagged = sum(bool(c.risk_flags) for c in run.checks)
        run.selected = sum(c.selected for c in run.checks)
        audit.record_event(
            "supervision_sampled",
            actor=actor,
            at=now,
            target=f"sampling_run:{run.public_id}",
            details={
                "seed": run.seed,
                "considered": run.considered,
                "selected": run.selected,
            },
        )
        db.session.commit()
    except IntegrityError:
        # Another run considered one of these approvals first (the unique
        # application_id); nothing of this run is kept.
        db.session.rollback()
        raise ConflictError(
            "另一次抽取正在进行，请稍后重试（concurrent sampling run）",
            code="sampling_in_progress",
        ) from None
    except BaseException:
        db.session.rollback()
        raise
    return SamplingReport(run)


def _candidates(department_id: int | None) -> sa.Select:
    query = (
        sa.select(Application)
        .where(
            Application.status.in_(CANDIDATE_STATUSES),
            sa.exists().where(SignedCommitment.application_id == Application.id),
            ~sa.exists().where(SupervisionCheck.application_id == Application.id),
        )
        .order_by(Application.id)
    )
    if department_id is not None:
        query = (
            query.join(ItemVersion, Application.item_version_id == ItemVersion.id)
            .join(Item, ItemVersion.item_id == Item.id)
            .where(Item.department_id == department_id)
        )
    return query


def _consider(
    application: Application,
    run: SamplingRun,
    policy: SamplingPolicy,
    calendar: WorkCalendar,
    now: datetime,
) -> SupervisionCheck:
    version = application.item_version
    approved_on = local_date(approval_time(application))
    flags = risk_flags(application, approved_on=approved_on)
    rate = policy.rate(version.item.code, flags)
    value = draw(run.seed, application.public_id)
    check = SupervisionCheck(
        public_id=secrets.token_hex(16),
        application_id=application.id,
        item_code=version.item.code,
        draw=value,
        rate=rate,
        risk_flags=flags,
        selected=value < rate,
        created_at=now,
    )
    if check.selected:
        days = version.spec.commitment.verify_within_days or DEFAULT_VERIFY_DAYS
        check.department_id = version.item.department_id
        check.approved_on = approved_on
        check.due_on = calendar.add_working_days(approved_on, days)
        check.status = "open"
    return check


@dataclass(frozen=True)
class Mismatch:
    """A stored value of a run that its seed and policy do not give."""

    check_id: str
    field: str
    stored: Any
    expected: Any


def recompute(run: SamplingRun) -> list[Mismatch]:
    """Derive every draw, rate and selection of ``run`` again from its seed,
    its policy and the recorded risk flags; return what differs (nothing,
    for an untouched run)."""
    policy = SamplingPolicy.from_json(run.policy)
    found: list[Mismatch] = []
    for check in run.checks:
        value = draw(run.seed, check.application.public_id)
        rate = policy.rate(check.item_code, check.risk_flags)
        expected = {"draw": value, "rate": rate, "selected": value < rate}
        for name, wanted in expected.items():
            stored = getattr(check, name)
            if stored != wanted:
                found.append(Mismatch(check.public_id, name, stored, wanted))
    return found
