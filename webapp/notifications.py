"""Notification delivery wiring: channels from config, the worker loop, the CLI.

``flask --app webapp notifications run`` is the production worker (run several
on PostgreSQL); the standalone role runs :class:`DeliveryThread` in-process.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from govcore import notifications
from govcore.clock import utcnow
from govcore.notifications import Channel, DispatchReport, RetryPolicy

logger = logging.getLogger(__name__)

notifications_cli = AppGroup("notifications", help="Notification delivery (主动告知).")


def build_channels(app: Flask) -> list[Channel]:
    """The channels the configuration turns on; the inbox is always one.

    :raise ValueError: if a channel is half configured (naming the key).
    """
    config = app.config
    channels: list[Channel] = [notifications.InboxChannel()]
    if config.get("NOTIFY_SMS_URL"):
        channels.append(
            notifications.SmsGatewayChannel(
                notifications.SmsSettings.from_mapping(config),
                source=app.extensions["miaopi.datasource"],
            )
        )
    if config.get("NOTIFY_MINIPROGRAM_URL"):
        channels.append(
            notifications.MiniProgramChannel(
                notifications.SubscriptionSettings.from_mapping(config)
            )
        )
    return channels


def retry_policy(config: Mapping[str, Any]) -> RetryPolicy:
    return RetryPolicy(
        base_delay=timedelta(seconds=float(config["NOTIFY_RETRY_BASE_S"])),
        max_attempts=int(config["NOTIFY_MAX_ATTEMPTS"]),
        lease=timedelta(seconds=float(config["NOTIFY_LEASE_S"])),
    )


def default_worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def run_once(channels: list[Channel], *, worker: str) -> DispatchReport:
    """One dispatch round inside the current app context."""
    return notifications.dispatch_due(
        channels,
        now=utcnow(),
        batch=int(current_app.config["NOTIFY_BATCH"]),
        worker=worker,
        policy=retry_policy(current_app.config),
    )


class DeliveryThread(threading.Thread):
    """Delivers in the background of the standalone process, every ``interval``.

    A daemon thread with its own app context per round; :meth:`stop` ends it
    after the current round.
    """

    def __init__(self, app: Flask, *, interval: float) -> None:
        super().__init__(name="miaopi-notifications", daemon=True)
        self.app = app
        self.interval = interval
        self._stopping = threading.Event()
        self.channels = build_channels(app)  # misconfiguration fails at start
        self._worker = f"standalone:{os.getpid()}"

    def run(self) -> None:
        while not self._stopping.is_set():
            report = None
            with self.app.app_context():
                try:
                    report = run_once(self.channels, worker=self._worker)
                except Exception:  # keep delivering after a bad round
                    logger.exception("notifications: dispatch round failed")
            if report is None or report.idle:
                self._stopping.wait(self.interval)
        for channel in self.channels:
            channel.close()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        if self.is_alive():
            self.join(timeout)


@notifications_cli.command("run")
@click.option("--once", is_flag=True, help="One round, then exit.")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.1),
    default=None,
    help="Seconds to wait when idle (default NOTIFY_INTERVAL_S).",
)
@click.option("--worker", default=None, help="Worker name (default host:pid).")
def run_command(once: bool, interval: float | None, worker: str | None) -> None:
    """Deliver due notifications until stopped (Ctrl-C)."""
    try:
        channels = build_channels(current_app._get_current_object())
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    interval = interval or float(current_app.config["NOTIFY_INTERVAL_S"])
    name = worker or default_worker_name()
    click.echo(f"channels: {', '.join(c.name for c in channels)}; worker {name}")
    try:
        while True:
            report = run_once(channels, worker=name)
            if not report.idle:
                click.echo(_summary(report))
            if once:
                break
            if report.idle:
                time.sleep(interval)
    except KeyboardInterrupt:
        click.echo("stopped")
    finally:
        for channel in channels:
            channel.close()


def _summary(report: DispatchReport) -> str:
    return (
        f"fanned out {report.fanned_out}, claimed {report.claimed}: "
        f"sent {report.sent}, retrying {report.retrying}, dead {report.dead}, "
        f"skipped {report.skipped}, expired {report.expired}, lost {report.lost}, "
        f"released {report.released}"
    )


@notifications_cli.command("status")
@click.option("--limit", type=int, default=20, show_default=True)
def status_command(limit: int) -> None:
    """Deliveries per channel and status; the latest dead letters."""
    due, later = notifications.count_waiting(now=utcnow())
    click.echo(f"outbox: {due} due, {later} scheduled")
    counts = notifications.delivery_counts()
    for (channel, status), count in sorted(counts.items()):
        click.echo(f"{channel:12} {status:8} {count:7}")
    dead = notifications.list_dead(limit=limit)
    if dead:
        click.echo("dead letters (死信):")
    for letter in dead:
        click.echo(
            f"  #{letter.delivery_id} {letter.channel:11} {letter.kind:24} "
            f"attempts {letter.attempts}  {letter.updated_at:%Y-%m-%d %H:%M}  "
            f"{letter.event_id}  {letter.last_error}"
        )


@notifications_cli.command("retry-dead")
@click.option("--channel", default=None, help="Only this channel (sms, …).")
@click.option("--id", "ids", type=int, multiple=True, help="Only these deliveries.")
def retry_dead_command(channel: str | None, ids: tuple[int, ...]) -> None:
    """Send dead letters again (after fixing what killed them)."""
    count = notifications.retry_dead(
        now=utcnow(), channel=channel, delivery_ids=ids or None
    )
    click.echo(f"{count} dead deliveries queued again")
