"""crew answers: a dispatch accepted or refused (with a reason), an ambulance off duty (why,
since when)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 10:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

TZ = sa.DateTime(timezone=True)

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("dispatch", schema=None) as batch_op:
        batch_op.add_column(sa.Column("answered_at", TZ, nullable=True))
        batch_op.add_column(sa.Column("accepted", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("refusal", sa.String(length=40), nullable=True))
    with op.batch_alter_table("ambulance", schema=None) as batch_op:
        batch_op.add_column(sa.Column("off_duty_reason", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("off_duty_since", TZ, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ambulance", schema=None) as batch_op:
        batch_op.drop_column("off_duty_since")
        batch_op.drop_column("off_duty_reason")
    with op.batch_alter_table("dispatch", schema=None) as batch_op:
        batch_op.drop_column("refusal")
        batch_op.drop_column("accepted")
        batch_op.drop_column("answered_at")
