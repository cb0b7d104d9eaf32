"""referral answer: a hospital accepts or declines a referral, or misses its deadline

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29 13:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

TZ = sa.DateTime(timezone=True)

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("referral") as batch:
        batch.add_column(sa.Column("answer_due_at", TZ, nullable=True))
        batch.add_column(sa.Column("answer", sa.String(length=12), nullable=True))
        batch.add_column(sa.Column("answered_at", TZ, nullable=True))
        batch.add_column(sa.Column("answered_by", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("answer_reason", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("answer_subject", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("answer_note", sa.String(length=500), nullable=True))
        batch.create_foreign_key("fk_referral_answered_by_user", "user", ["answered_by"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("referral") as batch:
        batch.drop_constraint("fk_referral_answered_by_user", type_="foreignkey")
        for column in (
            "answer_note", "answer_subject", "answer_reason", "answered_by", "answered_at",
            "answer", "answer_due_at",
        ):  # fmt: skip
            batch.drop_column(column)
