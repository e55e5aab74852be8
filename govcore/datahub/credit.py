"""Choosing the credit register (:class:`~govcore.datahub.ports.CreditRegister`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from govcore.datahub.ports import CreditRegister, SourceUnavailableError


class UnconfiguredCreditRegister(CreditRegister):
    """For a deployment without a write interface to the credit platform:
    refuses, so a false commitment is never concluded without its record."""

    def record_false_commitment(
        self, subject_id: str, *, application_ref: str, reason: str, now: datetime
    ) -> None:
        raise SourceUnavailableError(
            "CR", "信用信息平台写入接口未配置（no credit register configured）"
        )


def make_credit_register(config: Mapping[str, Any]) -> CreditRegister:
    """The sandbox's register with the sandbox data source; else one that refuses."""
    if config.get("DATAHUB_ADAPTER", "sandbox") == "sandbox":
        from govcore.datahub.sandbox.credit import SandboxCreditRegister

        return SandboxCreditRegister()
    return UnconfiguredCreditRegister()
