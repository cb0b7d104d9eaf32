"""audit by entity: a call's history (its timeline, the reports) read by an index

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-29 14:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_auditevent_entity_entity_id", "auditevent", ["entity", "entity_id"])


def downgrade() -> None:
    op.drop_index("ix_auditevent_entity_entity_id", table_name="auditevent")
