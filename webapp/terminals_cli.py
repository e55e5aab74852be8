"""``flask --app webapp terminals …``: the kiosk terminal registry."""

from __future__ import annotations

import sys

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from govcore import terminals
from govcore.clock import utcnow
from govcore.db import db
from govcore.errors import GovCoreError

terminals_cli = AppGroup("terminals", help="Kiosk terminals (自助终端).")


@terminals_cli.command("register")
@click.argument("code")
@click.option("--name", required=True, help="e.g. 金霞街道便民服务中心1号机")
@click.option("--location", required=True, help="街道/镇 and hall")
def register(code: str, name: str, location: str) -> None:
    """Register a terminal and print its secret (shown once)."""
    try:
        terminal, secret = terminals.register(
            code, name=name, location=location, now=utcnow(), actor="cli"
        )
    except GovCoreError as error:
        click.secho(error.message, fg="red", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"registered {terminal.code}; its agent's secret (shown once):")
    click.echo(secret)


@terminals_cli.command("revoke")
@click.argument("code")
def revoke(code: str) -> None:
    """Lock a terminal out at once (lost, stolen or replaced)."""
    try:
        terminal = terminals.revoke(code, now=utcnow(), actor="cli")
    except GovCoreError as error:
        click.secho(error.message, fg="red", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"revoked {terminal.code}")


@terminals_cli.command("rotate-secret")
@click.argument("code")
def rotate_secret(code: str) -> None:
    """Give a terminal a new secret and print it (shown once); the old one
    is refused at once. A revoked terminal is refused: register its
    replacement under a new code."""
    try:
        terminal, secret = terminals.rotate_secret(code, now=utcnow(), actor="cli")
    except GovCoreError as error:
        click.secho(error.message, fg="red", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(
        f"new secret for {terminal.code}; the old one is refused from now on "
        "(shown once):"
    )
    click.echo(secret)


@terminals_cli.command("list")
def list_terminals() -> None:
    """One line per terminal: online or not, and each device's state."""
    now = utcnow()
    for terminal in db.session.scalars(
        sa.select(terminals.Terminal).order_by(terminals.Terminal.code)
    ):
        if terminal.revoked_at:
            state = "revoked"
        else:
            state = "online" if terminals.online(terminal, now) else "offline"
        devices = ", ".join(
            f"{name}={report['state']}" for name, report in terminal.devices.items()
        )
        click.echo(f"{terminal.code:16} {state:8} {terminal.location:20} {devices}")
