"""``flask --app webapp staff …``: staff accounts. There are no default accounts;
each is made here by a system administrator, with its own password and TOTP."""

from __future__ import annotations

import sys

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from govcore import staff
from govcore.clock import utcnow
from govcore.db import db
from govcore.errors import GovCoreError
from govcore.staff.kiosk_assist import enrol

staff_cli = AppGroup("staff", help="Staff accounts (工作人员账号).")


@staff_cli.command("create")
@click.argument("username")
@click.option(
    "--role",
    required=True,
    help="One role or several, comma-separated (administrator,auditor): "
    + ", ".join(r.value for r in staff.Role),
)
@click.option("--department", help="Department code (approvers and operators).")
@click.option("--name", "display_name", default="", help="Display name.")
@click.password_option(help="At least 12 characters (prompted when omitted).")
def create(
    username: str, role: str, department: str | None, display_name: str, password: str
) -> None:
    """Create an account and print its TOTP enrolment URI (shown once)."""
    try:
        account, uri = staff.create_account(
            username,
            display_name=display_name,
            role=role,
            department_code=department,
            password=password,
            now=utcnow(),
            actor="cli",
        )
    except GovCoreError as error:
        db.session.rollback()
        click.secho(error.message, fg="red", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"created {account.username} ({account.roles})")
    click.echo("Enrol this URI in an authenticator app (shown once):")
    click.echo(uri)


@staff_cli.command("list")
def list_accounts() -> None:
    """One line per account: name, role, department, active."""
    for account in db.session.scalars(
        sa.select(staff.StaffAccount).order_by(staff.StaffAccount.username)
    ):
        department = account.department.code if account.department else "-"
        state = "active" if account.active else "disabled"
        click.echo(f"{account.username:24} {account.roles:21} {department:12} {state}")


@staff_cli.command("disable")
@click.argument("username")
def disable(username: str) -> None:
    """Disable an account; its sessions stop working at once."""
    account = db.session.scalar(
        sa.select(staff.StaffAccount).where(
            staff.StaffAccount.username == username.lower()
        )
    )
    if account is None:
        click.secho(f"no account {username}", fg="red", err=True)
        sys.exit(1)
    account.active = False
    db.session.commit()
    click.echo(f"disabled {account.username}")


@staff_cli.command("kiosk-enrol")
@click.argument("username")
@click.option(
    "--id-number",
    prompt="The staff member's own ID number",
    hide_input=True,
    help="Their ID card, put on a kiosk's reader to sign in (prompted).",
)
@click.option(
    "--pin",
    prompt="Six-digit kiosk PIN",
    hide_input=True,
    confirmation_prompt=True,
    help="Typed on the kiosk's keypad after the card (prompted).",
)
def kiosk_enrol(username: str, id_number: str, pin: str) -> None:
    """Let a window operator assist at kiosks (帮办): their ID card + a PIN."""
    account = db.session.scalar(
        sa.select(staff.StaffAccount).filter_by(username=username.strip().lower())
    )
    if account is None:
        click.secho(f"no account {username}", fg="red", err=True)
        sys.exit(1)
    try:
        enrol(
            account,
            id_number=id_number,
            pin=pin,
            pepper=current_app.extensions["miaopi.card_pepper"],
            now=utcnow(),
        )
    except GovCoreError as error:
        db.session.rollback()
        click.secho(error.message, fg="red", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"{account.username} may now assist at kiosks")
