"""agencies: the incident kind of a call, and the incident kinds an agency user follows

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("call", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("incident", sa.String(length=24), nullable=False, server_default="medical")
        )
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("incidents", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("incidents")
    with op.batch_alter_table("call", schema=None) as batch_op:
        batch_op.drop_column("incident")
