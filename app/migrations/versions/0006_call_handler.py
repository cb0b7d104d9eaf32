"""call handler: the operator handling a call, the only one who reads its personal data

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 12:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("call", schema=None) as batch_op:
        batch_op.add_column(sa.Column("handled_by", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_call_handled_by_user", "user", ["handled_by"], ["id"])
    # Calls taken before this revision are handled by the operator who took them.
    call = sa.table(
        "call",
        sa.column("handled_by", sa.Integer()),
        sa.column("created_by", sa.Integer()),
        sa.column("transfer_from_user", sa.Integer()),
    )
    op.execute(
        call.update()
        .where(call.c.transfer_from_user.is_(None))
        .values(handled_by=call.c.created_by)
    )


def downgrade() -> None:
    with op.batch_alter_table("call", schema=None) as batch_op:
        batch_op.drop_constraint("fk_call_handled_by_user", type_="foreignkey")
        batch_op.drop_column("handled_by")
