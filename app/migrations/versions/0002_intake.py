"""intake: hospital readiness state, local registry, call location source,
recommendations, dispatch releases, superseded referrals, caller phone ciphertext

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 02:32:22.002383
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "registryperson",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nik_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("name_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("nik_hash"),
    )
    with op.batch_alter_table("hospital", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("readiness", sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
        )
        batch_op.add_column(
            sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
    with op.batch_alter_table("caller", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "phone_ciphertext", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True
            )
        )
    with op.batch_alter_table("call", schema=None) as batch_op:
        # Calls taken before this revision all had a point.
        batch_op.add_column(
            sa.Column(
                "location_source", sa.String(length=24), nullable=False, server_default="point"
            )
        )
        batch_op.add_column(
            sa.Column(
                "verification_detail",
                sqlmodel.sql.sqltypes.AutoString(length=200),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column(
                "recommended_hospital_id",
                sqlmodel.sql.sqltypes.AutoString(length=80),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column(
                "recommended_ambulance_id",
                sqlmodel.sql.sqltypes.AutoString(length=40),
                nullable=True,
            )
        )
        batch_op.create_foreign_key(
            "fk_call_recommended_hospital", "hospital", ["recommended_hospital_id"], ["id"]
        )
        batch_op.create_foreign_key(
            "fk_call_recommended_ambulance", "ambulance", ["recommended_ambulance_id"], ["id"]
        )
    with op.batch_alter_table("dispatch", schema=None) as batch_op:
        batch_op.add_column(sa.Column("released_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.add_column(sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.drop_column("superseded_at")
    with op.batch_alter_table("dispatch", schema=None) as batch_op:
        batch_op.drop_column("released_at")
    with op.batch_alter_table("call", schema=None) as batch_op:
        batch_op.drop_constraint("fk_call_recommended_ambulance", type_="foreignkey")
        batch_op.drop_constraint("fk_call_recommended_hospital", type_="foreignkey")
        batch_op.drop_column("recommended_ambulance_id")
        batch_op.drop_column("recommended_hospital_id")
        batch_op.drop_column("verification_detail")
        batch_op.drop_column("location_source")
    with op.batch_alter_table("caller", schema=None) as batch_op:
        batch_op.drop_column("phone_ciphertext")
    with op.batch_alter_table("hospital", schema=None) as batch_op:
        batch_op.drop_column("version")
        batch_op.drop_column("readiness")
    op.drop_table("registryperson")
