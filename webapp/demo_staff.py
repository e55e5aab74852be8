"""The standalone demo's staff accounts: one per role, made on the first
start with random passwords, and their credentials printed once.

There are no default accounts anywhere else (``flask staff create``). The
demo's TOTP codes can be read with ``flask standalone totp USERNAME``, a
command that exists only in the standalone role.
"""

from __future__ import annotations

import secrets

import click
import pyotp
import sqlalchemy as sa
from flask import current_app

from govcore import staff
from govcore.clock import utcnow
from govcore.datahub.sandbox.personas import PERSONAS
from govcore.db import db
from govcore.staff.kiosk_assist import enrol

DEMO_ACCOUNTS = (
    ("demo.operator", "operator", "lh-mz", "窗口帮办（演示）"),
    ("demo.approver", "approver", "lh-mz", "民政局审批员（演示）"),
    ("demo.supervisor", "supervisor", "lh-mz", "民政局监管员（演示）"),
    ("demo.admin", "administrator", None, "政数局管理员（演示）"),
    ("demo.auditor", "auditor", None, "审计员（演示）"),
    ("demo.sysadmin", "sysadmin", None, "系统管理员（演示）"),
)
# The demo operator assists at the kiosk with this sandbox persona's card.
ASSIST_CARD = next(p for p in PERSONAS if p.name == "陈志明")


def create_demo_accounts() -> list[str]:
    """Make the demo accounts unless any staff account exists; return lines
    to print (each password and TOTP secret, shown this once)."""
    if db.session.scalar(sa.select(sa.func.count(staff.StaffAccount.id))):
        return []
    lines = ["demo staff accounts (shown once; TOTP: flask standalone totp NAME):"]
    for username, role, department, name in DEMO_ACCOUNTS:
        password = secrets.token_urlsafe(12)
        account, uri = staff.create_account(
            username,
            display_name=name,
            role=role,
            department_code=department,
            password=password,
            now=utcnow(),
            actor="standalone",
        )
        lines.append(f"  {username:16} {password}  TOTP {pyotp.parse_uri(uri).secret}")
        if role == "operator":
            pin = f"{secrets.randbelow(10**6):06d}"
            while len(set(pin)) == 1 or pin in "0123456789876543210":
                pin = f"{secrets.randbelow(10**6):06d}"
            enrol(
                account,
                id_number=ASSIST_CARD.id_number,
                pin=pin,
                pepper=current_app.extensions["miaopi.card_pepper"],
                now=utcnow(),
            )
            lines.append(
                f"  {'':16} kiosk assist: {ASSIST_CARD.name}'s card, PIN {pin}"
            )
    db.session.commit()
    return lines


def current_totp(username: str) -> str:
    """:raise click.ClickException: outside the standalone demo, or no account."""
    if current_app.config["ROLE"] != "standalone":
        raise click.ClickException("TOTP codes are shown in the standalone demo only")
    account = db.session.scalar(
        sa.select(staff.StaffAccount).filter_by(username=username.strip().lower())
    )
    if account is None:
        raise click.ClickException(f"no account {username}")
    return pyotp.TOTP(account.totp_secret).now()
