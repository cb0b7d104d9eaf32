"""Typed messages of the live feeds and the crew websocket (a discriminated union on ``type``).

Feeds carry no personal data: ambulances, calls, triage, category, patient age, sex and
condition; never a NIK, a name, a phone number or an address.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, Strict, TypeAdapter

from tracking.fixes import Fix

Number = Annotated[float, Strict()]  # JSON's numbers only: false is not a longitude


class Position(BaseModel):
    """An ambulance's latest usable position, with its ETA to where it is going."""

    type: Literal["position"] = "position"
    ambulance_id: str
    call_id: int | None
    lon: float
    lat: float
    fix_time: datetime
    speed_mps: float | None = None
    heading_deg: float | None = None
    low_accuracy: bool = False
    destination: Literal["incident", "hospital"] | None = None
    hospital_id: str | None = None
    eta_s: float | None = None
    eta_failed: bool = False  # an error kept the ETA from being worked out: the position holds
    # The call's phase, and when the ambulance reaches the receiving hospital in any phase
    # (estimated before transport: to the scene + the typical time on scene + to hospital).
    phase: Literal["to_scene", "on_scene", "to_hospital", "at_hospital"] | None = None
    hospital_eta_s: float | None = None
    hospital_eta_estimated: bool = False


class StatusChanged(BaseModel):
    """A call moved along its lifecycle (``by_geofence`` when the position decided it)."""

    type: Literal["status"] = "status"
    call_id: int
    ambulance_id: str | None
    hospital_id: str | None
    before: str
    after: str
    by_geofence: bool = False
    at: datetime


class Arrived(BaseModel):
    """An ambulance entered the geofence of the scene or of its hospital."""

    type: Literal["arrived"] = "arrived"
    call_id: int
    ambulance_id: str
    at_place: Literal["scene", "hospital"]
    hospital_id: str | None
    at: datetime


# --- crew websocket ---------------------------------------------------------------------------


class FixIn(BaseModel):
    """One fix as a crew's device sends it: lon, lat (degrees), fix time (ISO 8601 with a
    zone), speed (m/s), heading (degrees), accuracy (m)."""

    lon: Number
    lat: Number
    fix_time: datetime
    speed_mps: Number | None = Field(default=None, ge=0, le=150)
    heading_deg: Number | None = Field(default=None, ge=0, le=360)
    accuracy_m: Number | None = Field(default=None, ge=0, le=100_000)

    def to_fix(self) -> Fix:
        """The fix this message carries."""
        return Fix(**self.model_dump())


class AuthMessage(BaseModel):
    """First message of a client that cannot set headers: its crew key."""

    type: Literal["auth"] = "auth"
    key: str = Field(repr=False)


class FixMessage(BaseModel):
    """One fix, acknowledged by ``seq`` once stored."""

    type: Literal["fix"] = "fix"
    seq: int
    fix: FixIn


class FixBatchMessage(BaseModel):
    """Several fixes (buffered while offline), acknowledged together by ``seq``."""

    type: Literal["fixes"] = "fixes"
    seq: int
    fixes: list[FixIn] = Field(max_length=5000)


CrewMessage = Annotated[AuthMessage | FixMessage | FixBatchMessage, Field(discriminator="type")]
crew_message: TypeAdapter[AuthMessage | FixMessage | FixBatchMessage] = TypeAdapter(CrewMessage)


class Ack(BaseModel):
    """The fixes of message ``seq`` are stored (``stored`` new, ``duplicates`` already were),
    or rejected by reason."""

    type: Literal["ack"] = "ack"
    seq: int
    stored: int
    duplicates: int
    rejected: dict[str, int]


class ErrorMessage(BaseModel):
    """A message that could not be understood; the connection stays open."""

    type: Literal["error"] = "error"
    seq: int | None = None
    detail: str


# --- feeds: calls and referrals ---------------------------------------------------------------


class PatientSummary(BaseModel):
    """What a receiving team needs to know of a patient (no name)."""

    age_years: int | None
    sex: str | None
    condition: str


class Incoming(BaseModel):
    """A patient coming to a hospital: the referral, the call and its ambulance's last position."""

    referral_id: int
    call_id: int
    hospital_id: str
    status: str
    category: str
    triage: str
    patient_count: int
    patients: list[PatientSummary]
    ambulance_id: str | None
    acknowledged_at: datetime | None
    position: Position | None
    position_stale: bool
    # The hospital's answer: None (awaited until answer_due_at), accepted, declined, missed.
    answer: str | None = None
    answer_due_at: datetime | None = None
    answer_reason: str | None = None


