"""Calls: what an operator or a facility sends, and what a call looks like."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.api.schemas.ranking import RankedHospitalOut, RankingOut
from app.core.types import Code, LongText, ShortText
from app.models import (
    CallSource,
    CallStatus,
    Incident,
    LocationSource,
    Triage,
    Verification,
)


class LocationOut(BaseModel):
    """Where the call is."""

    source: LocationSource
    lon: float | None
    lat: float | None
    district_code: str | None
    district_name: str | None


class VerificationOut(BaseModel):
    """The NIK check's outcome."""

    status: Verification
    detail: str | None
    at: datetime | None


class CallerOut(BaseModel):
    """The caller, masked."""

    nik_masked: str | None
    phone_masked: str | None


class PatientOut(BaseModel):
    """A patient's clinical summary (no name)."""

    age_years: int | None
    sex: str | None
    condition: str


class DispatchOut(BaseModel):
    """The ambulance on the call."""

    ambulance_id: str
    assigned_at: datetime
    eta_s: float | None
    recommended: bool
    accepted_at: datetime | None = None  # when its crew accepted the assignment


ReferralAnswer = Literal["accepted", "declined", "missed"]


class ReferralOut(BaseModel):
    """The destination hospital."""

    referral_id: int
    hospital_id: str
    recommended_hospital_id: str | None
    override_reason: str | None
    created_at: datetime
    acknowledged_at: datetime | None
    answer: ReferralAnswer | None = None  # None: not answered yet (see answer_due_at)
    answer_due_at: datetime | None = None
    answered_at: datetime | None = None
    answer_reason: str | None = None  # a decline reason code; no_answer when missed
    answer_subject: str | None = None
    answer_note: str | None = None


class CallOut(BaseModel):
    """An emergency call or a transfer request, as the operators see it."""

    id: int
    status: CallStatus
    created_at: datetime
    status_at: datetime = Field(description="when the current status began")
    updated_at: datetime
    category: str
    incident: Incident
    triage: Triage
    transfer: bool
    source: CallSource = CallSource.PHONE_119
    prank: bool = False  # an operator judged it a prank (audited)
    handled_by: int | None = Field(
        description="user id of the operator handling the call, the only one who reads its "
        "personal data in clear"
    )
    location: LocationOut
    patient_count: int
    patients: list[PatientOut]
    verification: VerificationOut
    caller: CallerOut | None
    recommended_hospital_id: str | None
    recommended_ambulance_id: str | None
    dispatch: DispatchOut | None
    referral: ReferralOut | None


class AmbulanceOptionOut(BaseModel):
    """An available ambulance with its road ETA to the incident (s)."""

    ambulance_id: str
    name: str
    post_id: str
    eta_s: float
    lon: float
    lat: float
    position_at: datetime | None


class BusyAmbulanceOut(BaseModel):
    """A busy ambulance that could take the call once free; every time (s) is an estimate:
    until its patient is handed over, then from that hospital to this incident."""

    ambulance_id: str
    name: str
    call_id: int
    phase: Literal["to_scene", "on_scene", "to_hospital", "at_hospital"] | None
    free_in_s: float | None
    then_to_incident_s: float | None
    reaches_incident_s: float | None


class RecommendedHospitalOut(BaseModel):
    """The recommended hospital; ``fallback`` when none was eligible (phone it first)."""

    hospital: RankedHospitalOut
    fallback: bool


class AssessmentOut(BaseModel):
    """Hospitals ranked and ambulances found, from the call's location, now."""

    location_note: str | None
    recommended_hospital: RecommendedHospitalOut | None
    ambulances: list[AmbulanceOptionOut]
    busy_ambulances: list[BusyAmbulanceOut] = Field(
        description="When no ambulance is available: the busy ones that could come soonest."
    )
    ranking: RankingOut | None


class CallCreatedOut(BaseModel):
    """The stored call with its assessment."""

    call: CallOut
    caller_known: bool
    assessment: AssessmentOut


CancelReason = Literal["prank", "duplicate", "own_transport", "no_longer_needed", "other"]


class StatusChange(BaseModel):
    """A new status for a call (a reason is required to cancel; its code, when given, is
    what the reports count: the free text never leaves the call's timeline)."""

    status: CallStatus
    reason: ShortText | None = None
    reason_code: CancelReason | None = None


class DispatchCreate(BaseModel):
    """Assign an ambulance: omit ``ambulance_id`` to take the recommended one."""

    ambulance_id: Code | None = None


class ReassignCreate(BaseModel):
    """Give the call another ambulance (before the first reaches the scene), with why;
    omit ``ambulance_id`` to take the recommended one."""

    ambulance_id: Code | None = None
    reason: ShortText


class NoteCreate(BaseModel):
    """A note on a call, kept in its timeline."""

    text: LongText


class TimelineEntryOut(BaseModel):
    """One step in a call's life: what happened (a code), when, by whom, with its detail."""

    at: datetime
    action: str
    actor_user_id: int | None
    actor_name: str | None
    detail: dict[str, object]


class ReferralAnswerCreate(BaseModel):
    """A hospital's answer to a referral: accept, or decline with a reason code (GET
    /api/referral-answers/terms lists them) and, as the reason needs, the full bed kind or
    the missing specialist (``subject``) or a note."""

    accept: bool
    reason: Code | None = None
    subject: Code | None = None
    note: ShortText | None = None


class TermOut(BaseModel):
    """A code with its words in English and Bahasa Indonesia."""

    label: str
    label_id: str
    needs: str | None = None


class AnswerTermsOut(BaseModel):
    """The reasons a hospital may decline a referral, and the specialists a decline names."""

    decline_reasons: dict[str, TermOut]
    specialists: dict[str, TermOut]


class ReferralCreate(BaseModel):
    """Choose the hospital: omit ``hospital_id`` for the recommended one; another needs a reason."""

    hospital_id: Code | None = None
    override_reason: ShortText | None = None


class CallPersonalOut(BaseModel):
    """Personal data of a call, in clear, for the operator handling it (audited)."""

    call_id: int
    caller_nik: str | None
    caller_name: str | None
    caller_phone: str | None
    address: str | None
    patient_names: list[str | None]
