"""Several roles on one account, and the pairs one person may not hold."""

import pytest

from govcore.errors import PermissionDeniedError, ValidationError
from govcore.staff.roles import (
    Role,
    allowed,
    parse_roles,
    require,
    roles_label,
    stored_roles,
)


def test_an_administrator_reads_the_audit_log_only_when_also_auditor() -> None:
    assert not allowed("administrator", "audit.read")
    assert allowed("administrator auditor", "audit.read")
    assert allowed("administrator auditor", "catalogue.edit")
    assert roles_label("auditor administrator") == "政数局业务管理员、审计人员"


@pytest.mark.parametrize(
    "roles",
    [
        "auditor approver",
        "auditor supervisor",
        "auditor operator",
        "approver supervisor",
        "sysadmin administrator",
        "sysadmin auditor",
    ],
)
def test_duties_that_must_stay_apart_are_refused(roles: str) -> None:
    with pytest.raises(ValidationError, match="不得由同一人兼任"):
        parse_roles(roles)


def test_unknown_or_missing_roles_are_refused() -> None:
    with pytest.raises(ValidationError, match="未知角色 'boss'"):
        parse_roles("administrator,boss")
    with pytest.raises(ValidationError, match="至少须有一个角色"):
        parse_roles(" ")


def test_stored_form_is_canonical_and_an_auditor_never_decides() -> None:
    assert stored_roles(parse_roles("auditor,administrator")) == (
        "administrator auditor"
    )
    assert parse_roles(["operator", "approver"]) == {Role.OPERATOR, Role.APPROVER}
    with pytest.raises(PermissionDeniedError, match="审计人员"):
        require("auditor", "review.decide")
