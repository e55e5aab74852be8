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
from collections.abc import Iterable

from govcore.errors import PermissionDeniedError, ValidationError


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
    # 指派: an approver hands an open task to another approver of the department.
    "review.assign": frozenset({Role.APPROVER}),
    # 容缺 queue: operators help applicants at the hall bring what they owe,
    # approvers get the lapsed ones to decide, auditors read. Supervisors check
    # approvals afterwards (事后监管), not acceptance; the bureau's
    # administrator sees only the figures.
    "tolerance.read": frozenset({Role.APPROVER, Role.OPERATOR, Role.AUDITOR}),
    # 数据纠错: approvers forward requests on their department's applications to
    # the source's owner and relay the answer; auditors read.
    "corrections.read": frozenset({Role.APPROVER, Role.AUDITOR}),
    "corrections.handle": frozenset({Role.APPROVER}),
    "document.revoke": frozenset({Role.APPROVER}),
    "audit.read": frozenset({Role.AUDITOR}),
    "staff.manage": frozenset({Role.SYSADMIN}),
}


# Roles one account may not hold together (职责分离): an auditor neither
# decides nor keeps accounts, a supervisor does not check approvals they could
# have made, and whoever keeps the accounts holds no other role (or could give
# themselves any). An administrator who is also an auditor is allowed.
INCOMPATIBLE: tuple[tuple[Role, Role], ...] = (
    (Role.AUDITOR, Role.APPROVER),
    (Role.AUDITOR, Role.SUPERVISOR),
    (Role.AUDITOR, Role.OPERATOR),
    (Role.APPROVER, Role.SUPERVISOR),
    *((Role.SYSADMIN, other) for other in Role if other is not Role.SYSADMIN),
)


def parse_roles(value: str | Iterable[str]) -> frozenset[Role]:
    """The roles of a stored value ("administrator auditor") or a list.

    :raise ValidationError: for an unknown role, none at all, or two roles
        that one person may not hold together.
    """
    names = value.replace(",", " ").split() if isinstance(value, str) else value
    roles: set[Role] = set()
    for name in names:
        try:
            roles.add(Role(name.strip()))
        except ValueError:
            raise ValidationError(
                f"未知角色 {name!r}（可选：{', '.join(r.value for r in Role)}）",
                field="role",
            ) from None
    if not roles:
        raise ValidationError("至少须有一个角色", field="role")
    for one, other in INCOMPATIBLE:
        if one in roles and other in roles:
            raise ValidationError(
                f"{one.label}与{other.label}不得由同一人兼任（职责分离）",
                field="role",
            )
    return frozenset(roles)


def stored_roles(roles: Iterable[Role]) -> str:
    """The column value of a set of roles, in the order of :class:`Role`."""
    return " ".join(r.value for r in Role if r in set(roles))


def roles_label(value: str) -> str:
    return "、".join(r.label for r in Role if r in parse_roles(value))


def allowed(roles: str, permission: str) -> bool:
    """Whether an account with ``roles`` (its stored value) holds ``permission``."""
    return not parse_roles(roles).isdisjoint(PERMISSIONS[permission])


def require(roles: str, permission: str) -> None:
    """:raise PermissionDeniedError: if ``roles`` do not hold ``permission``."""
    if not allowed(roles, permission):
        raise PermissionDeniedError(
            f"您的角色（{roles_label(roles)}）无权进行此操作（{permission}）"
        )
