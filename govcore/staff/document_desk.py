"""Staff actions on issued documents: revocation by the issuing department."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from govcore.certificates import verification
from govcore.certificates.models import ResultDocument
from govcore.db import db
from govcore.errors import NotFoundError
from govcore.staff.models import StaffAccount
from govcore.staff.roles import require


def revoke(
    account: StaffAccount, number: str, *, reason: str, now: datetime
) -> ResultDocument:
    """Revoke a certificate of the account's department; commits.

    :raise NotFoundError: for a number unknown to the department.
    """
    require(account.roles, "document.revoke")
    document = db.session.scalar(
        sa.select(ResultDocument)
        .where(
            ResultDocument.number == number,
            ResultDocument.department_id == account.department_id,
        )
        .with_for_update()
    )
    if document is None:
        raise NotFoundError("文书不存在（document not found）")
    return verification.revoke(
        document, actor=f"staff:{account.id}", reason=reason, now=now
    )
