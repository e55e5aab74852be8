"""A terminal's kiosk screen: the card on its reader and the session the
card starts.

The agent reports a card put on the reader; the card's data waits on the
terminal row until the paired screen starts a session with it (then it is
wiped from there) or the card is taken away. A kiosk session is a
:class:`UserSession` of the ``kiosk`` channel bound to the terminal: short
(:data:`KIOSK_POLICY`), and ended at once when the card leaves the reader or
another card is put on it.
"""

from __future__ import annotations

from dataclasses import dataclass
import hashlib
import secrets
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from govcore import audit
from govcore.db import db
from govcore.errors import (
    AuthenticationError,
    ConflictError,
    NotFoundError,
    ValidationError,
)
from govcore.identity.ports import Identity
from govcore.identity.sessions import (
    KIOSK_POLICY,
    UserSession,
    end_session,
    open_session,
    resolve_session,
    token_digest,
)
from govcore.terminals.models import Terminal

# The welcome screen's login QR code lives this long (the page renews it).
LOGIN_CODE_LIFETIME = timedelta(minutes=2)
# A card problem (unreadable card, reader fault) is shown this long.
CARD_PROBLEM_SHOWN = timedelta(seconds=15)
# Elder mode (适老化) doubles the idle timeout.
ELDER_IDLE = KIOSK_POLICY.idle * 2
CARD_FIELDS = (
    "card_type",
    "id_number",
    "name",
    "sex",
    "birth_date",
    "valid_to",
    "nationality",
)
PHONE = "phone"  # the "card" of a person who logged in with the mini-program


# ------------------------------------------------------------ card events


def card_inserted(terminal: Terminal, card: Any, *, now: datetime) -> None:
    """A card was put on the reader: keep its data for the screen, end any
    session of the person before."""
    if not isinstance(card, dict) or not card.get("id_number") or not card.get("name"):
        raise ValidationError("证件数据不完整", field="card")
    terminal.card = {k: _plain(card.get(k)) for k in CARD_FIELDS}
    terminal.card_present = True
    terminal.card_seq += 1
    terminal.card_problem = None
    _end_sessions(terminal, "card_replaced", now)


def card_removed(terminal: Terminal, *, now: datetime) -> None:
    """The card left the reader: its data and its session end at once."""
    terminal.card = None
    terminal.card_present = False
    _end_sessions(terminal, "card_removed", now)


def card_problem(terminal: Terminal, code: str, *, now: datetime) -> None:
    """The reader saw a card it could not read (``code`` from the driver)."""
    terminal.card_problem = str(code)[:40]
    terminal.card_problem_at = now


def _end_sessions(terminal: Terminal, reason: str, now: datetime) -> None:
    for session in db.session.scalars(_live(terminal)):
        end_session(session, reason=reason, now=now)


def _live(terminal: Terminal) -> sa.Select[tuple[UserSession]]:
    return sa.select(UserSession).where(
        UserSession.channel == "kiosk",
        UserSession.terminal_id == terminal.code,
        UserSession.ended_at.is_(None),
    )


# ------------------------------------------------------------ the screen


@dataclass(frozen=True)
class ScreenState:
    """What the screen polls for."""

    card_present: bool
    card_seq: int
    card_waiting: bool  # a card whose session has not started yet
    problem: str | None


def screen_state(terminal: Terminal, *, now: datetime) -> ScreenState:
    recent = (
        terminal.card_problem_at is not None
        and now - terminal.card_problem_at <= CARD_PROBLEM_SHOWN
    )
    return ScreenState(
        card_present=terminal.card_present,
        card_seq=terminal.card_seq,
        card_waiting=terminal.card is not None,
        problem=terminal.card_problem if recent else None,
    )


@dataclass(frozen=True)
class KioskStart:
    token: str  # for the screen's cookie only
    session: UserSession
    card_type: str


def take_card(terminal: Terminal, *, card_seq: int, today: date) -> dict[str, Any]:
    """The data of the card on the reader, wiped from the terminal row.

    :param card_seq: the card the screen saw, so a screen that polled before a
        card change cannot take the next person's card.
    :raise ConflictError: ``no_card`` when that card is gone or taken.
    :raise ValidationError: ``card_expired`` for a card past its validity.
    """
    db.session.refresh(terminal, with_for_update=True)
    card = terminal.card
    present = terminal.card_present or (card or {}).get("via") == PHONE
    if card is None or not present or terminal.card_seq != card_seq:
        raise ConflictError("请将身份证放在读卡区（no card）", code="no_card")
    terminal.card = None
    valid_to = card.get("valid_to")
    if valid_to and date.fromisoformat(valid_to) < today:
        raise ValidationError(
            "证件已过有效期，请使用有效证件或到窗口办理", code="card_expired"
        )
    return card


