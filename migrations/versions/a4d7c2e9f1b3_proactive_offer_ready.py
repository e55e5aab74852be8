"""proactive offers: ready (decided on the spot) or to be completed

Revision ID: a4d7c2e9f1b3
Revises: 3e6f0b9c5d21
Create Date: 2026-11-29 18:50:00.000000

"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "a4d7c2e9f1b3"
down_revision = "3e6f0b9c5d21"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("proactive_offer", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("ready", sa.Boolean(), server_default=sa.true(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table("proactive_offer", schema=None) as batch_op:
        batch_op.drop_column("ready")
