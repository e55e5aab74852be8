"""Staff accounts: creation, login with password and TOTP, and sessions.

A login needs both factors (等保 L3, ASVS 6.3.3): an Argon2id password hash and
a TOTP code (RFC 6238) that is accepted once only. Failed attempts are counted
per name tried, known or not, and answered alike, so the answers tell nothing
about which accounts exist; after ``MAX_FAILURES`` within ``FAILURE_WINDOW`` the
name is throttled until the window passes.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import re
from datetime import datetime, timedelta
from typing import NoReturn

import pyotp
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from govcore import audit
from govcore.catalog.models import Department
from govcore.db import db
from govcore.errors import (
    AuthenticationError,
    ConflictError,
    NotFoundError,
    ThrottledError,
    ValidationError,
)
from govcore.identity.sessions import ACTIVITY_GRANULARITY, SessionPolicy, token_digest
from govcore.staff.models import LoginFailure, StaffAccount, StaffSession
from govcore.staff.roles import DEPARTMENTAL, Role, parse_roles, stored_roles

MAX_FAILURES = 10
FAILURE_WINDOW = timedelta(minutes=5)
STAFF_POLICY = SessionPolicy(idle=timedelta(minutes=15), absolute=timedelta(hours=8))
MIN_PASSWORD_LENGTH = 12
# Names a default or guessed account would have; none may be created.
RESERVED_NAMES = frozenset(
    {"admin", "administrator", "root", "test", "guest", "user", "demo", "sysadmin"}
)
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{2,39}")
TOTP_ISSUER = "龙湖区秒批秒报"
LOGIN_FAILED = "用户名、密码或动态口令不正确（login failed）"

_hasher = PasswordHasher()
# Verified against when the name is unknown, so both cases take as long.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def create_account(
    username: str,
    *,
    display_name: str,
    role: str | list[str],
    department_code: str | None,
    password: str,
    now: datetime,
    actor: str,
) -> tuple[StaffAccount, str]:
    """Create an account; return it and its TOTP provisioning URI (shown once).

    :param role: one role, several ("administrator,auditor") or a list.
    """
    username = username.strip().lower()
    _check_username(username)
    _check_password(password, username)
    roles = parse_roles(role)
    department = _department_for(roles, department_code)
    if db.session.scalar(
        sa.select(StaffAccount.id).where(StaffAccount.username == username)
    ):
        raise ConflictError(f"用户名 {username} 已存在", code="username_taken")
    secret = pyotp.random_base32()
    account = StaffAccount(
        username=username,
        display_name=display_name.strip() or username,
        roles=stored_roles(roles),
        department=department,
        password_hash=_hasher.hash(password),
        totp_secret=secret,
        last_totp_step=0,
        active=True,
        created_at=now,
    )
    db.session.add(account)
    db.session.flush()
    audit.record_event(
        "staff_created",
        actor=actor,
        at=now,
        target=f"staff:{account.id}",
        details={"role": stored_roles(roles), "department": department_code or ""},
    )
    uri = pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=TOTP_ISSUER)
    return account, uri


def _check_username(username: str) -> None:
    if not USERNAME.fullmatch(username):
        raise ValidationError(
            "用户名须为 3-40 位小写字母、数字、点、横线或下划线", field="username"
        )
    if username in RESERVED_NAMES:
        raise ValidationError(
            f"不得使用 {username} 等默认或通用账号名，请使用实名账号", field="username"
        )


def _check_password(password: str, username: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH or username in password.lower():
        raise ValidationError(
            f"密码至少 {MIN_PASSWORD_LENGTH} 位，且不得包含用户名", field="password"
        )


def _department_for(roles: frozenset[Role], code: str | None) -> Department | None:
    departmental = [r for r in Role if r in roles & DEPARTMENTAL]
    if not departmental:
        if code:
            label = "、".join(r.label for r in Role if r in roles)
            raise ValidationError(f"{label}不属于具体部门", field="department")
        return None
    if not code:
        raise ValidationError(
            f"{departmental[0].label}须指定所属部门", field="department"
        )
    department = db.session.scalar(sa.select(Department).where(Department.code == code))
    if department is None:
        raise NotFoundError(f"部门 {code} 不存在")
    return department


def login(
    username: str, password: str, otp: str, *, now: datetime
) -> tuple[str, StaffSession]:
    """Check both factors and open a session; return the token (shown once).

    Commits: a failure is recorded even though the caller gets an error.

    :raise ThrottledError: after too many failures for this name.
    :raise AuthenticationError: for any wrong or missing factor, alike.
    """
    name = username.strip().lower()
    digest = hashlib.sha256(name.encode()).hexdigest()
    check_throttle(digest, now)
    account = db.session.scalar(
        sa.select(StaffAccount).where(StaffAccount.username == name)
    )
    if account is None or not account.active:
        _password_ok(_DUMMY_HASH, password)
        return _fail(digest, None, now)
    if not _password_ok(account.password_hash, password):
        return _fail(digest, account, now)
    step = _otp_step(account, otp, now)
    if step is None:
        return _fail(digest, account, now)
    account.last_totp_step = step
    token = secrets.token_urlsafe(32)
    session = StaffSession(
        token_hash=token_digest(token),
        account=account,
        created_at=now,
        last_seen_at=now,
        idle_seconds=int(STAFF_POLICY.idle.total_seconds()),
        expires_at=now + STAFF_POLICY.absolute,
    )
    db.session.add(session)
    audit.record_event("staff_login", actor=f"staff:{account.id}", at=now)
    db.session.commit()
    return token, session


def check_throttle(digest: str, now: datetime) -> None:
    """:raise ThrottledError: after :data:`MAX_FAILURES` failures recorded
    under ``digest`` within :data:`FAILURE_WINDOW` (audited, committed)."""
    since = now - FAILURE_WINDOW
    failures = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.username_digest == digest, LoginFailure.at > since)
    )
    if failures < MAX_FAILURES:
        return
    audit.record_event(
        "auth_throttled", actor="anonymous", at=now, details={"name": digest[:16]}
    )
    db.session.commit()
    oldest = db.session.scalar(
        sa.select(sa.func.min(LoginFailure.at)).where(
            LoginFailure.username_digest == digest, LoginFailure.at > since
        )
    )
    wait = int((oldest + FAILURE_WINDOW - now).total_seconds()) + 1
    raise ThrottledError(
        "登录失败次数过多，请稍后再试（too many failed logins）",
        retry_after=max(wait, 1),
    )


def _password_ok(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _otp_step(account: StaffAccount, otp: str, now: datetime) -> int | None:
    """The time step ``otp`` belongs to (one step of clock drift either way),
    if it is newer than the last accepted one."""
    otp = otp.strip()
    totp = pyotp.TOTP(account.totp_secret)
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if step > account.last_totp_step and hmac.compare_digest(
            totp.generate_otp(step), otp
        ):
            return step
    return None


def _fail(digest: str, account: StaffAccount | None, now: datetime) -> NoReturn:
    db.session.rollback()
    db.session.add(LoginFailure(username_digest=digest, at=now))
    audit.record_event(
        "auth_failed",
        actor="anonymous",
        at=now,
        target=f"staff:{account.id}" if account else "",
        details={"name": digest[:16]},
    )
    db.session.commit()
    raise AuthenticationError(LOGIN_FAILED, code="login_failed")


def resolve_session(token: str, *, now: datetime) -> StaffSession:
    """The live staff session of ``token``; note the activity.

    :raise AuthenticationError: if the token is unknown, ended or expired, or
        the account was disabled.
    """
    session = db.session.scalar(
        sa.select(StaffSession).where(StaffSession.token_hash == token_digest(token))
    )
    if session is None or session.ended_at is not None or not session.account.active:
        raise AuthenticationError("请先登录（staff session ended）")
    if now >= session.deadline():
        session.ended_at, session.end_reason = now, "expired"
        db.session.commit()
        raise AuthenticationError("登录已超时，请重新登录（staff session expired）")
    if now - session.last_seen_at >= ACTIVITY_GRANULARITY:
        session.last_seen_at = now
    return session


def logout(session: StaffSession, *, now: datetime) -> None:
    if session.ended_at is None:
        session.ended_at, session.end_reason = now, "logout"
        audit.record_event("staff_logout", actor=f"staff:{session.staff_id}", at=now)
    db.session.commit()
