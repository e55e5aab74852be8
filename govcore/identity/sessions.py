"""Sessions: opaque bearer tokens bound to a real-name identity.

A token is 256 random bits shown to the client once; only its SHA-256 is
stored, so a database leak gives no usable token. Sessions expire on an idle
timeout and an absolute lifetime, and end at once on logout, on hand-off to a
phone, or when a kiosk card is removed.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from govcore.db import db
from govcore.errors import AuthenticationError
from govcore.identity.ports import Identity


@dataclass(frozen=True)
class SessionPolicy:
    """How long a session lives: idle timeout and absolute lifetime."""

    idle: timedelta
    absolute: timedelta


# Activity is recorded at most this often, so reading does not mean writing.
ACTIVITY_GRANULARITY = timedelta(seconds=5)
MOBILE_POLICY = SessionPolicy(idle=timedelta(hours=2), absolute=timedelta(days=1))
# Shared kiosk: short, as for high-value shared devices (see docs/security).
KIOSK_POLICY = SessionPolicy(
    idle=timedelta(seconds=120), absolute=timedelta(minutes=15)
)


class UserSession(db.Model):
    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    id_number: Mapped[str] = mapped_column(sa.String(18), index=True)
    name: Mapped[str] = mapped_column(sa.String(60))
    provider: Mapped[str] = mapped_column(sa.String(20))
    channel: Mapped[str] = mapped_column(sa.String(16))
    terminal_id: Mapped[str | None] = mapped_column(sa.String(40))
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    idle_seconds: Mapped[int]
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(sa.String(30))

    def deadline(self) -> datetime:
        """When the session ends if nothing else happens."""
        return min(
            self.expires_at, self.last_seen_at + timedelta(seconds=self.idle_seconds)
        )


class UsedLoginCode(db.Model):
    """Digests of one-time login codes already exchanged."""

    __tablename__ = "used_login_code"

    digest: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    used_at: Mapped[datetime]


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(
    identity: Identity,
    *,
    channel: str,
    now: datetime,
    policy: SessionPolicy,
    terminal_id: str | None = None,
) -> tuple[str, UserSession]:
    """Start a session for ``identity``; return the token (shown once) and the row."""
    token = secrets.token_urlsafe(32)
    session = UserSession(
        token_hash=token_digest(token),
        id_number=identity.id_number,
        name=identity.name,
        provider=identity.provider,
        channel=channel,
        terminal_id=terminal_id,
        created_at=now,
        last_seen_at=now,
        idle_seconds=int(policy.idle.total_seconds()),
        expires_at=now + policy.absolute,
    )
    db.session.add(session)
    db.session.flush()
    return token, session


def resolve_session(token: str, *, now: datetime, touch: bool = True) -> UserSession:
    """Return the live session of ``token`` and note the activity (unless
    ``touch`` is False: a screen polling on its own is no sign of a person).

    :raise AuthenticationError: if the token is unknown, ended or expired.
    """
    session = db.session.scalar(
        sa.select(UserSession).where(UserSession.token_hash == token_digest(token))
    )
    if session is None or session.ended_at is not None:
        raise AuthenticationError("登录已失效，请重新登录（session ended）")
    if now >= session.deadline():
        session.ended_at = now
        session.end_reason = "expired"
        db.session.commit()
        raise AuthenticationError("登录已超时，请重新登录（session expired）")
    if touch and now - session.last_seen_at >= ACTIVITY_GRANULARITY:
        session.last_seen_at = now  # written with the request's commit
    return session


def end_session(session: UserSession, *, reason: str, now: datetime) -> None:
    """End ``session`` now; its token never works again."""
    if session.ended_at is None:
        session.ended_at = now
        session.end_reason = reason


def claim_login_code(digest: str, now: datetime) -> bool:
    """Record a login code's digest; return False if it was used before.

    Commits at once, so a code stays used whatever happens to the login after.
    """
    db.session.add(UsedLoginCode(digest=digest, used_at=now))
    try:
        db.session.commit()
    except sa.exc.IntegrityError:
        db.session.rollback()
        return False
    return True
