"""Staff accounts, their sessions and failed logins.

There are no built-in accounts: every account is made by a person with
``flask staff create`` and gets its own password and TOTP secret.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from govcore.catalog.models import Department
from govcore.db import db
from govcore.staff.roles import Role, parse_roles


class StaffAccount(db.Model):
    __tablename__ = "staff_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(40), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(60))
    # One or more of govcore.staff.roles.Role, space-separated
    # ("administrator auditor"); roles.parse_roles reads it.
    roles: Mapped[str] = mapped_column(sa.String(80))
    # Approvers, supervisors and operators work for one department; auditors,
    # administrators and system administrators for the bureau (no department).
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("department.id"))
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    totp_secret: Mapped[str] = mapped_column(sa.String(64))
    # The last TOTP time step accepted: a code is never accepted twice.
    last_totp_step: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    # Signing in at a kiosk to assist (帮办): the staff member's own ID card,
    # found by a keyed digest of its number, and a six-digit PIN (Argon2id).
    card_digest: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    kiosk_pin_hash: Mapped[str | None] = mapped_column(sa.String(200))

    department: Mapped[Department | None] = relationship()

    @property
    def role_set(self) -> frozenset[Role]:
        return parse_roles(self.roles)


class StaffSession(db.Model):
    __tablename__ = "staff_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    staff_id: Mapped[int] = mapped_column(
        sa.ForeignKey("staff_account.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    idle_seconds: Mapped[int]
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(sa.String(30))

    account: Mapped[StaffAccount] = relationship()

    def deadline(self) -> datetime:
        return min(
            self.expires_at, self.last_seen_at + timedelta(seconds=self.idle_seconds)
        )


class LoginFailure(db.Model):
    """A failed staff login, keyed by a digest of the name tried (known or not)."""

    __tablename__ = "staff_login_failure"

    id: Mapped[int] = mapped_column(primary_key=True)
    username_digest: Mapped[str] = mapped_column(sa.String(64), index=True)
    at: Mapped[datetime] = mapped_column(index=True)
