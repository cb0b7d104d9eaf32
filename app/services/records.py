"""Reading a call's records: the call, its patients, its ambulance and its destination.

Every other call service builds on these; they change nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from app.errors import NotFoundError
from app.models import Call, Caller, CallSource, CallStatus, Dispatch, Patient, Referral
from routing import LonLat, Region


def get_call(session: Session, call_id: int) -> Call:
    """The call; NotFoundError if none."""
    call = session.get(Call, call_id)
    if call is None:
        msg = f"no call {call_id}"
        raise NotFoundError(msg)
    return call


@dataclass(frozen=True)
class CallQuery:
    """Which calls: of these statuses, taken in [since, until), in a district, or a
    facility's transfer requests; None: any."""

    status: list[CallStatus] | None = None
    since: datetime | None = None
    until: datetime | None = None
    district_code: str | None = None
    transfer_from_user: int | None = None
    source: list[CallSource] | None = None


def list_calls(
    session: Session, which: CallQuery, *, limit: int = 100, offset: int = 0
) -> list[Call]:
    """Calls, newest first, filtered by status, creation time range, district and source."""
    status, since, until = which.status, which.since, which.until
    district_code, transfer_from_user = which.district_code, which.transfer_from_user
    query = select(Call)
    if status:
        query = query.where(col(Call.status).in_(status))
    if since is not None:
        query = query.where(col(Call.created_at) >= since)
    if until is not None:
        query = query.where(col(Call.created_at) < until)
    if district_code is not None:
        query = query.where(Call.district_code == district_code)
    if transfer_from_user is not None:
        query = query.where(Call.transfer_from_user == transfer_from_user)
    if which.source:
        query = query.where(col(Call.source).in_(which.source))
    query = query.order_by(col(Call.created_at).desc(), col(Call.id).desc())
    return list(session.exec(query.offset(offset).limit(limit)))


def patients_of(session: Session, call_id: int) -> list[Patient]:
    """The call's patients in the order given."""
    return list(
        session.exec(select(Patient).where(Patient.call_id == call_id).order_by(col(Patient.id)))
    )


def call_point(call: Call, region: Region) -> LonLat | None:
    """Where to route from: the call's point, else its district's centre, else nothing."""
    if call.lon is not None and call.lat is not None:
        return LonLat(call.lon, call.lat)
    district = region.districts.get(call.district_code or "")
    return district.centre if district is not None else None


def active_dispatch(session: Session, call_id: int) -> Dispatch | None:
    """The ambulance currently on this call, if any."""
    return session.exec(
        select(Dispatch).where(Dispatch.call_id == call_id, col(Dispatch.released_at).is_(None))
    ).first()


def last_dispatch(session: Session, call_id: int) -> Dispatch | None:
    """The call's most recent dispatch, released or not (a closed call's ambulance)."""
    return session.exec(
        select(Dispatch).where(Dispatch.call_id == call_id).order_by(col(Dispatch.id).desc())
    ).first()


def active_dispatch_of_ambulance(session: Session, ambulance_id: str) -> Dispatch | None:
    """The dispatch an ambulance is on, if any."""
    return session.exec(
        select(Dispatch).where(
            Dispatch.ambulance_id == ambulance_id, col(Dispatch.released_at).is_(None)
        )
    ).first()


def active_referral(session: Session, call_id: int) -> Referral | None:
    """The hospital this call is going to, if chosen."""
    return session.exec(
        select(Referral).where(Referral.call_id == call_id, col(Referral.superseded_at).is_(None))
    ).first()


def assignments(session: Session, ambulance_ids: list[str]) -> dict[str, tuple[Call, str | None]]:
    """Each of these ambulances' current call and the hospital it goes to (if chosen), in
    one query: the live path asks this for every group of fixes."""
    if not ambulance_ids:
        return {}
    rows = session.exec(
        select(Dispatch.ambulance_id, Call, Referral.hospital_id)
        .join(Call, col(Call.id) == col(Dispatch.call_id))
        .outerjoin(
            Referral,
            (col(Referral.call_id) == col(Call.id)) & col(Referral.superseded_at).is_(None),
        )
        .where(col(Dispatch.ambulance_id).in_(ambulance_ids), col(Dispatch.released_at).is_(None))
    )
    return {ambulance_id: (call, hospital_id) for ambulance_id, call, hospital_id in rows}


@dataclass(frozen=True)
class CallRecord:
    """A call with what is shown beside it: its caller, patients, ambulance, destination."""

    call: Call
    caller: Caller | None
    patients: list[Patient]
    dispatch: Dispatch | None
    referral: Referral | None


def call_records(session: Session, calls: Sequence[Call]) -> list[CallRecord]:
    """The records of many calls in four queries, whatever their number (a console lists
    hundreds), in the order given."""
    ids = [c.id for c in calls if c.id is not None]
    if not ids:
        return [CallRecord(c, None, [], None, None) for c in calls]
    caller_ids = {c.caller_id for c in calls if c.caller_id is not None}
    callers = (
        {c.id: c for c in session.exec(select(Caller).where(col(Caller.id).in_(caller_ids)))}
        if caller_ids
        else {}
    )
    patients: dict[int, list[Patient]] = defaultdict(list)
    for p in session.exec(
        select(Patient).where(col(Patient.call_id).in_(ids)).order_by(col(Patient.id))
    ):
        patients[p.call_id].append(p)
    dispatches = {
        d.call_id: d
        for d in session.exec(
            select(Dispatch).where(
                col(Dispatch.call_id).in_(ids), col(Dispatch.released_at).is_(None)
            )
        )
    }
    referrals = {
        r.call_id: r
        for r in session.exec(
            select(Referral).where(
                col(Referral.call_id).in_(ids), col(Referral.superseded_at).is_(None)
            )
        )
    }
    return [
        CallRecord(
            c,
            callers.get(c.caller_id) if c.caller_id is not None else None,
            patients.get(c.id or 0, []),
            dispatches.get(c.id or 0),
            referrals.get(c.id or 0),
        )
        for c in calls
    ]