def start_session(
    terminal: Terminal, *, card_seq: int, now: datetime, today: date
) -> KioskStart:
    """Start the session of the card on the reader (see :func:`take_card`)."""
    card = take_card(terminal, card_seq=card_seq, today=today)
    identity = Identity(
        id_number=card["id_number"],
        name=card["name"],
        provider="idcard",
        subject=card["id_number"],
    )
    token, session = open_session(
        identity,
        channel="kiosk",
        now=now,
        policy=KIOSK_POLICY,
        terminal_id=terminal.code,
    )
    audit.record_event(
        "kiosk_session_started",
        actor=f"terminal:{terminal.code}",
        at=now,
        target=f"session:{session.id}",
        details={"card_type": card.get("card_type")},
    )
    return KioskStart(token, session, str(card.get("card_type") or "resident"))


def kiosk_session(
    token: str, terminal: Terminal, *, now: datetime, touch: bool = True
) -> UserSession:
    """The live kiosk session of ``token`` on ``terminal``, activity noted
    unless ``touch`` is False.

    :raise AuthenticationError: ended, expired, or another terminal's.
    """
    session = resolve_session(token, now=now, touch=touch)
    if session.channel != "kiosk" or session.terminal_id != terminal.code:
        raise AuthenticationError("会话无效（not this terminal's session）")
    return session


def find_session(token: str) -> UserSession | None:
    """The session of ``token`` whatever its state (to tell why it ended)."""
    return db.session.scalar(
        sa.select(UserSession).where(UserSession.token_hash == token_digest(token))
    )


def set_elder_mode(session: UserSession, on: bool) -> None:
    """Elder mode gives more time before the idle timeout."""
    idle = ELDER_IDLE if on else KIOSK_POLICY.idle
    session.idle_seconds = int(idle.total_seconds())


# ------------------------------------------------------------ phone login


def login_code(terminal: Terminal, *, now: datetime) -> str:
    """A new one-time code for the welcome screen's QR (the previous one
    stops working)."""
    code = secrets.token_urlsafe(16)
    terminal.login_code_hash = _digest(code)
    terminal.login_code_expires_at = now + LOGIN_CODE_LIFETIME
    return code


def phone_login(code: str, identity: Identity, *, now: datetime) -> Terminal:
    """The person logged in on the phone scanned a terminal's QR: their
    identity waits on the terminal like a card, for its screen to start the
    session. The code works once.

    :raise NotFoundError: unknown, used or expired code (alike).
    :raise ConflictError: ``terminal_busy`` while someone uses the terminal.
    """
    terminal = db.session.scalar(
        sa.select(Terminal)
        .where(Terminal.login_code_hash == _digest(code or ""))
        .with_for_update()
    )
    if (
        terminal is None
        or terminal.revoked_at is not None
        or terminal.login_code_expires_at is None
        or terminal.login_code_expires_at < now
    ):
        raise NotFoundError("二维码已失效，请扫描终端屏幕上的新二维码（code expired）")
    if terminal.card is not None or db.session.scalar(_live(terminal)) is not None:
        raise ConflictError(
            "终端正在使用中，请稍后再试（terminal busy）", code="terminal_busy"
        )
    terminal.login_code_hash = terminal.login_code_expires_at = None
    terminal.card = {
        "card_type": PHONE,
        "via": PHONE,
        "id_number": identity.id_number,
        "name": identity.name,
    }
    terminal.card_seq += 1
    audit.record_event(
        "kiosk_phone_login",
        actor="applicant",
        at=now,
        target=f"terminal:{terminal.code}",
    )
    return terminal


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def terminal_by_code(code: str) -> Terminal | None:
    return db.session.scalar(
        sa.select(Terminal).where(
            Terminal.code == code.strip().upper(), Terminal.revoked_at.is_(None)
        )
    )


def _plain(value: Any) -> Any:
    return value if value is None or isinstance(value, (str, int, bool)) else str(value)
