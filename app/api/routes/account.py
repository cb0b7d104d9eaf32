"""Who the key belongs to: the web pages ask this at login to open the right page."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from app.api.deps import CurrentPrincipal, SessionReleasingRoute

router = APIRouter(prefix="/api", tags=["account"], route_class=SessionReleasingRoute)


class MeOut(BaseModel):
    """The key's user: name, role and what the role is bound to."""

    name: str
    role: str
    hospital_id: str | None
    ambulance_id: str | None
    incidents: list[str]


@router.get("/me")
def me(principal: CurrentPrincipal) -> MeOut:
    """The user this key belongs to."""
    return MeOut(
        name=principal.name,
        role=principal.role.value,
        hospital_id=principal.hospital_id,
        ambulance_id=principal.ambulance_id,
        incidents=[i.value for i in principal.incidents],
    )
