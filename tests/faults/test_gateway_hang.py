"""Fault: a data source hangs.

The app reads shared data through the HTTP gateway adapter
(:mod:`govcore.datahub.gateway`: timeouts, retries, a pybreaker circuit
breaker) from a fake provincial gateway on loopback (:mod:`tests.gateway_fake`).
The fake serves four people's records (exported from a sandbox database) over
the signed protocol until it is told to hang: it then accepts each
connection, reads the query and never answers.

What must hold: a submission finishes within the timeouts and goes to a
person with the reason (the sources that did not answer), never approved
blindly; after ``BREAKER_FAIL_MAX`` failed calls the breaker opens and the
next submissions do not call the gateway at all, so they are fast; once the
gateway answers again and the reset timeout has passed, calls resume and the
application is decided at once again.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from flask import Flask

from tests.api.conftest import create_draft, dev_login
from tests.gateway_fake import RecordsGateway, app_on_gateway, persona_records

pytestmark = pytest.mark.slow

SECRET = "fault-gateway-secret"
# One application each: a second one of the same person would be refused as
# a duplicate of the first, still waiting for a person.
HUNG, SKIPPED, EARLY, RESUMED = "林秀娥", "李振华", "黄妙钿", "陈伯"
READ_TIMEOUT_S = 0.25
RETRIES = 1  # so a hung source costs (1 + RETRIES) × READ_TIMEOUT_S
BREAKER_FAIL_MAX = 2  # of the 3 sources a submission asks
BREAKER_RESET_S = 1.5
ONE_SOURCE_S = (1 + RETRIES) * READ_TIMEOUT_S


@pytest.fixture
def gateway() -> Iterator[RecordsGateway]:
    """Serves the four people's records until told to hang."""
    records = persona_records((HUNG, SKIPPED, EARLY, RESUMED))
    with RecordsGateway(records, secret=SECRET) as fake:
        yield fake


@pytest.fixture
def gateway_app(gateway: RecordsGateway) -> Iterator[Flask]:
    with app_on_gateway(
        gateway,
        DATAHUB_GATEWAY_CONNECT_TIMEOUT=0.5,
        DATAHUB_GATEWAY_READ_TIMEOUT=READ_TIMEOUT_S,
        DATAHUB_GATEWAY_RETRIES=RETRIES,
        DATAHUB_GATEWAY_BACKOFF=0.0,
        DATAHUB_GATEWAY_BREAKER_FAIL_MAX=BREAKER_FAIL_MAX,
        DATAHUB_GATEWAY_BREAKER_RESET=BREAKER_RESET_S,
    ) as app:
        yield app


def test_a_hanging_source_sends_cases_to_a_person_then_the_breaker_skips_it(
    gateway_app: Flask, gateway: RecordsGateway
) -> None:
    client = gateway_app.test_client()
    # Drafts are prefilled while the gateway still answers.
    drafts = {}
    for name in (HUNG, SKIPPED, EARLY, RESUMED):
        auth = dev_login(client, name)
        drafts[name] = (auth, create_draft(client, auth, "aged-allowance")["id"])
    breaker = gateway_app.extensions["miaopi.datasource"]

    def submit(name: str) -> tuple[dict, float, int]:
        auth, draft_id = drafts[name]
        before = gateway.calls()
        started = time.perf_counter()
        response = client.post(
            f"/api/v1/applications/{draft_id}/submit",
            headers={**auth, "Idempotency-Key": f"submit-{draft_id}"},
        )
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.json
        return response.json, elapsed, gateway.calls() - before

    gateway.hanging = True
    hung, hung_s, hung_calls = submit(HUNG)
    assert_sent_to_a_person(hung)
    # Waited out each call it made (every one timed out, retried once), and
    # no more than the breaker allows: never longer than its timeouts add up to.
    assert hung_calls == BREAKER_FAIL_MAX * (1 + RETRIES)
    assert BREAKER_FAIL_MAX * ONE_SOURCE_S <= hung_s
    assert hung_s < BREAKER_FAIL_MAX * ONE_SOURCE_S + 1.0
    assert breaker.circuit_state == "open"
    opened_at = time.monotonic()

    skipped, skipped_s, skipped_calls = submit(SKIPPED)
    assert_sent_to_a_person(skipped)
    assert skipped_calls == 0  # the breaker answered for the gateway
    assert skipped_s < ONE_SOURCE_S  # less than a single hung call costs

    gateway.hanging = False  # recovered, but the breaker does not know yet
    early, _, early_calls = submit(EARLY)
    assert early_calls == 0 and early["status"] == "manual_review"

    time.sleep(max(0.0, opened_at + BREAKER_RESET_S + 0.1 - time.monotonic()))
    resumed, resumed_s, resumed_calls = submit(RESUMED)
    assert resumed_calls > 0  # half-open: it asked again, and got answers
    assert resumed["status"] == "approved"
    assert breaker.circuit_state == "closed"
    print(
        f"\nhung source: {hung_s:.2f} s ({hung_calls} calls, all timed out); "
        f"breaker open: {skipped_s * 1000:.0f} ms (no call); "
        f"after reset: {resumed_s * 1000:.0f} ms ({resumed_calls} calls), approved"
    )


def assert_sent_to_a_person(result: dict) -> None:
    """Manual review, saying which checks could not be made and why."""
    assert result["status"] == "manual_review"
    decision = result["decision"]
    assert decision["outcome"] == "manual"
    assert decision["explanation"]
    for check in decision["explanation"]:
        assert check["status"] == "unknown" and check["unavailable"], check
    sources = {name for c in decision["explanation"] for name in c["unavailable"]}
    assert {"户籍/人口库（公安）", "社会保险（人社）"} <= sources
    reason = result["history"][-1]["reason"]
    assert "无法核实" in reason and "数据暂时无法获取" in reason
