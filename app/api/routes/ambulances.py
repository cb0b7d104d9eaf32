"""Ambulances: the registry with status and crew."""

from __future__ import annotations

from fastapi import APIRouter

from app.api import schemas as s
from app.api import views
from app.api.deps import Operator, SessionDep, SessionReleasingRoute
from app.models import AmbulanceStatus
from app.services import ambulances

router = APIRouter(prefix="/api", tags=["ambulances"], route_class=SessionReleasingRoute)


@router.get("/ambulances")
def list_ambulances(
    _principal: Operator, session: SessionDep, status: AmbulanceStatus | None = None
) -> list[s.AmbulanceOut]:
    """Every ambulance with its post, crew, status and last known position."""
    return [views.ambulance_out(a) for a in ambulances.list_ambulances(session, status=status)]


@router.patch("/ambulances/{ambulance_id}")
def update_ambulance(
    ambulance_id: s.IdInPath, body: s.AmbulanceUpdate, principal: Operator, session: SessionDep
) -> s.AmbulanceOut:
    """Record the crew on board, or take the ambulance out of service and back."""
    row = ambulances.get_ambulance(session, ambulance_id)
    if body.crew is not None:
        row = ambulances.set_crew(
            session, ambulance_id=ambulance_id, crew=body.crew, actor_user_id=principal.user_id
        )
    if body.in_service is not None:
        row = ambulances.set_service_status(
            session,
            ambulance_id=ambulance_id,
            in_service=body.in_service,
            actor_user_id=principal.user_id,
        )
    return views.ambulance_out(row)
