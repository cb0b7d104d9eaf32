"""Response-time reports: where the minutes of each call went.

A call's steps are taken (``call.created_at``), then the first time it became dispatched, en
route (the crew left), on scene, transporting, at hospital, and handed over (closed from at
hospital); cancelled, when it was. The first time counts: a call sent back to the queue and
dispatched again keeps its first dispatch (the operator's handling time), and a step it skipped
stays empty. The call keeps these times itself, stamped as it moves (``stamp``, in the same
UPDATE as the move) and filled in from the audit log for calls taken before (migration 0019),
so a report reads one table: no Python loop over the calls, no JSON read per question.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, String, func, type_coerce
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from app.models import Ambulance, Call, CallSource, CallStatus, Dispatch, Triage

STEPS = ("dispatched", "en_route", "on_scene", "transporting", "at_hospital")


def stamp(before: CallStatus, after: CallStatus) -> str | None:
    """The step column a move sets, if it is that step's first time: a step's name, handed
    over for at hospital -> closed, cancelled; None for any other move."""
    if after.value in STEPS:
        return f"{after.value}_at"
    if after is CallStatus.CLOSED and before is CallStatus.AT_HOSPITAL:
        return "handed_over_at"
    if after is CallStatus.CANCELLED:
        return "cancelled_at"
    return None


def stamp_values(before: CallStatus, after: CallStatus, at: datetime) -> dict[str, Any]:
    """What a move's UPDATE sets besides the status: the step's time, unless it was set before
    (then the first time stays)."""
    column = stamp(before, after)
    if column is None:
        return {}
    return {column: func.coalesce(getattr(Call, column), at)}


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


def served_by(which: str) -> ColumnElement[Any]:
    """Who served each call: the ``ambulance`` of its last dispatch (the one that went after
    any refusal or reassignment), that ambulance's ``post`` (``steps_query`` joins the
    ambulance), or the ``hospital`` of its last referral."""
    if which == "hospital":
        column = col(Call.receiving_hospital_id)
    else:
        column = col(Call.assigned_ambulance_id if which == "ambulance" else Ambulance.post_id)
    return type_coerce(column, String())


def steps_query(
    since: datetime,
    until: datetime,
    *,
    ordered: bool = True,
    promised: bool = True,
    served: tuple[str, ...] = (),
) -> Select[*tuple[Any, ...]]:
    """The query behind ``call_steps``: a row per call, its columns named as CallSteps'
    (oldest first; ``ordered=False`` where the order does not matter, as in aggregates;
    ``promised=False`` leaves out the ETA promised at dispatch; ``served`` adds who served
    the call, by ``served_by``)."""
    columns: list[ColumnElement[Any]] = [
        col(Call.id).label("call_id"),
        *(
            col(getattr(Call, name)).label(name)
            for name in ("created_at", "status", "category", "triage", "source", "district_code")
        ),
        *(col(getattr(Call, f"{step}_at")).label(f"{step}_at") for step in STEPS),
        col(Call.handed_over_at).label("handed_over_at"),
        col(Call.cancelled_at).label("cancelled_at"),
    ]
    if promised:
        columns.append(
            sa_select(col(Dispatch.eta_s))
            .where(col(Dispatch.call_id) == col(Call.id))
            .order_by(col(Dispatch.id))
            .limit(1)
            .scalar_subquery()
            .label("promised_eta_s")
        )
    columns += [served_by(which).label(which) for which in served]
    query = sa_select(*columns).where(col(Call.created_at) >= since, col(Call.created_at) < until)
    if "post" in served:
        query = query.outerjoin(Ambulance, col(Ambulance.id) == col(Call.assigned_ambulance_id))
    return query.order_by(col(Call.created_at), col(Call.id)) if ordered else query
