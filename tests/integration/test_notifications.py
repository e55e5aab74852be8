"""Notification delivery against fake gateways on loopback (SQLite and PostgreSQL).

The SMS gateway and the mini-program platform are real HTTP servers on
127.0.0.1 (:mod:`tests.integration.notify_fakes`); the gateway checks every
request's HMAC signature. Time is passed in explicitly, so retries are tested
by moving ``now`` forward rather than by waiting.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from govcore import notifications
from govcore.datahub import DataLookup, DataSource, NoRecordError, SourceRecord
from govcore.datahub import SourceUnavailableError
from govcore.db import db
from govcore.identity import Identity
from govcore.notifications import (
    DeliveryStatus,
    InboxChannel,
    InboxItem,
    MiniProgramChannel,
    NotificationDelivery,
    OutboxMessage,
    RetryPolicy,
    SmsGatewayChannel,
    SmsSettings,
    SubscriptionSettings,
    dispatch_due,
    enqueue,
)
from govcore.notifications.templates import TEMPLATES, render
from tests.api.conftest import PERSON, create_draft, dev_login, load_world
from tests.conftest import make_test_app, world_app
from tests.integration.notify_fakes import (
    APP_ID,
    APP_SECRET,
    SMS_KEY,
    SMS_SECRET,
    TEMPLATE_ID,
    FakeMiniProgramPlatform,
    FakeSmsGateway,
)
from webapp.notifications import DeliveryThread

NOW = datetime(2026, 11, 28, 2, 0, tzinfo=timezone.utc)
ID_NUMBER = re.compile(r"\d{17}[\dXx]")
SOMEONE = "440507199001010018"
CATALOG = Path(__file__).resolve().parents[2] / "catalog"


# --------------------------------------------------------------------------- #
# Fixtures and helpers
# --------------------------------------------------------------------------- #


@pytest.fixture
def gateway() -> Iterator[FakeSmsGateway]:
    with FakeSmsGateway() as fake:
        yield fake


@pytest.fixture
def platform() -> Iterator[FakeMiniProgramPlatform]:
    with FakeMiniProgramPlatform() as fake:
        yield fake


class PhoneBook(DataSource):
    """A data source holding only 社保卡 phone numbers (SI.card.phone)."""

    def __init__(
        self, phones: dict[str, str] | None = None, *, down: bool = False
    ) -> None:
        self.phones = phones
        self.down = down

    def fetch(self, source: str, subject_id: str, *, now: datetime) -> SourceRecord:
        if self.down:
            raise SourceUnavailableError(source, "switched off")
        phone = "13800138000" if self.phones is None else self.phones.get(subject_id)
        if phone is None:
            raise NoRecordError(source, "no record")
        return SourceRecord(source, subject_id, "r1", now, {"card": {"phone": phone}})


def sms(gateway: FakeSmsGateway, source: DataSource) -> SmsGatewayChannel:
    settings = SmsSettings(url=gateway.send_url, app_key=SMS_KEY, app_secret=SMS_SECRET)
    return SmsGatewayChannel(settings, source=source)


def miniprogram(platform: FakeMiniProgramPlatform, **kwargs) -> MiniProgramChannel:
    settings = SubscriptionSettings(
        send_url=platform.send_url,
        token_url=platform.token_url,
        app_id=APP_ID,
        app_secret=APP_SECRET,
        template_id=TEMPLATE_ID,
    )
    return MiniProgramChannel(settings, **kwargs)


def add_message(kind="decision_approve", *, event_id=None, recipient=SOMEONE, **kw):
    message = enqueue(
        kind,
        application_id=None,
        payload=kw.pop("payload", {"outcome": "approve"}),
        now=kw.pop("now", NOW),
        event_id=event_id,
        recipient_id_number=recipient,
        **kw,
    )
    db.session.commit()
    return message


def deliveries(channel: str | None = None) -> list[NotificationDelivery]:
    query = sa.select(NotificationDelivery).order_by(NotificationDelivery.id)
    if channel:
        query = query.where(NotificationDelivery.channel == channel)
    return list(db.session.scalars(query))


def approve_for(client, persona: str) -> dict:
    """Apply for 高龄津贴 through the API and have it decided (秒批)."""
    auth = dev_login(client, persona)
    draft = create_draft(client, auth, "aged-allowance")
    response = client.post(
        f"/api/v1/applications/{draft['id']}/submit",
        headers={**auth, "Idempotency-Key": f"notify-{persona}"},
    )
    assert response.status_code == 200, response.json
    return response.json


# --------------------------------------------------------------------------- #
# Templates
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("kind", sorted(TEMPLATES))
def test_every_template_fits_one_sms_and_names_no_person(kind) -> None:
    notice = render(
        kind,
        payload={"due_on": "2026-12-05", "outcome": "manual_review", "by": "staff"},
        item_name="个人之间、个人与单位之间土地所有权和使用权争议的处理",
        reference_no="LH20261128-00042",
    )
    assert len("【龙湖政务】" + notice.sms) <= 70
    assert len(notice.title) <= 20 and len(notice.result) <= 5
    if kind != "proactive_offer":  # an offer has no application yet
        assert "LH20261128-00042" in notice.body + notice.sms
        assert "LH20261128-00042" in notice.sms
    assert not ID_NUMBER.search(notice.body + notice.sms)


def test_unknown_kind_still_says_where_to_look() -> None:
    notice = render("something_new", payload={}, reference_no="LH20261128-00001")
    assert "我的办件" in notice.body and "LH20261128-00001" in notice.sms


# --------------------------------------------------------------------------- #
# Outbox: dedupe, transactions, recipients
# --------------------------------------------------------------------------- #


def test_same_event_enqueued_twice_is_one_message_and_one_sms(app_ctx, gateway) -> None:
    first = add_message(event_id="certificate_revoked:ZS-1")
    second = add_message(event_id="certificate_revoked:ZS-1", payload={"other": 1})
    assert first.id == second.id and second.payload == {"outcome": "approve"}
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 1
    report = dispatch_due([sms(gateway, PhoneBook())], now=NOW)
    assert (report.fanned_out, report.sent) == (1, 1)
    assert gateway.per_request_id() == {"certificate_revoked:ZS-1": 1}


def test_a_failure_after_enqueue_rolls_back_both(app_ctx) -> None:
    with pytest.raises(RuntimeError):
        enqueue(
            "decision_approve",
            application_id=None,
            payload={},
            now=NOW,
            recipient_id_number=SOMEONE,
        )
        raise RuntimeError("the business change failed")
    db.session.rollback()
    assert db.session.scalars(sa.select(OutboxMessage)).all() == []


def test_decision_reaches_sms_miniprogram_and_inbox_without_personal_data(
    app, gateway, platform
) -> None:
    load_world(app)
    persona = PERSON["陈伯"]
    detail = approve_for(app.test_client(), "陈伯")
    with app.app_context():
        message = db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.kind == "decision_approve")
        ).one()
        assert message.recipient_id_number == persona.id_number
        notifications.record_subscriber(
            Identity(persona.id_number, persona.name, "miniprogram", "oOPENID-chen"),
            now=NOW,
        )
        db.session.commit()
        source = app.extensions["miaopi.datasource"]
        phone = DataLookup(source, now=NOW).value("SI.card.phone", persona.id_number)
        channels = [InboxChannel(), sms(gateway, source), miniprogram(platform)]
        report = dispatch_due(channels, now=datetime.now(timezone.utc))
        assert (report.claimed, report.sent) == (3, 3)
        assert {d.status for d in deliveries()} == {DeliveryStatus.SENT}
        inbox = db.session.scalars(sa.select(InboxItem)).one()
        assert inbox.title == "办件已批准"
        assert inbox.application_public_id == detail["id"]

    [text] = gateway.accepted
    assert text["phone"] == phone.value
    assert text["text"].startswith("【龙湖政务】")
    assert detail["reference_no"] in text["text"] and "高龄" in text["text"]
    [card] = platform.sent
    assert card["touser"] == "oOPENID-chen" and card["template_id"] == TEMPLATE_ID
    assert card["data"]["character_string2"]["value"] == detail["reference_no"]
    assert card["data"]["phrase3"]["value"] == "已批准"
    for raw in [r.body.decode() for r in gateway.received + platform.received]:
        assert persona.id_number not in raw and persona.name not in raw
    assert not ID_NUMBER.search(text["text"] + str(card["data"]) + inbox.body)
    assert persona.name not in inbox.body


def test_offer_goes_to_the_person_offered(app_ctx) -> None:
    from govcore.decisions.models import ProactiveOffer

    db.session.add(
        ProactiveOffer(
            public_id="off-1",
            item_code="aged-allowance",
            item_version=1,
            id_number=SOMEONE,
            status="offered",
            created_at=NOW,
        )
    )
    message = enqueue(
        "proactive_offer",
        application_id=None,
        payload={"offer": "off-1", "item": "aged-allowance"},
        now=NOW,
    )
    assert message.recipient_id_number == SOMEONE
    no_one = enqueue("whatever", application_id=None, payload={}, now=NOW)
    db.session.commit()
    assert no_one.recipient_id_number is None
    report = dispatch_due([InboxChannel()], now=NOW)
    assert (report.fanned_out, report.sent) == (2, 1)  # nobody to tell for one
    item = db.session.scalars(sa.select(InboxItem)).one()
    assert item.offer_public_id == "off-1" and "服务推送" in item.body


# --------------------------------------------------------------------------- #
# Retries, dead letters, skips
# --------------------------------------------------------------------------- #


def test_sms_is_retried_after_a_503_with_backoff_then_sent(app_ctx, gateway) -> None:
    add_message(event_id="decision_approve:A1")
    gateway.statuses.extend([503])
    channel = sms(gateway, PhoneBook())
    first = dispatch_due([channel], now=NOW)
    assert (first.claimed, first.retrying) == (1, 1)
    [delivery] = deliveries()
    assert delivery.status is DeliveryStatus.FAILED and delivery.attempts == 1
    assert delivery.next_attempt_at == NOW + timedelta(seconds=30)
    assert delivery.last_error == "短信网关暂不可用（SMS gateway HTTP 503）"
    assert "138" not in delivery.last_error  # the gateway's echo is not kept
    assert dispatch_due([channel], now=NOW + timedelta(seconds=29)).claimed == 0
    again = dispatch_due([channel], now=NOW + timedelta(seconds=30))
    assert again.sent == 1
    db.session.refresh(delivery)
    assert delivery.status is DeliveryStatus.SENT and delivery.attempts == 2
    assert delivery.provider_ref.startswith("sms-")
    # Both attempts carried the same request id (the gateway's idempotency key).
    ids = [r.json["request_id"] for r in gateway.received]
    assert ids == ["decision_approve:A1", "decision_approve:A1"]
    assert gateway.bad_signatures == 0


def test_delivery_is_dead_after_max_attempts_and_can_be_retried(
    app_ctx, gateway
) -> None:
    add_message()
    gateway.default = 503
    channel = sms(gateway, PhoneBook())
    policy = RetryPolicy(base_delay=timedelta(seconds=10), max_attempts=4)
    now, waits = NOW, []
    for _ in range(4):
        report = dispatch_due([channel], now=now, policy=policy)
        assert report.claimed == 1
        [delivery] = deliveries()
        waits.append(delivery.next_attempt_at - now)
        now = delivery.next_attempt_at
    assert waits[:3] == [timedelta(seconds=s) for s in (10, 20, 40)]
    assert delivery.status is DeliveryStatus.DEAD and delivery.attempts == 4
    assert dispatch_due([channel], now=now + timedelta(days=1)).claimed == 0
    [letter] = notifications.list_dead()
    assert letter.attempts == 4 and "503" in letter.last_error

    gateway.default = 200
    assert notifications.retry_dead(now=now, channel="sms") == 1
    assert dispatch_due([channel], now=now, policy=policy).sent == 1
    assert len(gateway.accepted) == 1


def test_a_rejected_message_is_dead_at_once(app_ctx, gateway) -> None:
    add_message()
    gateway.statuses.extend([400])
    report = dispatch_due([sms(gateway, PhoneBook())], now=NOW)
    assert (report.claimed, report.dead) == (1, 1)
    [delivery] = deliveries()
    assert delivery.status is DeliveryStatus.DEAD and delivery.attempts == 1
    assert "400" in delivery.last_error


def test_no_phone_on_file_is_skipped_and_a_down_source_retried(
    app_ctx, gateway
) -> None:
    add_message(recipient=SOMEONE)
    add_message(recipient="440507199001010026")
    book = PhoneBook({"440507199001010026": "0754-8888"})  # not a mobile number
    report = dispatch_due([sms(gateway, book)], now=NOW)
    assert report.skipped == 2 and gateway.received == []
    reasons = {d.last_error for d in deliveries()}
    assert reasons == {
        "社保卡无预留手机号（no SI record）",
        "无有效的预留手机号（no valid mobile number on file）",
    }
    add_message()
    report = dispatch_due([sms(gateway, PhoneBook(down=True))], now=NOW)
    assert report.retrying == 1 and "source_unavailable" in deliveries()[-1].last_error


def test_unreachable_gateway_is_a_temporary_failure(app_ctx) -> None:
    add_message()
    with FakeSmsGateway() as fake:
        url = fake.send_url  # the port is closed once the fake stops
    settings = SmsSettings(url=url, app_key=SMS_KEY, app_secret=SMS_SECRET)
    channel = SmsGatewayChannel(settings, source=PhoneBook())
    assert dispatch_due([channel], now=NOW).retrying == 1
    assert "ConnectionError" in deliveries()[0].last_error


def test_miniprogram_token_is_cached_and_refreshed_when_expired(
    app_ctx, platform
) -> None:
    for n in range(3):
        add_message(event_id=f"e{n}")
    channel = miniprogram(platform, find_openid=lambda id_number: "oOPENID")
    assert dispatch_due([channel], now=NOW, batch=2).sent == 2
    assert platform.tokens_issued == 1  # one token for both
    platform.expire_token()
    assert dispatch_due([channel], now=NOW).sent == 1
    assert platform.tokens_issued == 2 and len(platform.sent) == 3


def test_miniprogram_skips_people_without_openid_or_subscription(
    app_ctx, platform
) -> None:
    add_message(recipient=SOMEONE)
    add_message(recipient="440507199001010026")
    platform.errcodes.extend([43101])
    openids = {"440507199001010026": "oOPENID"}
    channel = miniprogram(platform, find_openid=openids.get)
    report = dispatch_due([channel], now=NOW)
    assert report.skipped == 2
    assert sorted(d.last_error for d in deliveries()) == [
        "未使用小程序登录，无订阅对象（no openid on file）",
        "用户未订阅该消息（not subscribed, errcode 43101）",
    ]
    add_message()
    platform.errcodes.extend([47003])
    channel = miniprogram(platform, find_openid=lambda _: "oOPENID")
    assert dispatch_due([channel], now=NOW).dead == 1


# --------------------------------------------------------------------------- #
# Scheduling, cancellation, leases
# --------------------------------------------------------------------------- #


def test_future_messages_wait_and_cancelled_ones_are_never_delivered(
    app_ctx,
) -> None:
    add_message(event_id="later", not_before=NOW + timedelta(hours=1))
    assert dispatch_due([InboxChannel()], now=NOW).fanned_out == 0
    assert dispatch_due([InboxChannel()], now=NOW + timedelta(hours=1)).sent == 1

    # A reminder cancelled before it is due (as when the materials arrive).
    reminder = add_message("materials_due_reminder", event_id="reminder")
    reminder.cancelled_at = NOW
    db.session.commit()
    assert dispatch_due([InboxChannel()], now=NOW + timedelta(days=9)).idle
    assert len(db.session.scalars(sa.select(InboxItem)).all()) == 1


def test_a_stuck_sending_delivery_is_taken_over_after_the_lease(app_ctx) -> None:
    add_message()
    inbox = InboxChannel()
    notifications.fan_out(["inbox"], now=NOW)
    [delivery] = deliveries()
    # A worker claimed it and died before recording the outcome.
    delivery.status, delivery.attempts = DeliveryStatus.SENDING, 1
    delivery.claimed_at, delivery.claimed_by = NOW, "dead-worker"
    db.session.commit()
    policy = RetryPolicy(lease=timedelta(minutes=5), max_attempts=2)
    assert dispatch_due([inbox], now=NOW + timedelta(minutes=4), policy=policy).idle
    report = dispatch_due([inbox], now=NOW + timedelta(minutes=6), policy=policy)
    assert report.sent == 1
    db.session.refresh(delivery)
    assert delivery.attempts == 2 and delivery.claimed_by == "worker"

    # Stuck again after its last attempt: dead, not sent a third time.
    add_message(event_id="second")
    notifications.fan_out(["inbox"], now=NOW)
    stuck = deliveries()[-1]
    stuck.status, stuck.attempts, stuck.claimed_at = DeliveryStatus.SENDING, 2, NOW
    db.session.commit()
    report = dispatch_due([inbox], now=NOW + timedelta(minutes=6), policy=policy)
    assert (report.expired, report.claimed) == (1, 0)


def test_a_slow_round_hands_back_what_it_has_not_attempted(app_ctx) -> None:
    for n in range(3):
        add_message(event_id=f"slow-{n}")
    ticks = iter([0.0, 200.0, 200.0])  # seconds since the claim, per delivery
    policy = RetryPolicy(lease=timedelta(minutes=5))
    report = dispatch_due(
        [InboxChannel()], now=NOW, policy=policy, elapsed=lambda: next(ticks)
    )
    assert (report.claimed, report.sent, report.released) == (3, 1, 2)
    waiting = [d for d in deliveries() if d.status is DeliveryStatus.PENDING]
    assert [(d.attempts, d.claimed_by) for d in waiting] == [(0, None), (0, None)]
    assert dispatch_due([InboxChannel()], now=NOW).sent == 2


# --------------------------------------------------------------------------- #
# Several workers on PostgreSQL
# --------------------------------------------------------------------------- #


@pytest.mark.postgres
def test_parallel_workers_send_every_message_exactly_once(postgres_app) -> None:
    with postgres_app.app_context():
        for n in range(200):
            enqueue(
                "decision_approve",
                application_id=None,
                payload={"outcome": "approve"},
                now=NOW,
                event_id=f"decision_approve:{n:04d}",
                recipient_id_number=f"4405071990{n:08d}",
            )
        db.session.commit()
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def work(gateway: FakeSmsGateway, name: str) -> None:
        try:
            channels = [InboxChannel(), sms(gateway, PhoneBook())]
            start.wait()
            with postgres_app.app_context():
                while not dispatch_due(channels, now=NOW, batch=10, worker=name).idle:
                    pass
            channels[1].close()
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    with FakeSmsGateway(latency=0.002) as gateway:
        workers = [
            threading.Thread(target=work, args=(gateway, f"w{i}")) for i in range(4)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(120)
    assert errors == []
    per_event = gateway.per_request_id()
    assert len(per_event) == 200 and set(per_event.values()) == {1}
    assert len(gateway.received) == 200
    with postgres_app.app_context():
        rows = deliveries()
        assert len(rows) == 400
        assert {(d.status, d.attempts) for d in rows} == {(DeliveryStatus.SENT, 1)}
        assert len({d.claimed_by for d in rows}) > 1  # the work was shared
        assert db.session.scalar(sa.select(sa.func.count(InboxItem.id))) == 200


@pytest.mark.postgres
def test_concurrent_enqueues_of_one_event_keep_one_message(postgres_app) -> None:
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def enqueue_once() -> None:
        try:
            with postgres_app.app_context():
                start.wait()
                add_message(event_id="certificate_revoked:ZS-9")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=enqueue_once) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    with postgres_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 1


# --------------------------------------------------------------------------- #
# CLI and the standalone in-process worker
# --------------------------------------------------------------------------- #


@pytest.fixture
def sms_app(gateway) -> Iterator[Flask]:
    with world_app(
        "sqlite://",
        world=False,
        NOTIFY_SMS_URL=gateway.send_url,
        NOTIFY_SMS_APP_KEY=SMS_KEY,
        NOTIFY_SMS_APP_SECRET=SMS_SECRET,
        NOTIFY_RETRY_BASE_S=0.001,
        NOTIFY_MAX_ATTEMPTS=1,
    ) as app:
        app.extensions["miaopi.datasource"] = PhoneBook()
        yield app


def test_cli_runs_reports_and_retries_dead_letters(sms_app, gateway) -> None:
    runner = sms_app.test_cli_runner()
    with sms_app.app_context():
        add_message(event_id="decision_refuse:X1", now=NOW - timedelta(minutes=1))
    gateway.statuses.extend([503])
    result = runner.invoke(args=["notifications", "run", "--once"])
    assert result.exit_code == 0, result.output
    assert "channels: inbox, sms" in result.output
    assert "sent 1" in result.output and "dead 1" in result.output

    status = runner.invoke(args=["notifications", "status"])
    assert status.exit_code == 0, status.output
    assert re.search(r"inbox\s+sent\s+1", status.output)
    assert re.search(r"sms\s+dead\s+1", status.output)
    assert "decision_refuse:X1" in status.output and "503" in status.output
    assert SOMEONE not in status.output

    retried = runner.invoke(args=["notifications", "retry-dead"])
    assert "1 dead deliveries queued again" in retried.output
    result = runner.invoke(args=["notifications", "run", "--once"])
    assert "sent 1" in result.output and gateway.per_request_id() == {
        "decision_refuse:X1": 1
    }


def test_an_insecure_sms_url_is_refused_by_the_cli(sqlite_app) -> None:
    sqlite_app.config["NOTIFY_SMS_URL"] = "http://example.org/sms"
    runner = sqlite_app.test_cli_runner()
    result = runner.invoke(args=["notifications", "run", "--once"])
    assert result.exit_code != 0
    assert "NOTIFY_SMS_APP_KEY" in result.output  # half configured
    sqlite_app.config.update(NOTIFY_SMS_APP_KEY="k", NOTIFY_SMS_APP_SECRET="s")
    result = runner.invoke(args=["notifications", "run", "--once"])
    assert result.exit_code != 0
    assert "NOTIFY_SMS_URL 须使用 https" in result.output  # http off loopback
    assert "example.org" not in result.output


def test_standalone_thread_delivers_to_the_inbox(tmp_path) -> None:
    app = make_test_app(f"sqlite:///{tmp_path / 'standalone.sqlite3'}")
    with app.app_context():
        db.create_all()
        add_message(now=datetime.now(timezone.utc))
    thread = DeliveryThread(app, interval=0.05)
    thread.start()
    try:
        with app.app_context():
            for _ in range(100):
                db.session.rollback()  # a fresh read each time
                if db.session.scalar(sa.select(sa.func.count(InboxItem.id))):
                    break
                threading.Event().wait(0.05)
            assert db.session.scalar(sa.select(sa.func.count(InboxItem.id))) == 1
    finally:
        thread.stop()
    assert not thread.is_alive()
    with app.app_context():
        db.engine.dispose()
