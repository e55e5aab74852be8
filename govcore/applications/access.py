"""Who is acting, and which applications they may see.

An application is visible to its applicant (for an organisation: the legal
representative who applied) and to the agent who applies for them. To anyone
else it does not exist: every lookup answers "not found", never "forbidden",
so a guessed id reveals nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from govcore.applications.models import Application, ChannelKind
from govcore.catalog.models import Item, ItemVersion
from govcore.db import db
from govcore.errors import NotFoundError


@dataclass(frozen=True)
class Caller:
    """The person behind a request, as the edge authenticated them.

    :param session_id: the session the request came in, ended on hand-off.
    :param staff_id: the hall staff member assisting at a kiosk or counter.
    """

    id_number: str
    name: str
    channel: ChannelKind
    terminal_id: str | None = None
    staff_id: str | None = None
    session_id: int | None = None


def actor_label(application: Application, caller: Caller) -> str:
    """How a status change records the caller (no personal data)."""
    if caller.staff_id:
        return f"staff:{caller.staff_id}"
    if caller.id_number == application.agent_id_number:
        return "agent"
    return "applicant"


def visible_to(caller: Caller) -> sa.ColumnElement[bool]:
    return sa.or_(
        Application.applicant_id_number == caller.id_number,
        Application.agent_id_number == caller.id_number,
    )


def get_application(public_id: str, caller: Caller) -> Application:
    """Return the caller's application ``public_id``.

    :raise NotFoundError: if there is none, or it is someone else's.
    """
    found = db.session.scalar(
        sa.select(Application).where(
            Application.public_id == public_id, visible_to(caller)
        )
        # Every use of an application reads its item's version, item and
        # department: in the same query.
        .options(
            joinedload(Application.item_version)
            .joinedload(ItemVersion.item)
            .joinedload(Item.department)
        )
    )
    if found is None:
        raise NotFoundError("办件不存在（application not found）")
    return found


def list_applications(caller: Caller) -> list[Application]:
    """The caller's applications, newest first."""
    return list(
        db.session.scalars(
            sa.select(Application)
            .where(visible_to(caller))
            .order_by(Application.created_at.desc(), Application.id.desc())
        )
    )
