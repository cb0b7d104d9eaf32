"""call status_at: when the current status began (waiting times, time on scene)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

TZ = sa.DateTime(timezone=True)

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("call", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status_at", TZ, nullable=True))
    # The last change is the best guess for calls taken before this column existed.
    op.execute('UPDATE "call" SET status_at = updated_at')
    with op.batch_alter_table("call", schema=None) as batch_op:
        batch_op.alter_column("status_at", existing_type=TZ, nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("call", schema=None) as batch_op:
        batch_op.drop_column("status_at")
