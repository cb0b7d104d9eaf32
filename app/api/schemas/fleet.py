"""Ambulances, users and their keys, registered callers, the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from app.api.schemas.calls import CallOut
from app.core.types import Code, Count, Flag, Lat, Lon, ShortText
from app.models import (
    AmbulanceStatus,
    Incident,
    Role,
)


class AmbulanceOut(BaseModel):
    """An ambulance with its post, crew, status and last known position."""

    id: str
    name: str
    post_id: str
    crew: str
    status: AmbulanceStatus
    lon: float | None
    lat: float | None
    position_at: datetime | None
    off_duty_reason: str | None = None  # a code, when its crew went off duty
    off_duty_since: datetime | None = None


class AmbulanceUpdate(BaseModel):
    """Crew names and whether the ambulance is in service."""

    crew: ShortText | None = None
    in_service: Flag | None = None


class CrewAssignmentOut(BaseModel):
    """The call a crew is on (the referral says where to take the patient), and the address
    the crew must find."""

    call: CallOut | None
    address: str | None = None
    ambulance: AmbulanceOut | None = None  # the crew's own unit: its status, why off duty


class UserCreate(BaseModel):
    """A user and the entity its role is bound to."""

    name: ShortText
    role: Role
    hospital_id: Code | None = None
    ambulance_id: Code | None = None
    facility_lon: Lon | None = None
    facility_lat: Lat | None = None
    incidents: list[Incident] = Field(
        default_factory=list,
        max_length=len(Incident),
        description="Incident kinds an agency (police, fire) follows on its feed.",
    )
    key_days: Count | None = Field(default=None, ge=1, le=3650)


class KeyOut(BaseModel):
    """A new API key: shown in clear this once only."""

    user_id: int
    key_id: int
    key: str
    expires_at: datetime | None


class CallerRegister(BaseModel):
    """A caller registered in advance (NIK and phone), so that the number is recognised."""

    nik: Code | None = None
    phone: Code
    name: ShortText | None = None


class CallerRegistered(BaseModel):
    """The registered caller, masked."""

    caller_id: int
    known_before: bool
    nik_masked: str | None
    phone_masked: str | None


class AuditOut(BaseModel):
    """One audit event."""

    id: int
    at: datetime
    actor_user_id: int | None
    action: str
    entity: str
    entity_id: str
    detail: dict[str, Any]
