"""Database tables (SQLModel). The same models run on SQLite and PostgreSQL.

Personal data is stored so that a copy of the database does not reveal it: a NIK is kept as a
keyed hash (for lookup) and ciphertext (for the operator handling the call), never in clear.
Table models never leave the API: routes answer with their own public models.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Index,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from app.models.columns import TZ, EnumText, utcnow
from app.models.enums import (
    AmbulanceStatus,
    CallSource,
    CallStatus,
    Incident,
    LocationSource,
    RestrictionKind,
    Role,
    Triage,
    Verification,
)


class User(SQLModel, table=True):
    """A person or system with API keys; bound to a hospital, an ambulance or a facility."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    role: Role = Field(sa_type=EnumText(Role), index=True)
    hospital_id: str | None = Field(default=None, foreign_key="hospital.id")
    ambulance_id: str | None = Field(default=None, foreign_key="ambulance.id")
    facility_lon: float | None = None
    facility_lat: float | None = None
    # An agency's incident kinds (Incident values): its feed shows those calls only.
    incidents: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=TZ)
    active: bool = True
    citizen_id: int | None = Field(default=None, foreign_key="citizen.id")  # role citizen


class ApiKey(SQLModel, table=True):
    """An API key: a public prefix to find it, a hash to check it; shown in clear once."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    prefix: str = Field(max_length=16, unique=True)
    key_hash: str = Field(max_length=128)
    created_at: datetime = Field(default_factory=utcnow, sa_type=TZ)
    expires_at: datetime | None = Field(default=None, sa_type=TZ)
    revoked_at: datetime | None = Field(default=None, sa_type=TZ)


class Hospital(SQLModel, table=True):
    """A receiving hospital; loaded from the region pack once, then the database rules."""

    id: str = Field(primary_key=True, max_length=80)
    name: str = Field(max_length=200)
    hospital_class: str = Field(default="", max_length=10)
    lon: float
    lat: float
    capabilities: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    bed_capacity: dict[str, int] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    osm_id: str = Field(default="", max_length=40)
    address: str = Field(default="", max_length=300)
    # The current readiness, each value with its time (see services.hospitals); the history
    # is in ReadinessReport. ``version`` grows with every change that a ranking depends on.
    readiness: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    version: int = 0


class ReadinessReport(SQLModel, table=True):
    """One readiness update by a hospital (append-only history); the latest values rule.

    Each field is optional: a report changes only what it names, and each value keeps the
    time of the report that last set it.
    """

    id: int | None = Field(default=None, primary_key=True)
    hospital_id: str = Field(foreign_key="hospital.id", index=True)
    reported_at: datetime = Field(default_factory=utcnow, sa_type=TZ, index=True)
    reported_by: int | None = Field(default=None, foreign_key="user.id")
    free_beds: dict[str, int] | None = Field(default=None, sa_column=Column(JSON))
    on_diversion: bool | None = None
    diversion_reason: str | None = Field(default=None, max_length=300)
    capabilities_down: list[str] | None = Field(default=None, sa_column=Column(JSON))
    # Specialists on call ({code: {"start", "end"}}, the whole list) and blood units per group.
    on_call: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    blood_units: dict[str, int] | None = Field(default=None, sa_column=Column(JSON))
    as_of: datetime | None = Field(default=None, sa_type=TZ)  # a system's own time of the push


class Caller(SQLModel, table=True):
    """A caller known by phone and/or NIK; the NIK is never stored in clear."""

    id: int | None = Field(default=None, primary_key=True)
    phone_hash: str | None = Field(default=None, max_length=64, index=True)
    phone_masked: str | None = Field(default=None, max_length=20)
    phone_ciphertext: str | None = Field(default=None, max_length=300)  # to call back
    nik_hash: str | None = Field(default=None, max_length=64, index=True)
    nik_masked: str | None = Field(default=None, max_length=16)
    nik_ciphertext: str | None = Field(default=None, max_length=300)
    name_ciphertext: str | None = Field(default=None, max_length=600)
    registered_at: datetime = Field(default_factory=utcnow, sa_type=TZ)


class RegistryPerson(SQLModel, table=True):
    """A resident in the local civil registry (offline verification), imported from CSV.

    Only keyed hashes are kept: enough to answer "is this NIK registered, and under this
    name?", not enough for a copy of the database to list anyone's NIK or name.
    """

    id: int | None = Field(default=None, primary_key=True)
    nik_hash: str = Field(max_length=64, unique=True)
    name_hash: str = Field(max_length=64)
    imported_at: datetime = Field(default_factory=utcnow, sa_type=TZ)


class Ambulance(SQLModel, table=True):
    """An ambulance with its base post and crew."""

    id: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=120)
    post_id: str = Field(max_length=80)
    crew: str = Field(default="", max_length=300)
    status: AmbulanceStatus = Field(
        default=AmbulanceStatus.AVAILABLE, sa_type=EnumText(AmbulanceStatus), index=True
    )
    lon: float | None = None
    lat: float | None = None
    position_at: datetime | None = Field(default=None, sa_type=TZ)
    # Why it is out of service, when its crew said so (a code), and since when.
    off_duty_reason: str | None = Field(default=None, max_length=40)
    off_duty_since: datetime | None = Field(default=None, sa_type=TZ)


class Call(SQLModel, table=True):
    """An emergency call or an inter-facility transfer request."""

    __table_args__ = (Index("ix_call_status_created", "status", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=TZ, index=True)
    created_by: int = Field(foreign_key="user.id")
    status: CallStatus = Field(default=CallStatus.RECEIVED, sa_type=EnumText(CallStatus))
    # When the current status began: waiting times, time on scene.
    status_at: datetime = Field(default_factory=utcnow, sa_type=TZ)
    # When each step first happened (None: not yet, or skipped), set as the call moves:
    # the response-time reports read these (app/services/reports.py).
    dispatched_at: datetime | None = Field(default=None, sa_type=TZ)
    en_route_at: datetime | None = Field(default=None, sa_type=TZ)
    on_scene_at: datetime | None = Field(default=None, sa_type=TZ)
    transporting_at: datetime | None = Field(default=None, sa_type=TZ)
    at_hospital_at: datetime | None = Field(default=None, sa_type=TZ)
    handed_over_at: datetime | None = Field(default=None, sa_type=TZ)
    cancelled_at: datetime | None = Field(default=None, sa_type=TZ)
    # Who served it, for the reports: the ambulance of its last dispatch (after a refusal or
    # a reassignment, the one that went), the hospital of its last referral.
    assigned_ambulance_id: str | None = Field(
        default=None, foreign_key="ambulance.id", max_length=40
    )
    receiving_hospital_id: str | None = Field(
        default=None, foreign_key="hospital.id", max_length=80
    )
    cancel_reason: str | None = Field(default=None, max_length=24)  # the operator's code
    category: str = Field(max_length=40)
    incident: Incident = Field(default=Incident.MEDICAL, sa_type=EnumText(Incident))
    triage: Triage = Field(sa_type=EnumText(Triage))
    lon: float | None = None
    lat: float | None = None
    location_source: LocationSource = Field(
        default=LocationSource.POINT, sa_type=EnumText(LocationSource)
    )
    district_code: str | None = Field(default=None, max_length=6, index=True)
    address_ciphertext: str | None = Field(default=None, max_length=2000)
    patient_count: int = Field(default=1, ge=1)
    caller_id: int | None = Field(default=None, foreign_key="caller.id")
    # The name the caller gave on this call (a phone is often shared: the caller's record
    # keeps the name first registered, this call keeps what was said).
    caller_name_ciphertext: str | None = Field(default=None, max_length=600)
    verification: Verification = Field(
        default=Verification.NOT_GIVEN, sa_type=EnumText(Verification)
    )
    verification_at: datetime | None = Field(default=None, sa_type=TZ)
    verification_detail: str | None = Field(default=None, max_length=200)
    recommended_hospital_id: str | None = Field(
        default=None, foreign_key="hospital.id", max_length=80
    )
    recommended_ambulance_id: str | None = Field(
        default=None, foreign_key="ambulance.id", max_length=40
    )
    transfer_from_user: int | None = Field(default=None, foreign_key="user.id")
    source: CallSource = Field(default=CallSource.PHONE_119, sa_type=EnumText(CallSource))
    location_accuracy_m: float | None = None  # a phone's GPS accuracy, when it gave the point
    citizen_id: int | None = Field(default=None, foreign_key="citizen.id", index=True)
    # An operator judged it a prank (audited, with the reason): counted against the account.
    prank_at: datetime | None = Field(default=None, sa_type=TZ)
    prank_reason: str | None = Field(default=None, max_length=300)
    # Made up by the history simulator (``satria simulate --history``): reports say SYNTHETIC.
    synthetic: bool = False
    # The operator handling the call: the only one who reads its personal data in clear.
    # Whoever took the call; another operator takes it over explicitly (audited).
    handled_by: int | None = Field(default=None, foreign_key="user.id")
    updated_at: datetime = Field(default_factory=utcnow, sa_type=TZ)


class Patient(SQLModel, table=True):
    """A patient of a call; name encrypted, clinical summary in clear for the receiving team."""

    id: int | None = Field(default=None, primary_key=True)
    call_id: int = Field(foreign_key="call.id", index=True)
    name_ciphertext: str | None = Field(default=None, max_length=600)
    age_years: int | None = Field(default=None, ge=0, le=130)
    sex: str | None = Field(default=None, max_length=10)
    condition: str = Field(default="", max_length=1000)


class Dispatch(SQLModel, table=True):
    """An ambulance assigned to a call; released when the call closes or is cancelled."""

    id: int | None = Field(default=None, primary_key=True)
    call_id: int = Field(foreign_key="call.id", index=True)
    ambulance_id: str = Field(foreign_key="ambulance.id", index=True)
    assigned_at: datetime = Field(default_factory=utcnow, sa_type=TZ)
    assigned_by: int = Field(foreign_key="user.id")
    recommended: bool
    eta_s: float | None = None
    released_at: datetime | None = Field(default=None, sa_type=TZ)
    # The crew's answer: accepted, or refused with a reason code (the call then waits again).
    answered_at: datetime | None = Field(default=None, sa_type=TZ)
    accepted: bool | None = None
    refusal: str | None = Field(default=None, max_length=40)


class Referral(SQLModel, table=True):
    """The destination hospital of a call; an override of the recommendation needs a reason."""

    id: int | None = Field(default=None, primary_key=True)
    call_id: int = Field(foreign_key="call.id", index=True)
    hospital_id: str = Field(foreign_key="hospital.id", index=True)
    recommended_hospital_id: str | None = Field(default=None, foreign_key="hospital.id")
    override_reason: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=TZ)
    created_by: int = Field(foreign_key="user.id")
    acknowledged_at: datetime | None = Field(default=None, sa_type=TZ)
    acknowledged_by: int | None = Field(default=None, foreign_key="user.id")
    superseded_at: datetime | None = Field(default=None, sa_type=TZ)  # a new referral replaced it
    # The hospital's answer: accepted, declined (with a reason code from
    # data/taxonomy/referral_answers.toml, what it names, a note) or missed (no answer by
    # ``answer_due_at``: the operator was alerted).
    answer_due_at: datetime | None = Field(default=None, sa_type=TZ)
    answer: str | None = Field(default=None, max_length=12)
    answered_at: datetime | None = Field(default=None, sa_type=TZ)
    answered_by: int | None = Field(default=None, foreign_key="user.id")
    answer_reason: str | None = Field(default=None, max_length=40)
    answer_subject: str | None = Field(default=None, max_length=40)
    answer_note: str | None = Field(default=None, max_length=500)


class AuditEvent(SQLModel, table=True):
    """Append-only audit log: who did what to which entity, when; never personal data."""

    # A call's history (timelines, reports) is read by its entity and id.
    __table_args__ = (Index("ix_auditevent_entity_entity_id", "entity", "entity_id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=TZ, index=True)
    actor_user_id: int | None = Field(default=None, foreign_key="user.id")
    action: str = Field(max_length=60, index=True)
    entity: str = Field(max_length=40)
    entity_id: str = Field(max_length=80)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class GpsFix(SQLModel, table=True):
    """A stored GPS fix of an ambulance; unique per (ambulance, fix time), so a replayed or
    backfilled fix is stored once."""

    __table_args__ = (UniqueConstraint("ambulance_id", "fix_time", name="uq_gpsfix_time"),)

    id: int | None = Field(default=None, primary_key=True)
    ambulance_id: str = Field(foreign_key="ambulance.id", max_length=40)
    fix_time: datetime = Field(sa_type=TZ)
    received_at: datetime = Field(default_factory=utcnow, sa_type=TZ)
    lon: float
    lat: float
    speed_mps: float | None = None
    heading_deg: float | None = None
    accuracy_m: float | None = None
    outlier: bool = False  # implied speed impossible: kept, never used for position or ETA
    low_accuracy: bool = False


class FixRejections(SQLModel, table=True):
    """How many fixes of an ambulance were rejected, per reason (visible to operators)."""

    ambulance_id: str = Field(foreign_key="ambulance.id", primary_key=True, max_length=40)
    reason: str = Field(primary_key=True, max_length=24)
    count: int = 0
    last_at: datetime = Field(default_factory=utcnow, sa_type=TZ)


class RoadRestriction(SQLModel, table=True):
    """A closure or slowdown drawn by an operator: a point, line or polygon (GeoJSON), with a
    reason and an expiry; lifted early by hand, or over when it expires."""

    __table_args__ = (Index("ix_roadrestriction_active", "lifted_at", "expires_at"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: RestrictionKind = Field(sa_type=EnumText(RestrictionKind))
    factor: float | None = None  # travel time multiplier of a slowdown (> 1)
    reason: str = Field(max_length=200)
    geometry: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    edge_count: int = Field(ge=0)  # directed road segments covered when it was drawn
    created_at: datetime = Field(default_factory=utcnow, sa_type=TZ)
    created_by: int = Field(foreign_key="user.id")
    expires_at: datetime = Field(sa_type=TZ)
    lifted_at: datetime | None = Field(default=None, sa_type=TZ)
    lifted_by: int | None = Field(default=None, foreign_key="user.id")


class Installation(SQLModel, table=True):
    """A fact about the installation that every process sharing the database must agree on."""

    name: str = Field(primary_key=True, max_length=40)
    value: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=TZ)


class Device(SQLModel, table=True):
    """A phone's tracking identifier (what Traccar Client calls its device identifier),
    bound to one ambulance. The identifier is a secret sent in every request: only its hash
    is kept, as for API keys."""

    id: int | None = Field(default=None, primary_key=True)
    ambulance_id: str = Field(foreign_key="ambulance.id", index=True, max_length=40)
    identifier_hash: str = Field(max_length=128, unique=True)
    label: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=TZ)
    revoked_at: datetime | None = Field(default=None, sa_type=TZ)


class Enrolment(SQLModel, table=True):
    """A one-time code that a crew's phone exchanges for its key (printed as a QR code by an
    administrator); only its hash is kept, and it works once, before it expires."""

    id: int | None = Field(default=None, primary_key=True)
    code_hash: str = Field(max_length=128, unique=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=TZ)
    expires_at: datetime = Field(sa_type=TZ)
    used_at: datetime | None = Field(default=None, sa_type=TZ)


class CareEntry(SQLModel, table=True):
    """One entry of the patient record en route: vital signs, an intervention, a re-triage
    or a note, at the time the crew took it. Unique per call, kind and time, so that an entry
    the phone sends again (after a dropped link) is stored once."""

    __table_args__ = (UniqueConstraint("call_id", "kind", "recorded_at", name="uq_careentry_time"),)

    id: int | None = Field(default=None, primary_key=True)
    call_id: int = Field(foreign_key="call.id", index=True)
    kind: str = Field(max_length=20)
    recorded_at: datetime = Field(sa_type=TZ)
    received_at: datetime = Field(default_factory=utcnow, sa_type=TZ)
    recorded_by: int = Field(foreign_key="user.id")
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    alarms: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
