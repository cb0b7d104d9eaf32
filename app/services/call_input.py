"""What an operator or a facility sends to open a call: the API's request bodies, and the
intake's input as they are (validated once, at the door)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from app.core.types import Code, Count, Lat, Lon, LongText, ShortText
from app.models import CallSource, Incident, Triage

# The sources an operator names; an app call and a facility's transfer come by their own routes.
OperatorSource = Literal[
    CallSource.PHONE_119, CallSource.WHATSAPP, CallSource.RADIO, CallSource.WALK_IN
]


class PatientCreate(BaseModel):
    """A patient as described by the caller."""

    name: ShortText | None = None
    age_years: Count | None = Field(default=None, ge=0, le=130)
    sex: Annotated[str, StringConstraints(pattern="^(male|female)$")] | None = None
    condition: LongText = ""


class CallerCreate(BaseModel):
    """Who is calling: a NIK and/or a phone number (both optional: an emergency never waits)."""

    nik: Code | None = None
    phone: Code | None = None
    name: ShortText | None = None


class CallCreate(BaseModel):
    """A new emergency call: where, what, how urgent, who calls, who is hurt."""

    category: Code = Field(description="Emergency category code (GET /api/categories).")
    incident: Incident = Field(
        default=Incident.MEDICAL,
        description="What happened, for police and fire (traffic_accident, fire, ...).",
    )
    triage: Triage
    lon: Lon | None = None
    lat: Lat | None = None
    accuracy_m: float | None = Field(
        default=None, ge=0, le=100_000, description="The point's accuracy (a phone's GPS), m."
    )
    district_code: Code | None = Field(
        default=None, description="Kemendagri district code, e.g. 330226; when no point."
    )
    address: LongText | None = None
    patient_count: Count = Field(default=1, ge=1, le=500)
    patients: list[PatientCreate] = Field(default_factory=list, max_length=50)
    caller: CallerCreate = Field(default_factory=CallerCreate)
    source: OperatorSource = Field(
        default=CallSource.PHONE_119,
        description="Where the call came in: phone_119, whatsapp, radio or walk_in (app calls "
        "and facility transfers have their own routes).",
    )


class TransferCreate(BaseModel):
    """An inter-facility transfer request from a Puskesmas or clinic (its own location)."""

    category: Code
    triage: Triage
    patient_count: Count = Field(default=1, ge=1, le=50)
    patients: list[PatientCreate] = Field(default_factory=list, max_length=50)

    def as_call(self) -> CallCreate:
        """The call this request makes (its point is the facility's own)."""
        return CallCreate(
            category=self.category,
            triage=self.triage,
            patient_count=self.patient_count,
            patients=self.patients,
        )
