"""The standalone demo's staff accounts: one per role, credentials printed
once, and they work at the console."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import Flask

from govcore.db import db
from govcore.staff import StaffAccount
from govcore.staff.kiosk_assist import staff_of_card
from tests.admin.test_console import csrf
from webapp.demo_staff import ASSIST_CARD, DEMO_ACCOUNTS, create_demo_accounts


def test_demo_accounts_are_made_once_and_log_in(world: Flask, client) -> None:
    with world.app_context():
        lines = create_demo_accounts()
        assert create_demo_accounts() == []  # never twice, never overwritten
        roles = set(db.session.scalars(sa.select(StaffAccount.roles)))
        assert roles == {role for _, role, _, _ in DEMO_ACCOUNTS}
        operator = staff_of_card(
            ASSIST_CARD.id_number, world.extensions["miaopi.card_pepper"]
        )
        assert operator is not None and operator.username == "demo.operator"
    text = "\n".join(lines)
    password = re.search(r"demo\.approver\s+(\S+)\s+TOTP", text).group(1)
    assert re.search(r"kiosk assist: 陈志明's card, PIN \d{6}", text)
    world.config["ROLE"] = "standalone"  # `flask standalone totp` is demo-only
    otp = world.test_cli_runner().invoke(args=["standalone", "totp", "demo.approver"])
    assert otp.exit_code == 0 and re.fullmatch(r"\d{6}\n", otp.output)
    response = client.post(
        "/admin/login",
        data={
            "username": "demo.approver",
            "password": password,
            "otp": otp.output.strip(),
            "csrf_token": csrf(client),
        },
    )
    assert response.status_code == 302 and response.location == "/admin/"


def test_totp_codes_are_not_shown_outside_the_demo(world: Flask) -> None:
    with world.app_context():
        create_demo_accounts()
    result = world.test_cli_runner().invoke(args=["standalone", "totp", "demo.admin"])
    assert result.exit_code != 0 and "standalone demo only" in result.output
