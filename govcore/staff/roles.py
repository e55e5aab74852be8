"""Staff roles and what each may do (权限分离, 等保 8.1.4.2).

The matrix is data: one permission, the roles that hold it. An approver
decides applications of their own department; an auditor reads but never
decides; a system administrator manages accounts and configuration but sees
no applications; an operator assists citizens in the hall.
"""

from __future__ import annotations

import enum

from govcore.errors import PermissionDeniedError


class Role(enum.StrEnum):
    OPERATOR = "operator"
    APPROVER = "approver"
    AUDITOR = "auditor"
    SYSADMIN = "sysadmin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.OPERATOR: "窗口经办人员",
    Role.APPROVER: "审批人员",
    Role.AUDITOR: "审计人员",
    Role.SYSADMIN: "系统管理员",
}

# Roles that belong to one department.
DEPARTMENTAL = frozenset({Role.OPERATOR, Role.APPROVER})

PERMISSIONS: dict[str, frozenset[Role]] = {
    "review.read": frozenset({Role.APPROVER, Role.AUDITOR}),
    "review.decide": frozenset({Role.APPROVER}),
    "document.revoke": frozenset({Role.APPROVER}),
    "audit.read": frozenset({Role.AUDITOR}),
    "staff.manage": frozenset({Role.SYSADMIN}),
}


def allowed(role: str, permission: str) -> bool:
    return Role(role) in PERMISSIONS[permission]


def require(role: str, permission: str) -> None:
    """:raise PermissionDeniedError: if ``role`` does not hold ``permission``."""
    if not allowed(role, permission):
        raise PermissionDeniedError(
            f"您的角色（{Role(role).label}）无权进行此操作（{permission}）"
        )
