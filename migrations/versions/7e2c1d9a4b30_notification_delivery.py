"""notification delivery: channels, attempts, inbox

Revision ID: 7e2c1d9a4b30
Revises: 552cc5d1f8b6
Create Date: 2026-11-29 04:55:00.000000

"""

from alembic import op
import sqlalchemy as sa

import govcore.db

# revision identifiers, used by Alembic.
revision = "7e2c1d9a4b30"
down_revision = "552cc5d1f8b6"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "miniprogram_subscriber",
        sa.Column("id_number", sa.String(length=18), nullable=False),
        sa.Column("openid", sa.String(length=64), nullable=False),
        sa.Column("updated_at", govcore.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id_number", name=op.f("pk_miniprogram_subscriber")),
    )
    with op.batch_alter_table("miniprogram_subscriber", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_miniprogram_subscriber_openid"), ["openid"], unique=False
        )

    op.create_table(
        "inbox_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=40), nullable=False),
        sa.Column("body", sa.String(length=300), nullable=False),
        sa.Column("application_public_id", sa.String(length=32), nullable=True),
        sa.Column("offer_public_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", govcore.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", govcore.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["outbox_message.id"],
            name=op.f("fk_inbox_item_message_id_outbox_message"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_item")),
        sa.UniqueConstraint("message_id", name=op.f("uq_inbox_item_message_id")),
        sa.UniqueConstraint("public_id", name=op.f("uq_inbox_item_public_id")),
    )
    with op.batch_alter_table("inbox_item", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inbox_item_id_number"), ["id_number"], unique=False
        )

    op.create_table(
        "notification_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "sending",
                "sent",
                "failed",
                "dead",
                "skipped",
                name="deliverystatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column(
            "next_attempt_at", govcore.db.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("claimed_at", govcore.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=80), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=False),
        sa.Column("provider_ref", sa.String(length=80), nullable=True),
        sa.Column("sent_at", govcore.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", govcore.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", govcore.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["outbox_message.id"],
            name=op.f("fk_notification_delivery_message_id_outbox_message"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_delivery")),
        sa.UniqueConstraint(
            "message_id",
            "channel",
            name=op.f("uq_notification_delivery_message_id_channel"),
        ),
    )
    with op.batch_alter_table("notification_delivery", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notification_delivery_due", ["status", "next_attempt_at"], unique=False
        )

    # Existing messages get an event id and a recipient before the column
    # becomes NOT NULL; they are delivered by the first worker run.
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("event_id", sa.String(length=120), nullable=True))
        batch_op.add_column(
            sa.Column("recipient_id_number", sa.String(length=18), nullable=True)
        )
    _backfill_outbox()
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.alter_column(
            "event_id", existing_type=sa.String(length=120), nullable=False
        )
        batch_op.create_index(
            batch_op.f("ix_outbox_message_recipient_id_number"),
            ["recipient_id_number"],
            unique=False,
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_outbox_message_event_id"), ["event_id"]
        )


def _backfill_outbox():
    outbox = sa.table(
        "outbox_message",
        sa.column("id", sa.Integer),
        sa.column("event_id", sa.String),
        sa.column("application_id", sa.Integer),
        sa.column("recipient_id_number", sa.String),
        sa.column("payload", sa.JSON),
    )
    application = sa.table(
        "application",
        sa.column("id", sa.Integer),
        sa.column("applicant_id_number", sa.String),
        sa.column("agent_id_number", sa.String),
    )
    offer = sa.table(
        "proactive_offer",
        sa.column("public_id", sa.String),
        sa.column("id_number", sa.String),
    )
    bind = op.get_bind()
    bind.execute(
        sa.update(outbox).values(
            event_id=sa.literal("legacy:") + sa.cast(outbox.c.id, sa.String)
        )
    )
    acting = (
        sa.select(
            sa.func.coalesce(
                application.c.agent_id_number, application.c.applicant_id_number
            )
        )
        .where(application.c.id == outbox.c.application_id)
        .scalar_subquery()
    )
    bind.execute(
        sa.update(outbox)
        .where(outbox.c.application_id.is_not(None))
        .values(recipient_id_number=acting)
    )
    rows = bind.execute(
        sa.select(outbox.c.id, outbox.c.payload).where(
            outbox.c.application_id.is_(None)
        )
    ).all()
    for message_id, payload in rows:
        offer_id = (payload or {}).get("offer")
        recipient = bind.scalar(
            sa.select(offer.c.id_number).where(offer.c.public_id == offer_id)
        )
        if recipient:
            bind.execute(
                sa.update(outbox)
                .where(outbox.c.id == message_id)
                .values(recipient_id_number=recipient)
            )


def downgrade():
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_outbox_message_event_id"), type_="unique"
        )
        batch_op.drop_index(batch_op.f("ix_outbox_message_recipient_id_number"))
        batch_op.drop_column("recipient_id_number")
        batch_op.drop_column("event_id")

    with op.batch_alter_table("notification_delivery", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_delivery_due")

    op.drop_table("notification_delivery")
    with op.batch_alter_table("inbox_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbox_item_id_number"))

    op.drop_table("inbox_item")
    with op.batch_alter_table("miniprogram_subscriber", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_miniprogram_subscriber_openid"))

    op.drop_table("miniprogram_subscriber")
