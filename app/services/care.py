"""The patient record en route: the crew records vital signs, interventions, re-triage and
notes as it works; each entry reaches the receiving hospital and the operators within a
second; nobody else sees it. Who may read or write a call's record:

- the crew of the ambulance on the call (write and read),
- the operators (write and read),
- the hospital the patient goes to (read), and no other hospital.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.errors import ConflictError, NotFoundError, PermissionDeniedError
from app.models import CallStatus, CareEntry, Role, Triage, utcnow
from app.services import audit
from app.services.care_input import CareEntryIn, alarms
from app.services.channels import OPERATORS, Published, Sink, hospital_channel
from app.services.records import active_dispatch, active_referral, get_call, last_dispatch
from app.services.users import Principal
from tracking.messages import CareRecorded

OPERATOR_ROLES = (Role.OPERATOR, Role.ADMIN)


@dataclass(frozen=True)
class Recorded:
    """An entry as stored, and whether it was already there (a resent entry)."""

    entry: CareEntry
    duplicate: bool


def _may_read(session: Session, call_id: int, principal: Principal) -> None:
    if principal.role in OPERATOR_ROLES:
        return
    if principal.role is Role.CREW:
        dispatch = active_dispatch(session, call_id) or last_dispatch(session, call_id)
        if dispatch is not None and dispatch.ambulance_id == principal.ambulance_id:
            return
    if principal.role is Role.HOSPITAL:
        referral = active_referral(session, call_id)
        if referral is not None and referral.hospital_id == principal.hospital_id:
            return
    # The same answer as for a call that does not exist: nothing leaks about other patients.
    msg = f"no patient record of call {call_id} for you"
    raise NotFoundError(msg)


def entries(session: Session, call_id: int, principal: Principal) -> list[CareEntry]:
    """A call's record, oldest first."""
    get_call(session, call_id)
    _may_read(session, call_id, principal)
    rows = session.exec(
        select(CareEntry)
        .where(col(CareEntry.call_id) == call_id)
        .order_by(col(CareEntry.recorded_at), col(CareEntry.id))
    )
    return list(rows)


def record(
    session: Session, sink: Sink, call_id: int, principal: Principal, entry: CareEntryIn
) -> Recorded:
    """Store an entry (once: a resent one is answered as a duplicate) and send it to the
    operators and the receiving hospital."""
    call = get_call(session, call_id)
    if principal.role not in (*OPERATOR_ROLES, Role.CREW):
        msg = "only the crew on the call and the operators write its patient record"
        raise PermissionDeniedError(msg)
    _may_read(session, call_id, principal)
    if call.status is CallStatus.CANCELLED:
        msg = f"call {call_id} was cancelled"
        raise ConflictError(msg)
    kind = entry.kind
    data = entry.model_dump(mode="json", include={kind}, exclude_none=True).get(kind)
    row = CareEntry(
        call_id=call_id,
        kind=kind,
        recorded_at=entry.recorded_at,
        recorded_by=principal.user_id,
        data=data if isinstance(data, dict) else {"value": data},
        alarms=alarms(entry.vitals) if entry.vitals is not None else [],
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        same = session.exec(
            select(CareEntry).where(
                col(CareEntry.call_id) == call_id,
                col(CareEntry.kind) == kind,
                col(CareEntry.recorded_at) == entry.recorded_at,
            )
        ).one()
        return Recorded(same, duplicate=True)
    if entry.triage is not None and entry.triage is not call.triage:
        audit.record(
            session, actor_user_id=principal.user_id, action="call.retriaged", entity="call",
            entity_id=call_id, before=call.triage.value, after=entry.triage.value,
        )  # fmt: skip
        call.triage = Triage(entry.triage)
        call.updated_at = utcnow()
        session.add(call)
    session.commit()
    session.refresh(row)
    referral = active_referral(session, call_id)
    channels = (OPERATORS, hospital_channel(referral.hospital_id)) if referral else (OPERATORS,)
    message = CareRecorded(
        call_id=call_id, kind=row.kind, recorded_at=row.recorded_at, data=row.data,
        alarms=row.alarms,
    )  # fmt: skip
    sink([Published(channels, message.model_dump_json())])
    return Recorded(row, duplicate=False)
