"""care entry: the patient record en route (vital signs, interventions, re-triage, notes)

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 10:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

TZ = sa.DateTime(timezone=True)

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "careentry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("recorded_at", TZ, nullable=False),
        sa.Column("received_at", TZ, nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("alarms", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["call_id"], ["call.id"]),
        sa.ForeignKeyConstraint(["recorded_by"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("call_id", "kind", "recorded_at", name="uq_careentry_time"),
    )
    with op.batch_alter_table("careentry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_careentry_call_id"), ["call_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("careentry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_careentry_call_id"))
    op.drop_table("careentry")
