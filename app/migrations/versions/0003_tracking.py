"""tracking: stored GPS fixes (unique per ambulance and fix time) and rejection counters

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 03:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "fixrejections",
        sa.Column("ambulance_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("last_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(["ambulance_id"], ["ambulance.id"]),
        sa.PrimaryKeyConstraint("ambulance_id", "reason"),
    )
    op.create_table(
        "gpsfix",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ambulance_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("fix_time", TZ, nullable=False),
        sa.Column("received_at", TZ, nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("speed_mps", sa.Float(), nullable=True),
        sa.Column("heading_deg", sa.Float(), nullable=True),
        sa.Column("accuracy_m", sa.Float(), nullable=True),
        sa.Column("outlier", sa.Boolean(), nullable=False),
        sa.Column("low_accuracy", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["ambulance_id"], ["ambulance.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ambulance_id", "fix_time", name="uq_gpsfix_time"),
    )


def downgrade() -> None:
    op.drop_table("gpsfix")
    op.drop_table("fixrejections")
