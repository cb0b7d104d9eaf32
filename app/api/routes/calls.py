"""Calls: intake, lookup, dispatch, referral, status; transfers; the crew's assignment."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from app.api import schemas as s
from app.api import views
from app.api.deps import (
    AssessorDep,
    CrewUser,
    DispatcherDep,
    FacilityUser,
    IntakeDep,
    Operator,
    OperatorOrCrew,
    RegionDep,
    SessionDep,
    SessionReleasingRoute,
    VaultDep,
)
from app.models import CallSource, CallStatus
from app.services import ambulances, call_history, calls, dispatch, records
from routing import Region

router = APIRouter(prefix="/api", tags=["calls"], route_class=SessionReleasingRoute)


def _created(created: calls.CallCreated, region: Region) -> s.CallCreatedOut:
    return s.CallCreatedOut(
        call=views.call_out(created.record, region),
        caller_known=created.caller_known,
        assessment=views.assessment_out(created.assessment, region),
    )


@router.post("/calls", status_code=status.HTTP_201_CREATED)
def create_call(
    body: s.CallCreate, principal: Operator, session: SessionDep, intake: IntakeDep
) -> s.CallCreatedOut:
    """Take an emergency call: stored at once, hospitals ranked, nearest ambulances found."""
    return _created(intake.create_call(session, body, principal), intake.assessor.region)


@router.get("/calls")
def list_calls(
    _principal: Operator,
    session: SessionDep,
    region: RegionDep,
    status_: Annotated[list[CallStatus] | None, Query(alias="status")] = None,
    since: s.Instant | None = None,
    until: s.Instant | None = None,
    district_code: Annotated[str | None, Query(max_length=12, pattern="^[0-9.]*$")] = None,
    source: Annotated[list[CallSource] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: s.Offset = 0,
) -> list[s.CallOut]:
    """List calls, newest first, by status, creation time range, district and source."""
    which = records.CallQuery(status_, since, until, district_code, source=source)
    rows = records.list_calls(session, which, limit=limit, offset=offset)
    return views.calls_out(session, rows, region)


@router.get("/calls/{call_id}")
def get_call(
    call_id: s.RowId, _principal: Operator, session: SessionDep, region: RegionDep
) -> s.CallOut:
    """One call with its verification, dispatch and referral."""
    return views.one_call_out(session, records.get_call(session, call_id), region)


@router.get("/calls/{call_id}/assessment")
def assess_call(
    call_id: s.RowId, _principal: Operator, session: SessionDep, assessor: AssessorDep
) -> s.AssessmentOut:
    """Rank the hospitals and ambulances again for a call, with readiness as of now."""
    call = records.get_call(session, call_id)
    return views.assessment_out(assessor.assess(session, call), assessor.region)


@router.post("/calls/{call_id}/take-over")
def take_over_call(
    call_id: s.RowId, principal: Operator, session: SessionDep, region: RegionDep
) -> s.CallOut:
    """Become the operator handling the call (shift change, a transfer request picked up);
    only the handling operator reads the call's personal data. Audited."""
    call = calls.take_over(session, call_id=call_id, principal=principal)
    return views.one_call_out(session, call, region)


@router.get("/calls/{call_id}/personal")
def personal_data(
    call_id: s.RowId, principal: Operator, session: SessionDep, vault: VaultDep
) -> s.CallPersonalOut:
    """The caller's NIK, name, phone and the address in clear, for the operator handling the
    call (audited); anyone else gets 403 and must take the call over first."""
    data = calls.reveal_personal_data(session, vault, call_id=call_id, principal=principal)
    return s.CallPersonalOut(call_id=call_id, **data.__dict__)


@router.post("/calls/{call_id}/dispatch")
def dispatch_call(
    call_id: s.RowId,
    body: s.DispatchCreate,
    principal: Operator,
    session: SessionDep,
    dispatcher: DispatcherDep,
) -> s.CallOut:
    """Assign an ambulance: the recommended one, or the operator's choice."""
    call = dispatcher.dispatch(
        session, call_id=call_id, ambulance_id=body.ambulance_id, principal=principal
    )
    return views.one_call_out(session, call, dispatcher.assessor.region)


