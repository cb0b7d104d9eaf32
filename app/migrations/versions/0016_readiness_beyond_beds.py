"""readiness beyond beds: specialists on call and blood in the report history

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-29 13:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("readinessreport") as batch:
        batch.add_column(sa.Column("on_call", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("blood_units", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("as_of", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("readinessreport") as batch:
        batch.drop_column("as_of")
        batch.drop_column("blood_units")
        batch.drop_column("on_call")
