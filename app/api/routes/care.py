"""The patient record en route: entries from the crew (and operators), read by the receiving
hospital; the handover sheet as PDF."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel

from app.api import schemas as s
from app.api.deps import Allow, ServicesDep, SessionDep, SessionReleasingRoute
from app.models import CareEntry, Role
from app.services import care
from app.services.care_input import CareEntryIn
from app.services.handover import handover_pdf
from app.services.users import Principal

router = APIRouter(prefix="/api", tags=["care"], route_class=SessionReleasingRoute)
# Who may come at all; which call is theirs is the service's to say (a crew's own call, a
# hospital's own incoming patient).
Writer = Annotated[Principal, Depends(Allow(Role.OPERATOR, Role.ADMIN, Role.CREW))]
Reader = Annotated[Principal, Depends(Allow(Role.OPERATOR, Role.ADMIN, Role.CREW, Role.HOSPITAL))]


class CareEntryOut(BaseModel):
    """An entry as stored; ``alarms`` name alarming vital signs (spo2_low, systolic_low,
    gcs_low)."""

    id: int
    kind: str
    recorded_at: datetime
    received_at: datetime
    data: dict[str, Any]
    alarms: list[str]


class RecordedOut(CareEntryOut):
    """An entry stored now, or already stored (``duplicate``: sent again after a dropped link)."""

    duplicate: bool


def _out(row: CareEntry) -> dict[str, Any]:
    return {
        "id": row.id or 0, "kind": row.kind, "recorded_at": row.recorded_at,
        "received_at": row.received_at, "data": row.data, "alarms": row.alarms,
    }  # fmt: skip


@router.post("/calls/{call_id}/care", status_code=201)
def record_care(
    call_id: s.RowId,
    body: CareEntryIn,
    principal: Writer,
    session: SessionDep,
    services: ServicesDep,
) -> RecordedOut:
    """Record vital signs, an intervention (a drug with its dose and route), a re-triage or
    a note, at the time it was taken (the crew of the call, or an operator). The receiving
    hospital's board and the operators get it at once."""
    recorded = care.record(session, services.announcer.sink, call_id, principal, body)
    return RecordedOut(**_out(recorded.entry), duplicate=recorded.duplicate)


@router.get("/calls/{call_id}/care")
def care_record(call_id: s.RowId, principal: Reader, session: SessionDep) -> list[CareEntryOut]:
    """The record en route, oldest first: for the crew of the call, the operators, and the
    hospital the patient goes to."""
    return [CareEntryOut(**_out(row)) for row in care.entries(session, call_id, principal)]


@router.get("/calls/{call_id}/handover.pdf", response_class=Response)
def handover_sheet(call_id: s.RowId, principal: Reader, session: SessionDep) -> Response:
    """The handover sheet (A4 PDF) for the hospital's records: patient summary, the call's
    timeline, vital signs table, interventions, crew and hospital."""
    pdf = handover_pdf(session, call_id, principal)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="serah-terima-{call_id}.pdf"'},
    )
