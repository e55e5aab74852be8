"""Hall staff signing in at a kiosk to assist (帮办): their own ID card on
the reader, then a six-digit PIN on the screen's keypad.

The card is found by an HMAC of its number keyed with a server secret (the
``pepper``), so the table does not hold staff ID numbers, nor digests that a
list of ID numbers would reverse. Wrong PINs count towards the same throttle
as logins. Only window staff (operators) assist; the applications they help
with record them (``Application.staff_id``).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from govcore import audit
from govcore.db import db
from govcore.errors import AuthenticationError, ValidationError
from govcore.staff.accounts import check_throttle
from govcore.staff.models import LoginFailure, StaffAccount
from govcore.staff.roles import Role
from govcore.validation import InvalidValueError, parse_id_number

PIN = re.compile(r"\d{6}")
ASSISTING_ROLES = frozenset({Role.OPERATOR})
_hasher = PasswordHasher()


def card_digest(id_number: str, pepper: bytes) -> str:
    return hmac.new(
        pepper, id_number.strip().upper().encode(), hashlib.sha256
    ).hexdigest()


def enrol(
    account: StaffAccount, *, id_number: str, pin: str, pepper: bytes, now: datetime
) -> None:
    """Let ``account`` assist at kiosks with this ID card and PIN.

    :raise ValidationError: not an operator, a bad ID number, or a PIN that
        is not six digits or is too simple (all one digit, a straight run).
    """
    if account.role_set.isdisjoint(ASSISTING_ROLES):
        raise ValidationError("只有窗口经办人员可以在自助终端协助办理", field="role")
    try:
        number = parse_id_number(id_number).number
    except InvalidValueError as error:
        raise ValidationError(f"身份证号码有误：{error}", field="id_number") from None
    if not PIN.fullmatch(pin) or len(set(pin)) == 1 or pin in "0123456789876543210":
        raise ValidationError(
            "PIN 须为 6 位数字，且不能是同一数字或顺序数字", field="pin"
        )
    account.card_digest = card_digest(number, pepper)
    account.kiosk_pin_hash = _hasher.hash(pin)
    audit.record_event(
        "staff_kiosk_enrolled", actor="cli", at=now, target=f"staff:{account.id}"
    )


def staff_of_card(id_number: str, pepper: bytes) -> StaffAccount | None:
    """The active assisting staff member whose card this is, if any."""
    account = db.session.scalar(
        sa.select(StaffAccount).where(
            StaffAccount.card_digest == card_digest(id_number, pepper),
            StaffAccount.active.is_(True),
        )
    )
    if account is None or account.role_set.isdisjoint(ASSISTING_ROLES):
        return None
    return account


def check_pin(account: StaffAccount, pin: str, *, now: datetime) -> None:
    """Commits a failure before raising, like a failed login.

    :raise ThrottledError: after too many wrong PINs.
    :raise AuthenticationError: for a wrong PIN.
    """
    digest = hashlib.sha256(f"kiosk-pin:{account.id}".encode()).hexdigest()
    check_throttle(digest, now)
    try:
        ok = account.kiosk_pin_hash is not None and _hasher.verify(
            account.kiosk_pin_hash, pin.strip()
        )
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok:
        db.session.add(LoginFailure(username_digest=digest, at=now))
        audit.record_event(
            "kiosk_pin_failed", actor="anonymous", at=now, target=f"staff:{account.id}"
        )
        db.session.commit()
        raise AuthenticationError("PIN 不正确", code="wrong_pin")
