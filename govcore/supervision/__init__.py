"""事后监管: approvals made on a commitment are drawn for a check, reproducibly;
a supervisor of the item's department concludes each check, and a false
commitment revokes the certificate, tells the applicant and is recorded with
the credit source, in one transaction."""

from govcore.supervision.display import CheckDetail, describe
from govcore.supervision.models import DishonestyRecord, SamplingRun, SupervisionCheck
from govcore.supervision.risks import RISK_LABELS, risk_flags
from govcore.supervision.sampling import (
    ITEM_RATES,
    Mismatch,
    Rates,
    SamplingPolicy,
    SamplingReport,
    draw,
    recompute,
    sample,
)
from govcore.supervision.service import (
    OUTCOMES,
    TASK_STATUSES,
    conclude,
    get_check,
    get_run,
    run_sampling,
    tasks,
)

__all__ = [
    "CheckDetail",
    "DishonestyRecord",
    "ITEM_RATES",
    "Mismatch",
    "OUTCOMES",
    "RISK_LABELS",
    "Rates",
    "SamplingPolicy",
    "SamplingReport",
    "SamplingRun",
    "SupervisionCheck",
    "TASK_STATUSES",
    "conclude",
    "describe",
    "draw",
    "get_check",
    "get_run",
    "recompute",
    "risk_flags",
    "run_sampling",
    "sample",
    "tasks",
]
