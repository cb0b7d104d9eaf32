"""citizens: the public's accounts, one-time codes, the outbox; every call's source

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-29 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

TZ = sa.DateTime(timezone=True)

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "citizen",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("nik_hash", sa.String(length=64), nullable=True),
        sa.Column("nik_masked", sa.String(length=16), nullable=True),
        sa.Column("nik_ciphertext", sa.String(length=300), nullable=True),
        sa.Column("name_ciphertext", sa.String(length=600), nullable=True),
        sa.Column("phone_hash", sa.String(length=64), nullable=True),
        sa.Column("phone_masked", sa.String(length=20), nullable=True),
        sa.Column("phone_ciphertext", sa.String(length=300), nullable=True),
        sa.Column("address_ciphertext", sa.String(length=2000), nullable=True),
        sa.Column("contact_ciphertext", sa.String(length=600), nullable=True),
        sa.Column("phone_confirmed_at", TZ, nullable=True),
        sa.Column("verification", sa.String(length=24), nullable=False),
        sa.Column("verification_at", TZ, nullable=True),
        sa.Column("verification_detail", sa.String(length=200), nullable=True),
        sa.Column("pranks", sa.Integer(), nullable=False),
        sa.Column("suspended_at", TZ, nullable=True),
        sa.Column("deleted_at", TZ, nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_citizen_nik_hash", "citizen", ["nik_hash"])
    op.create_index("ix_citizen_phone_hash", "citizen", ["phone_hash"])
    op.create_table(
        "citizencode",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("citizen_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("used_at", TZ, nullable=True),
        sa.ForeignKeyConstraint(["citizen_id"], ["citizen.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_citizencode_citizen_id", "citizencode", ["citizen_id"])
    op.create_table(
        "outboxmessage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("phone_ciphertext", sa.String(length=300), nullable=False),
        sa.Column("text_ciphertext", sa.String(length=2000), nullable=False),
        sa.Column("attempted_at", TZ, nullable=True),
        sa.Column("sent", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_outboxmessage_created_at", "outboxmessage", ["created_at"])
    with op.batch_alter_table("user") as batch:
        batch.add_column(sa.Column("citizen_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_user_citizen_id_citizen", "citizen", ["citizen_id"], ["id"])
    with op.batch_alter_table("call") as batch:
        batch.add_column(
            sa.Column("source", sa.String(length=24), nullable=False, server_default="phone_119")
        )
        batch.add_column(sa.Column("location_accuracy_m", sa.Float(), nullable=True))
        batch.add_column(sa.Column("citizen_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("prank_at", TZ, nullable=True))
        batch.add_column(sa.Column("prank_reason", sa.String(length=300), nullable=True))
        batch.create_foreign_key("fk_call_citizen_id_citizen", "citizen", ["citizen_id"], ["id"])
        batch.create_index("ix_call_citizen_id", ["citizen_id"])
    # Transfer requests came from facilities: say so.
    op.execute("UPDATE call SET source = 'facility_transfer' WHERE transfer_from_user IS NOT NULL")
    with op.batch_alter_table("call") as batch:
        batch.alter_column("source", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("call") as batch:
        batch.drop_index("ix_call_citizen_id")
        batch.drop_constraint("fk_call_citizen_id_citizen", type_="foreignkey")
        for column in ("prank_reason", "prank_at", "citizen_id", "location_accuracy_m", "source"):
            batch.drop_column(column)
    with op.batch_alter_table("user") as batch:
        batch.drop_constraint("fk_user_citizen_id_citizen", type_="foreignkey")
        batch.drop_column("citizen_id")
    op.drop_table("outboxmessage")
    op.drop_table("citizencode")
    op.drop_table("citizen")
