"""Hospitals: their readiness, their records, their incoming patients."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from app.api.schemas.calls import PatientOut
from app.core.types import Code, Count, Flag, Instant, ShortText
from app.models import (
    CallStatus,
    Triage,
)


class BedsValue(BaseModel):
    """Free beds of one kind, when reported, and whether that is too old to trust."""

    free: int
    reported_at: datetime
    stale: bool
    stale_at: datetime  # from then on, rankings pass the hospital over until it reports again


class OnCallOut(BaseModel):
    """The hours a specialist covers (UTC, end excluded)."""

    start: datetime
    end: datetime


class OnCallIn(BaseModel):
    """The hours a specialist covers: from ``start`` until ``end``."""

    start: Instant
    end: Instant


BloodGroup = Annotated[str, Field(pattern=r"^(A|B|AB|O)[+-]$", examples=["O+"])]


class ReadinessOut(BaseModel):
    """A hospital's readiness, every value with its time."""

    beds: dict[str, BedsValue]
    on_diversion: bool
    diversion_reason: str | None
    diversion_since: datetime | None
    diversion_reported_at: datetime | None
    capabilities_down: list[str]
    capabilities_down_reported_at: datetime | None
    on_call: dict[str, OnCallOut] = Field(default_factory=dict)
    on_call_reported_at: datetime | None = None
    on_call_stale: bool = False
    blood_units: dict[str, int] = Field(default_factory=dict)
    blood_reported_at: datetime | None = None
    blood_stale: bool = False
    as_of: datetime | None = None  # the hospital system's time of its last push


class HospitalOut(BaseModel):
    """A hospital with its capabilities and readiness."""

    id: str
    name: str
    hospital_class: str
    lon: float
    lat: float
    capabilities: list[str]
    bed_capacity: dict[str, int]
    address: str
    readiness: ReadinessOut


class ReadinessUpdate(BaseModel):
    """A readiness report: only the values given change."""

    free_beds: dict[Code, Annotated[Count, Field(ge=0, le=5000)]] | None = Field(
        default=None, max_length=20
    )
    on_diversion: Flag | None = None
    diversion_reason: ShortText | None = None
    capabilities_down: list[Code] | None = Field(default=None, max_length=50)
    on_call: dict[Code, OnCallIn] | None = Field(
        default=None,
        max_length=30,
        description="The whole on-call list: each specialist on call with the hours covered "
        "(GET /api/capabilities names them); a specialist left out is not on call.",
    )
    blood_units: dict[BloodGroup, Annotated[Count, Field(ge=0, le=10000)]] | None = Field(
        default=None, max_length=8, description="Units of packed red cells per group."
    )
    as_of: Instant | None = Field(
        default=None,
        description="A hospital system's own time of this state: pushing the same state "
        "again changes nothing; an older one than the last is refused (409).",
    )


class HospitalUpdate(BaseModel):
    """An administrator's correction of a hospital's record."""

    name: ShortText | None = None
    capabilities: list[Code] | None = Field(default=None, max_length=50)
    bed_capacity: dict[Code, Annotated[Count, Field(ge=0, le=5000)]] | None = Field(
        default=None, max_length=20
    )


class IncomingOut(BaseModel):
    """A patient coming to this hospital: what the team needs to be ready at the door."""

    referral_id: int
    call_id: int
    status: CallStatus
    category: str
    triage: Triage
    patient_count: int
    patients: list[PatientOut]
    ambulance_id: str | None
    referred_at: datetime
    acknowledged_at: datetime | None
    answer: Literal["accepted", "declined", "missed"] | None = None
    answer_due_at: datetime | None = None  # answer by then, or the operators are alerted
    answer_reason: str | None = None
