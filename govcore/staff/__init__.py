"""Staff: accounts with two-factor login, sessions, roles and permissions."""

from govcore.staff.accounts import (
    MAX_FAILURES,
    STAFF_POLICY,
    create_account,
    login,
    logout,
    resolve_session,
)
from govcore.staff import document_desk, review_desk
from govcore.staff.models import LoginFailure, StaffAccount, StaffSession
from govcore.staff.roles import PERMISSIONS, Role, allowed, require

__all__ = [
    "MAX_FAILURES",
    "PERMISSIONS",
    "STAFF_POLICY",
    "LoginFailure",
    "Role",
    "StaffAccount",
    "StaffSession",
    "allowed",
    "create_account",
    "document_desk",
    "login",
    "logout",
    "require",
    "resolve_session",
    "review_desk",
]