class IncidentSummary(BaseModel):
    """An open call as operators and agencies (police, fire) see it: where, what, how bad,
    which ambulance and where it is; no caller, no patient details."""

    call_id: int
    incident: str
    category: str
    triage: str
    status: str
    lon: float | None
    lat: float | None
    district_name: str | None
    patient_count: int
    created_at: datetime
    ambulance_id: str | None
    position: Position | None
    position_stale: bool


class Snapshot(BaseModel):
    """Sent first on every feed connection: everything current, then events follow.

    A hospital gets its incoming patients; operators get every referral and every open call;
    an agency gets the open calls of the incident kinds it follows.
    """

    type: Literal["snapshot"] = "snapshot"
    feed: str
    incoming: list[Incoming]
    calls: list[IncidentSummary] = Field(default_factory=list)
    at: datetime
    position_stale_after_s: float = Field(
        description="A position older than this (s) is shown stale (SATRIA_POSITION_STALE_AFTER_S)."
    )


class CallOpened(BaseModel):
    """A new call (to operators, and to the agencies following its incident kind)."""

    type: Literal["call"] = "call"
    call: IncidentSummary


class ReferralCreated(BaseModel):
    """A patient was referred to a hospital (or re-routed to another)."""

    type: Literal["referral"] = "referral"
    incoming: Incoming
    replaces_hospital_id: str | None = None


class ReferralAcknowledged(BaseModel):
    """The hospital has seen the incoming patient and is getting ready."""

    type: Literal["acknowledged"] = "acknowledged"
    referral_id: int
    call_id: int
    hospital_id: str
    at: datetime


class ReferralAnswered(BaseModel):
    """A hospital accepted or declined a referral, or missed its deadline. Operators also get
    the hospital the patient should go to now (``next_*``) when it declined or missed."""

    type: Literal["referral_answer"] = "referral_answer"
    referral_id: int
    call_id: int
    hospital_id: str
    answer: str  # accepted, declined, missed
    reason: str | None = None  # a code of data/taxonomy/referral_answers.toml; no_answer
    subject: str | None = None  # the bed kind or specialist the reason names
    note: str | None = None
    at: datetime
    next_hospital_id: str | None = None
    next_hospital_name: str | None = None
    next_eta_s: float | None = None


class ReadinessChanged(BaseModel):
    """A hospital reported its readiness: the operators' map shows it again."""

    type: Literal["readiness"] = "readiness"
    hospital_id: str
    at: datetime


class NextAmbulance(BaseModel):
    """The ambulance that could take a call next, and how soon it reaches the scene."""

    ambulance_id: str
    name: str
    eta_s: float


class CrewAnswered(BaseModel):
    """A crew accepted its assignment, or refused it (the call waits again; ``next`` is the
    ambulance the operator can send instead)."""

    type: Literal["crew_answer"] = "crew_answer"
    call_id: int
    ambulance_id: str
    accepted: bool
    reason: str | None = None  # a refusal's code
    note: str | None = None
    next: NextAmbulance | None = None
    at: datetime


class DutyChanged(BaseModel):
    """An ambulance went off duty (with a reason code) or back on duty."""

    type: Literal["duty"] = "duty"
    ambulance_id: str
    on_duty: bool
    reason: str | None = None
    at: datetime


class CareRecorded(BaseModel):
    """An entry of the patient record en route (vitals, an intervention, a re-triage, a
    note), for the operators and the receiving hospital; ``alarms`` name alarming values."""

    type: Literal["care"] = "care"
    call_id: int
    kind: str
    recorded_at: datetime
    data: dict[str, Any]
    alarms: list[str]


class AcknowledgeMessage(BaseModel):
    """Sent by a hospital on its feed to acknowledge an incoming patient."""

    type: Literal["acknowledge"] = "acknowledge"
    referral_id: int = Field(ge=1, le=2_147_483_647)


acknowledge_message: TypeAdapter[AcknowledgeMessage] = TypeAdapter(AcknowledgeMessage)


FeedMessages = (
    Snapshot
    | CallOpened
    | Position
    | StatusChanged
    | Arrived
    | ReferralCreated
    | ReferralAcknowledged
    | ReferralAnswered
    | ReadinessChanged
    | CrewAnswered
    | DutyChanged
    | CareRecorded
)
FeedMessage = Annotated[FeedMessages, Field(discriminator="type")]
feed_message: TypeAdapter[FeedMessages] = TypeAdapter(FeedMessage)
