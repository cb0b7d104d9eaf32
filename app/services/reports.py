"""Response-time reports: where the minutes of each call went.

A call's steps come from what is stored and audited: taken (``call.created_at``), then the first
time it became dispatched, en route (the crew left), on scene, transporting, at hospital, and
handed over (closed from at hospital); cancelled, when it was. The first time counts: a call
sent back to the queue and dispatched again keeps its first dispatch (the operator's handling
time), and a step it skipped stays empty. One grouped query over the audit log does it, the
same on SQLite and PostgreSQL: no Python loop over the calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, String, and_, case, cast, func, type_coerce
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from app.models import AuditEvent, Call, CallSource, CallStatus, Dispatch, Triage
from app.models.columns import UtcDateTime

STEPS = ("dispatched", "en_route", "on_scene", "transporting", "at_hospital")


@dataclass(frozen=True)
class CallSteps:
    """When each step of a call first happened (None: it did not)."""

    call_id: int
    created_at: datetime
    status: CallStatus
    category: str
    triage: Triage
    source: CallSource
    district_code: str | None
    dispatched_at: datetime | None
    en_route_at: datetime | None
    on_scene_at: datetime | None
    transporting_at: datetime | None
    at_hospital_at: datetime | None
    handed_over_at: datetime | None
    cancelled_at: datetime | None
    promised_eta_s: float | None = None  # the ETA given at the first dispatch

    @property
    def eta_error_s(self) -> float | None:
        """How much later (positive) or sooner the first ambulance reached the scene than the
        ETA it was dispatched with."""
        drove = self.seconds("dispatched", "on_scene")
        if drove is None or self.promised_eta_s is None:
            return None
        return drove - self.promised_eta_s

    def seconds(self, start: str, end: str) -> float | None:
        """Seconds from one step to another (``created`` for the call's taking); None when
        either did not happen, or they came out of order."""
        began = self.created_at if start == "created" else getattr(self, f"{start}_at")
        ended = getattr(self, f"{end}_at")
        if began is None or ended is None or ended < began:
            return None
        return float((ended - began).total_seconds())


def call_steps(session: Session, *, since: datetime, until: datetime) -> list[CallSteps]:
    """The steps of every call taken in [since, until), oldest first."""
    query = steps_query(since, until)
    return [CallSteps(**row._asdict()) for row in session.connection().execute(query)]


def steps_query(
    since: datetime, until: datetime, *, ordered: bool = True
) -> Select[*tuple[Any, ...]]:
    """The query behind ``call_steps``: a row per call, its columns named as CallSteps'
    (oldest first; ``ordered=False`` where the order does not matter, as in aggregates)."""
    # Each status move once, its JSON read once (not once per step looked for).
    moves = (
        sa_select(
            col(AuditEvent.entity_id).label("call"),
            col(AuditEvent.at).label("at"),
            AuditEvent.detail["after"].as_string().label("after"),
            AuditEvent.detail["before"].as_string().label("before"),
        )
        .where(col(AuditEvent.entity) == "call", col(AuditEvent.action) == "call.status")
        .subquery("moves")
    )

    def first(condition: ColumnElement[bool]) -> ColumnElement[datetime]:
        # MIN of the matching times; read back through the column type (aware UTC on both).
        return type_coerce(func.min(case((condition, moves.c.at))), UtcDateTime())

    after, before = moves.c.after, moves.c.before
    columns: list[ColumnElement[Any]] = [
        col(Call.id).label("call_id"),
        col(Call.created_at).label("created_at"),
        col(Call.status).label("status"),
        col(Call.category).label("category"),
        col(Call.triage).label("triage"),
        col(Call.source).label("source"),
        col(Call.district_code).label("district_code"),
        *(first(after == step).label(f"{step}_at") for step in STEPS),
        first(and_(after == "closed", before == "at_hospital")).label("handed_over_at"),
        first(after == "cancelled").label("cancelled_at"),
        sa_select(col(Dispatch.eta_s))
        .where(col(Dispatch.call_id) == col(Call.id))
        .order_by(col(Dispatch.id))
        .limit(1)
        .scalar_subquery()
        .label("promised_eta_s"),
    ]
    query = (
        sa_select(*columns)
        .select_from(Call)
        .outerjoin(moves, moves.c.call == cast(col(Call.id), String))
        .where(col(Call.created_at) >= since, col(Call.created_at) < until)
        .group_by(col(Call.id))
    )
    return query.order_by(col(Call.created_at), col(Call.id)) if ordered else query