@router.post("/calls/{call_id}/referral")
def refer_call(
    call_id: s.RowId,
    body: s.ReferralCreate,
    principal: Operator,
    session: SessionDep,
    dispatcher: DispatcherDep,
) -> s.CallOut:
    """Choose the destination hospital: the recommended one, or another with a reason."""
    call = dispatcher.refer(
        session,
        call_id=call_id,
        hospital_id=body.hospital_id,
        override_reason=body.override_reason,
        principal=principal,
    )
    return views.one_call_out(session, call, dispatcher.assessor.region)


@router.post("/calls/{call_id}/reassign")
def reassign_call(
    call_id: s.RowId,
    body: s.ReassignCreate,
    principal: Operator,
    session: SessionDep,
    dispatcher: DispatcherDep,
) -> s.CallOut:
    """Give the call another ambulance before the first reaches the scene, with a reason."""
    call = dispatcher.reassign(
        session,
        call_id=call_id,
        ambulance_id=body.ambulance_id,
        reason=body.reason,
        principal=principal,
    )
    return views.one_call_out(session, call, dispatcher.assessor.region)


@router.get("/calls/{call_id}/timeline")
def call_timeline(
    call_id: s.RowId, _principal: Operator, session: SessionDep
) -> list[s.TimelineEntryOut]:
    """Every step of the call, oldest first (from the audit trail), notes included."""
    return [s.TimelineEntryOut(**step.__dict__) for step in call_history.timeline(session, call_id)]


@router.post("/calls/{call_id}/notes", status_code=status.HTTP_201_CREATED)
def add_call_note(
    call_id: s.RowId, body: s.NoteCreate, principal: Operator, session: SessionDep
) -> s.TimelineEntryOut:
    """Add a note to the call's timeline (audited; no personal data, please)."""
    step = call_history.add_note(session, call_id=call_id, text=body.text, principal=principal)
    return s.TimelineEntryOut(**step.__dict__)


@router.post("/calls/{call_id}/status")
def change_status(
    call_id: s.RowId,
    body: s.StatusChange,
    principal: OperatorOrCrew,
    session: SessionDep,
    dispatcher: DispatcherDep,
) -> s.CallOut:
    """Move a call along its lifecycle; an illegal transition answers 409."""
    call = dispatcher.change_status(
        session,
        call_id=call_id,
        status=body.status,
        reason=body.reason,
        principal=principal,
        reason_code=body.reason_code,
    )
    return views.one_call_out(session, call, dispatcher.assessor.region)


@router.post("/transfers", status_code=status.HTTP_201_CREATED)
def create_transfer(
    body: s.TransferCreate, principal: FacilityUser, session: SessionDep, intake: IntakeDep
) -> s.CallCreatedOut:
    """Request an inter-facility transfer from this Puskesmas or clinic's own location."""
    call = body.as_call()
    return _created(intake.create_call(session, call, principal), intake.assessor.region)


@router.get("/transfers")
def list_transfers(
    principal: FacilityUser, session: SessionDep, region: RegionDep
) -> list[s.CallOut]:
    """This facility's own transfer requests, newest first."""
    which = records.CallQuery(transfer_from_user=principal.user_id)
    rows = records.list_calls(session, which)
    return views.calls_out(session, rows, region)


@router.get("/crew/assignment")
def crew_assignment(
    principal: CrewUser, session: SessionDep, region: RegionDep, vault: VaultDep
) -> s.CrewAssignmentOut:
    """The call this crew's ambulance is on, with its address and destination hospital."""
    item = dispatch.crew_assignment(session, principal=principal)
    unit = views.ambulance_out(ambulances.get_ambulance(session, principal.ambulance_id or ""))
    if item is None:
        return s.CrewAssignmentOut(call=None, ambulance=unit)
    out = views.one_call_out(session, item.call, region)
    address = calls.reveal_address_to_crew(session, vault, call=item.call, principal=principal)
    return s.CrewAssignmentOut(call=out, address=address, ambulance=unit)
