"""call steps: when each step of a call first happened, who served it (the ambulance of its
last dispatch, the hospital of its last referral), kept on the call for the reports; and
whether a call is synthetic (made up by the history simulator), and why it was cancelled (the
operator's reason code)

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-29 16:10:00

The response-time reports read these instead of working the steps out of the audit log on
every question (2.5 s for 100,000 calls on PostgreSQL). Calls taken before are filled in from
the audit, with the same rule the service now applies as it moves a call: the first time
counts.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)
# Column, and the audited move that sets it: (after, before or None for any).
STEPS = {
    "dispatched_at": ("dispatched", None),
    "en_route_at": ("en_route", None),
    "on_scene_at": ("on_scene", None),
    "transporting_at": ("transporting", None),
    "at_hospital_at": ("at_hospital", None),
    "handed_over_at": ("closed", "at_hospital"),
    "cancelled_at": ("cancelled", None),
}


def upgrade() -> None:
    with op.batch_alter_table("call") as batch:
        for column in STEPS:
            batch.add_column(sa.Column(column, TZ, nullable=True))
        batch.add_column(
            sa.Column("synthetic", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("assigned_ambulance_id", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("receiving_hospital_id", sa.String(length=80), nullable=True))
        batch.add_column(sa.Column("cancel_reason", sa.String(length=24), nullable=True))
        batch.create_foreign_key(
            "fk_call_assigned_ambulance_id_ambulance",
            "ambulance",
            ["assigned_ambulance_id"],
            ["id"],
        )
        batch.create_foreign_key(
            "fk_call_receiving_hospital_id_hospital", "hospital", ["receiving_hospital_id"], ["id"]
        )
    postgres = op.get_bind().dialect.name == "postgresql"

    def field(name: str) -> str:
        return f"detail->>'{name}'" if postgres else f"json_extract(detail, '$.{name}')"

    for column, (after, before) in STEPS.items():
        condition = f"{field('after')} = '{after}'"
        if before is not None:
            condition += f" AND {field('before')} = '{before}'"
        op.execute(
            f"UPDATE call SET {column} = (SELECT MIN(a.at) FROM auditevent a"
            " WHERE a.entity = 'call' AND a.action = 'call.status'"
            f" AND a.entity_id = CAST(call.id AS VARCHAR) AND {condition})"
        )

    op.execute(
        "UPDATE call SET assigned_ambulance_id = (SELECT d.ambulance_id FROM dispatch d"
        " WHERE d.call_id = call.id ORDER BY d.id DESC LIMIT 1),"
        " receiving_hospital_id = (SELECT r.hospital_id FROM referral r"
        " WHERE r.call_id = call.id AND r.superseded_at IS NULL ORDER BY r.id DESC LIMIT 1)"
    )
    op.execute(
        f"UPDATE call SET cancel_reason = (SELECT {field('reason_code')} FROM auditevent a"
        " WHERE a.entity = 'call' AND a.action = 'call.status'"
        f" AND a.entity_id = CAST(call.id AS VARCHAR) AND {field('after')} = 'cancelled'"
        " ORDER BY a.id LIMIT 1) WHERE cancelled_at IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("call") as batch:
        batch.drop_constraint("fk_call_receiving_hospital_id_hospital", type_="foreignkey")
        batch.drop_constraint("fk_call_assigned_ambulance_id_ambulance", type_="foreignkey")
        batch.drop_column("cancel_reason")
        batch.drop_column("receiving_hospital_id")
        batch.drop_column("assigned_ambulance_id")
        batch.drop_column("synthetic")
        for column in reversed(list(STEPS)):
            batch.drop_column(column)
