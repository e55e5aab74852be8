"""Decisions (秒批): verdicts with their evidence, explanations, review tasks,
proactive offers (免申即享)."""

from govcore.decisions.models import Decision, ProactiveOffer, ReviewTask
from govcore.decisions.service import (
    checks_for_reviewer,
    decide,
    explanation,
    latest_decision,
    open_tasks,
    request_review,
    review,
)

__all__ = [
    "Decision",
    "ProactiveOffer",
    "ReviewTask",
    "checks_for_reviewer",
    "decide",
    "explanation",
    "latest_decision",
    "open_tasks",
    "request_review",
    "review",
]
