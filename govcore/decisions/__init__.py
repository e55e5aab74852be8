"""Decisions (秒批): verdicts with their evidence, explanations, review tasks,
proactive offers (免申即享)."""

from govcore.decisions.models import Decision, ProactiveOffer, ReviewTask
from govcore.decisions.service import (
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
    "decide",
    "explanation",
    "latest_decision",
    "open_tasks",
    "request_review",
    "review",
]
