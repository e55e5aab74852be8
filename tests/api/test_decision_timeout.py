"""A real timeout: the app reads shared data through the HTTP gateway adapter
from a fake provincial gateway on loopback (:mod:`tests.gateway_fake`), and
one source stops answering.

The fake serves the sandbox personas' records (exported from a sandbox
database) over the signed gateway protocol; a source marked slow stalls past
the client's read timeout. The decision must then go to a person.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from flask import Flask

from tests.api.conftest import create_draft, dev_login
from tests.gateway_fake import RecordsGateway, app_on_gateway, persona_records

SECRET = "gateway-test-secret"
READ_TIMEOUT = 0.3


@pytest.fixture
def gateway() -> Iterator[RecordsGateway]:
    records = persona_records(("陈伯", "李振华"))
    with RecordsGateway(records, secret=SECRET, slow_s=READ_TIMEOUT * 10) as fake:
        yield fake


@pytest.fixture
def gateway_app(gateway: RecordsGateway) -> Iterator[Flask]:
    with app_on_gateway(
        gateway,
        DATAHUB_GATEWAY_READ_TIMEOUT=READ_TIMEOUT,
        DATAHUB_GATEWAY_RETRIES=0,
        DATAHUB_GATEWAY_BACKOFF=0.0,
    ) as app:
        yield app


def _submit(client, name: str) -> dict:
    auth = dev_login(client, name)
    draft = create_draft(client, auth, "aged-allowance")
    response = client.post(
        f"/api/v1/applications/{draft['id']}/submit",
        headers={**auth, "Idempotency-Key": name},
    )
    assert response.status_code == 200, response.json
    return response.json


def test_decides_through_the_gateway_when_it_answers(gateway_app) -> None:
    assert _submit(gateway_app.test_client(), "陈伯")["status"] == "approved"


def test_a_source_that_times_out_sends_the_case_to_a_person(
    gateway_app, gateway
) -> None:
    client = gateway_app.test_client()
    auth = dev_login(client, "陈伯")
    draft = create_draft(client, auth, "aged-allowance")  # prefilled in time
    gateway.slow.add("SI")
    started = time.perf_counter()
    response = client.post(
        f"/api/v1/applications/{draft['id']}/submit",
        headers={**auth, "Idempotency-Key": "slow"},
    )
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.json
    assert response.json["status"] == "manual_review"
    (reason,) = response.json["decision"]["explanation"]
    assert reason["unavailable"] == ["社会保险（人社）"]
    assert elapsed < READ_TIMEOUT * 10  # gave up at the timeout, did not hang
