"""Registered kiosk terminals, the events they sent and the commands they get."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from govcore.db import db


class Terminal(db.Model):
    __tablename__ = "terminal"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)  # e.g. LH-JX-001
    name: Mapped[str] = mapped_column(sa.String(80))
    location: Mapped[str] = mapped_column(sa.String(80))  # 街道/镇 and the hall
    secret_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_seen_at: Mapped[datetime | None]
    # device name -> {"state", "reasons", "message", "at"}: the latest report
    devices: Mapped[dict[str, Any]]

    # The ID card on the reader, from the agent's card_inserted event, until
    # a kiosk session takes it or the card is removed (then it is wiped).
    card: Mapped[dict[str, Any] | None]
    card_present: Mapped[bool] = mapped_column(default=False)
    card_seq: Mapped[int] = mapped_column(default=0)  # +1 per card put on
    card_problem: Mapped[str | None] = mapped_column(sa.String(40))
    card_problem_at: Mapped[datetime | None]
    # The welcome screen's QR code for logging in with the mini-program
    # instead of a card: the SHA-256 of its one-time code, and its expiry.
    login_code_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    login_code_expires_at: Mapped[datetime | None]


class TerminalEvent(db.Model):
    """An event a terminal sent, kept by its id so a resend changes nothing."""

    __tablename__ = "terminal_event"
    __table_args__ = (sa.UniqueConstraint("terminal_id", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    terminal_id: Mapped[int] = mapped_column(
        sa.ForeignKey("terminal.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[str] = mapped_column(sa.String(64))
    kind: Mapped[str] = mapped_column(sa.String(30))
    sent_at: Mapped[datetime]
    received_at: Mapped[datetime]


class TerminalCommand(db.Model):
    """Work for a terminal (print a document, print a receipt, scan)."""

    __tablename__ = "terminal_command"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True)
    terminal_id: Mapped[int] = mapped_column(
        sa.ForeignKey("terminal.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(30))
    payload: Mapped[dict[str, Any]]  # references only, never personal data
    status: Mapped[str] = mapped_column(sa.String(16), index=True)
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    result: Mapped[dict[str, Any] | None]

    terminal: Mapped[Terminal] = relationship()
