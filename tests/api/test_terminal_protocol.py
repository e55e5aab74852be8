"""The terminal agent protocol, server side: authentication, replay and
resend, revocation, device health and heartbeat, commands handed out once."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from govcore import terminals
from govcore.audit import AuditEvent
from govcore.clock import utcnow
from govcore.db import db
from govcore.terminals import Terminal, TerminalCommand, TerminalEvent


@pytest.fixture
def terminal(app):
    """A registered terminal: (code, headers)."""
    with app.app_context():
        record, secret = terminals.register(
            "lh-jx-001",
            name="金霞1号机",
            location="金霞街道便民服务中心",
            now=utcnow(),
            actor="test",
        )
        db.session.commit()
        code = record.code
    return code, {"Authorization": f"Bearer {secret}", "X-Terminal": code}


def event(client, headers, kind="heartbeat", *, event_id=None, sent_at=None, **data):
    return client.post(
        "/api/v1/terminal/events",
        json={
            "event_id": event_id or secrets.token_hex(8),
            "kind": kind,
            "sent_at": (sent_at or utcnow()).isoformat(),
            "data": data,
        },
        headers=headers,
    )


def test_wrong_or_missing_credentials_are_refused(app, client, terminal):
    code, headers = terminal
    assert event(client, {}).status_code == 401
    wrong = {**headers, "Authorization": "Bearer " + secrets.token_urlsafe(32)}
    assert event(client, wrong).status_code == 401
    other = {**headers, "X-Terminal": "LH-JX-999"}
    assert event(client, other).status_code == 401
    assert event(client, headers).status_code == 200


def test_heartbeat_records_device_health_and_staleness_means_offline(
    app, client, terminal
):
    code, headers = terminal
    response = event(
        client,
        headers,
        devices={
            "a4_printer": {
                "state": "needs_attention",
                "reasons": ["media-empty"],
                "message": "A4打印机缺纸",
            },
            "id_reader": {"state": "ready"},
        },
    )
    assert response.json["accepted"] is True
    with app.app_context():
        record = db.session.scalars(sa.select(Terminal)).one()
        assert record.devices["a4_printer"]["reasons"] == ["media-empty"]
        assert record.devices["id_reader"]["state"] == "ready"
        now = utcnow()
        assert terminals.online(record, now)
        assert not terminals.online(record, now + terminals.HEARTBEAT_STALE * 2)


def test_a_resent_event_is_acknowledged_without_effect(app, client, terminal):
    code, headers = terminal
    first = event(client, headers, event_id="evt-00000001")
    again = event(client, headers, event_id="evt-00000001")  # connection was lost
    assert first.json["accepted"] is True and again.json["accepted"] is False


def test_an_old_event_is_refused_as_a_replay(app, client, terminal):
    code, headers = terminal
    old = utcnow() - terminals.MAX_SKEW - timedelta(seconds=1)
    refused = event(client, headers, sent_at=old)
    assert refused.status_code == 422 and refused.json["code"] == "stale_event"
    future = utcnow() + terminals.MAX_SKEW + timedelta(seconds=1)
    assert event(client, headers, sent_at=future).status_code == 422


def test_a_revoked_terminal_is_locked_out_at_once(app, client, terminal):
    code, headers = terminal
    assert event(client, headers).status_code == 200
    runner = app.test_cli_runner()
    result = runner.invoke(args=["terminals", "revoke", code])
    assert result.exit_code == 0, result.output
    assert event(client, headers).status_code == 401
    assert client.get("/api/v1/terminal/commands", headers=headers).status_code == 401


def test_commands_are_handed_out_once_and_finished_by_an_event(app, client, terminal):
    code, headers = terminal
    with app.app_context():
        record = db.session.scalars(sa.select(Terminal)).one()
        command = terminals.queue_command(
            record, "print_document", {"document": "d" * 32}, now=utcnow()
        )
        db.session.commit()
        command_id = command.public_id
    first = client.get("/api/v1/terminal/commands", headers=headers).json
    assert [c["id"] for c in first["commands"]] == [command_id]
    assert first["commands"][0]["payload"] == {"document": "d" * 32}
    assert client.get("/api/v1/terminal/commands", headers=headers).json == {
        "commands": []
    }
    failed = event(
        client,
        headers,
        "print_failed",
        command=command_id,
        reasons=["media-jam"],
        message="卡纸",
    )
    assert failed.status_code == 200
    with app.app_context():
        stored = db.session.scalars(sa.select(TerminalCommand)).one()
        assert stored.status == "failed"
        assert stored.result == {"reasons": ["media-jam"], "message": "卡纸"}
    unknown = event(client, headers, "print_finished", command="x" * 32)
    assert unknown.status_code == 404


def test_unknown_event_kinds_are_refused(app, client, terminal):
    code, headers = terminal
    response = event(client, headers, "self_destruct")
    assert response.status_code == 422 and response.json["errors"] == {
        "kind": [response.json["message"]]
    }


def test_register_and_list_from_the_command_line(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "terminals",
            "register",
            "lh-xs-002",
            "--name",
            "新溪2号机",
            "--location",
            "新溪街道",
        ]
    )
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    assert len(secret) >= 43
    again = runner.invoke(
        args=["terminals", "register", "LH-XS-002", "--name", "x", "--location", "y"]
    )
    assert again.exit_code == 1
    listing = runner.invoke(args=["terminals", "list"])
    assert "LH-XS-002" in listing.output and "offline" in listing.output


def rotations(app) -> list[AuditEvent]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(AuditEvent).where(
                    AuditEvent.action == "terminal_secret_rotated"
                )
            )
        )


def test_rotate_secret_issues_a_new_one_and_refuses_the_old(app, client, terminal):
    code, old = terminal
    assert event(client, old).status_code == 200
    runner = app.test_cli_runner()
    result = runner.invoke(args=["terminals", "rotate-secret", code.lower()])
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    assert len(secret) >= 43 and secret not in old["Authorization"]
    new = {"Authorization": f"Bearer {secret}", "X-Terminal": code}
    assert event(client, old).status_code == 401
    assert client.get("/api/v1/terminal/commands", headers=old).status_code == 401
    assert event(client, new).status_code == 200
    assert client.get("/api/v1/terminal/commands", headers=new).status_code == 200
    # Audited, naming the terminal and nothing of either secret.
    (rotated,) = rotations(app)
    assert (rotated.actor, rotated.target) == ("cli", f"terminal:{code}")
    assert rotated.details == {}
    row = f"{rotated.details} {rotated.target} {rotated.actor}"
    for value in (secret, old["Authorization"].split()[1]):
        assert value not in row
        assert hashlib.sha256(value.encode()).hexdigest() not in row
    # A second rotation retires the first new secret as well.
    again = runner.invoke(args=["terminals", "rotate-secret", code])
    assert again.exit_code == 0, again.output
    assert event(client, new).status_code == 401
    assert len(rotations(app)) == 2


def test_rotate_secret_of_an_unknown_terminal_fails_clearly(app, terminal):
    result = app.test_cli_runner().invoke(
        args=["terminals", "rotate-secret", "LH-NO-999"]
    )
    assert result.exit_code == 1
    assert "终端 LH-NO-999 不存在" in result.output
    assert rotations(app) == []


def test_a_revoked_terminal_gets_no_new_secret(app, client, terminal):
    code, headers = terminal
    runner = app.test_cli_runner()
    assert runner.invoke(args=["terminals", "revoke", code]).exit_code == 0
    with app.app_context():
        before = db.session.scalars(sa.select(Terminal.secret_hash)).one()
    result = runner.invoke(args=["terminals", "rotate-secret", code])
    assert result.exit_code == 1
    assert "已停用" in result.output and "new code" in result.output
    with app.app_context():
        assert db.session.scalars(sa.select(Terminal.secret_hash)).one() == before
    assert rotations(app) == []
    assert event(client, headers).status_code == 401


def test_a_long_poll_with_the_old_secret_ends_at_the_rotation(app, client, terminal):
    code, old = terminal
    answers = []
    poll = threading.Thread(
        target=lambda: answers.append(
            client.get("/api/v1/terminal/commands?wait=20", headers=old)
        )
    )
    started = time.monotonic()
    poll.start()
    time.sleep(1)  # the poll is waiting
    result = app.test_cli_runner().invoke(args=["terminals", "rotate-secret", code])
    assert result.exit_code == 0, result.output
    with app.app_context():
        record = db.session.scalars(sa.select(Terminal)).one()
        terminals.queue_command(record, "scan", {}, now=utcnow())
        db.session.commit()
    poll.join(25)
    # Refused within a poll step, and the new command was not handed out.
    assert answers[0].status_code == 401
    assert "rotated" in answers[0].json["message"]
    assert time.monotonic() - started < 10
    with app.app_context():
        assert db.session.scalars(sa.select(TerminalCommand.status)).one() == ("queued")


def test_event_ids_are_forgotten_once_a_resend_could_not_be_accepted(
    app, client, terminal
):
    code, headers = terminal
    assert event(client, headers, "card_removed").status_code == 200
    with app.app_context():
        record = db.session.scalars(sa.select(Terminal)).one()
        later = utcnow() + terminals.MAX_SKEW * 3
        terminals.record_event(
            record,
            event_id="evt-later-1",
            kind="heartbeat",
            sent_at=later,
            data={},
            now=later,
        )
        db.session.commit()
        kinds = db.session.scalars(sa.select(TerminalEvent.kind)).all()
    assert kinds == ["heartbeat"]
