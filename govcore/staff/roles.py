"""Staff roles and what each may do (权限分离, 等保 8.1.4.2).

The matrix is data: one permission, the roles that hold it. An approver
decides applications of their own department; a supervisor checks the
commitments of their department's approvals afterwards (事后监管); the
bureau's administrator (政数局) keeps the catalogue, the reports and the
terminal fleet; an auditor reads but never decides; a system administrator
manages accounts but sees no applications; an operator assists citizens in
the hall.
"""

from __future__ import annotations

import enum

from govcore.errors import PermissionDeniedError


class Role(enum.StrEnum):
    OPERATOR = "operator"
    APPROVER = "approver"
    SUPERVISOR = "supervisor"
    ADMINISTRATOR = "administrator"
    AUDITOR = "auditor"
    SYSADMIN = "sysadmin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.OPERATOR: "窗口经办人员",
    Role.APPROVER: "审批人员",
    Role.SUPERVISOR: "事后监管人员",
    Role.ADMINISTRATOR: "政数局业务管理员",
    Role.AUDITOR: "审计人员",
    Role.SYSADMIN: "系统管理员",
}

# Roles that belong to one department.
DEPARTMENTAL = frozenset({Role.OPERATOR, Role.APPROVER, Role.SUPERVISOR})

PERMISSIONS: dict[str, frozenset[Role]] = {
    "console.use": frozenset(Role),  # the back office's home page
    "catalogue.read": frozenset(
        {Role.ADMINISTRATOR, Role.APPROVER, Role.SUPERVISOR, Role.AUDITOR}
    ),
    "catalogue.edit": frozenset({Role.ADMINISTRATOR}),
    "reports.read": frozenset({Role.ADMINISTRATOR, Role.AUDITOR}),
    "fleet.read": frozenset({Role.ADMINISTRATOR, Role.OPERATOR, Role.SYSADMIN}),
    "supervision.read": frozenset({Role.SUPERVISOR, Role.AUDITOR}),
    "supervision.decide": frozenset({Role.SUPERVISOR}),
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
