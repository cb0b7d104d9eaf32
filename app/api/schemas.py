"""Public request and response models: table models never leave the API.

Personal data appears only masked here; the operator handling a call reads it in clear
through its own audited route.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import AfterValidator, AwareDatetime, BaseModel, Field, Strict, StringConstraints

from app.models import (
    AmbulanceStatus,
    CallStatus,
    Incident,
    LocationSource,
    RestrictionKind,
    Role,
    Triage,
    Verification,
)
from routing.ranking import RankedHospital, Ranking

# No control characters in what a client names: none belongs in a name, an address or a code,
# and PostgreSQL cannot store NUL (it would fail the insert, not the request).
ONE_LINE = r"^[^\x00-\x1f\x7f]*$"
LINES = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"  # tabs and line breaks allowed
CODE_LENGTH = 40


def _text(max_length: int, pattern: str = ONE_LINE) -> StringConstraints:
    return StringConstraints(strip_whitespace=True, max_length=max_length, pattern=pattern)


ShortText = Annotated[str, _text(200)]
LongText = Annotated[str, _text(1000, LINES)]
Code = Annotated[str, _text(CODE_LENGTH)]  # an id, a code
# The same, where a route reads it from its path or its query string.
IdInPath = Annotated[str, Path(max_length=CODE_LENGTH, pattern=ONE_LINE)]
CodeInQuery = Annotated[str, Query(max_length=CODE_LENGTH, pattern=ONE_LINE)]
# Numbers and flags a client sends are taken as JSON says them: ``false`` is not a latitude,
# nor "12" a count (pydantic would otherwise coerce them).
Number = Annotated[float, Strict()]
Count = Annotated[int, Strict()]
Flag = Annotated[bool, Strict()]
Lon = Annotated[Number, Field(ge=-180, le=180, description="Longitude, degrees (WGS 84).")]
Lat = Annotated[Number, Field(ge=-90, le=90, description="Latitude, degrees (WGS 84).")]


MAX_ID = 2_147_483_647  # ids are 32-bit integers in PostgreSQL
RowId = Annotated[int, Path(ge=1, le=MAX_ID, description="A stored row's id.")]
MAX_OFFSET = 1_000_000  # paging further than this is a query, not a page
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Rows to skip (paging).")]

# Every date-time a client sends: ISO 8601 with a zone (``2026-11-23T07:30:00+07:00`` or
# ``...Z``), between these bounds. A time without a zone is refused rather than guessed: a
# Jakarta operator and a UTC server would read it seven hours apart.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def _within_bounds(value: datetime) -> datetime:
    try:
        utc = value.astimezone(UTC)
    except OverflowError:  # year 1 at +14:00, year 9999 at -12:00
        utc = None
    if utc is None or not EARLIEST <= utc < LATEST:
        msg = f"must lie between {EARLIEST.year} and {LATEST.year - 1}"
        raise ValueError(msg)
    return utc


Instant = Annotated[
    AwareDatetime,
    AfterValidator(_within_bounds),
    Field(description="ISO 8601 date-time with a zone (e.g. 2026-11-23T07:30:00+07:00)."),
]


class Point(BaseModel):
    """A point, degrees (WGS 84)."""

    lon: Lon
    lat: Lat


class Problem(BaseModel):
    """An error (RFC 9457 problem details)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    field: str | None = None
    errors: list[dict[str, str]] | None = None


# --- ranking --------------------------------------------------------------------------------


class ReasonOut(BaseModel):
    """Why a hospital was passed over."""

    code: str
    message: str
    subject: str | None


class RankedHospitalOut(BaseModel):
    """A hospital with its ETA (s) and road distance (m) from the incident."""

    hospital_id: str
    name: str
    hospital_class: str
    lon: float
    lat: float
    eta_s: float | None
    distance_m: float | None
    reasons: list[ReasonOut]


class RankingOut(BaseModel):
    """Eligible hospitals fastest first, then the passed-over ones with reasons."""

    category: str
    synthetic_region: bool
    eligible: list[RankedHospitalOut]
    passed_over: list[RankedHospitalOut]


def ranked_out(entry: RankedHospital) -> RankedHospitalOut:
    """A ranked hospital for the API (unreachable: null ETA and distance)."""
    finite = entry.eta_s != float("inf")
    return RankedHospitalOut(
        hospital_id=entry.hospital.id,
        name=entry.hospital.name,
        hospital_class=entry.hospital.hospital_class,
        lon=entry.hospital.location.lon,
        lat=entry.hospital.location.lat,
        eta_s=round(entry.eta_s, 1) if finite else None,
        distance_m=round(entry.distance_m, 1) if finite else None,
        reasons=[
            ReasonOut(code=r.code, message=r.message, subject=r.subject) for r in entry.reasons
        ],
    )


def ranking_out(ranking: Ranking, *, synthetic: bool) -> RankingOut:
    """A ranking for the API."""
    return RankingOut(
        category=ranking.category.code,
        synthetic_region=synthetic,
        eligible=[ranked_out(e) for e in ranking.eligible],
        passed_over=[ranked_out(e) for e in ranking.passed_over],
    )


# --- calls ----------------------------------------------------------------------------------


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
    district_code: Code | None = Field(
        default=None, description="Kemendagri district code, e.g. 330226; when no point."
    )
    address: LongText | None = None
    patient_count: Count = Field(default=1, ge=1, le=500)
    patients: list[PatientCreate] = Field(default_factory=list, max_length=50)
    caller: CallerCreate = Field(default_factory=CallerCreate)


class TransferCreate(BaseModel):
    """An inter-facility transfer request from a Puskesmas or clinic (its own location)."""

    category: Code
    triage: Triage
    patient_count: Count = Field(default=1, ge=1, le=50)
    patients: list[PatientCreate] = Field(default_factory=list, max_length=50)


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


class ReferralOut(BaseModel):
    """The destination hospital."""

    referral_id: int
    hospital_id: str
    recommended_hospital_id: str | None
    override_reason: str | None
    created_at: datetime
    acknowledged_at: datetime | None


class CallOut(BaseModel):
    """An emergency call or a transfer request, as the operators see it."""

    id: int
    status: CallStatus
    created_at: datetime
    updated_at: datetime
    category: str
    incident: Incident
    triage: Triage
    transfer: bool
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


class RecommendedHospitalOut(BaseModel):
    """The recommended hospital; ``fallback`` when none was eligible (phone it first)."""

    hospital: RankedHospitalOut
    fallback: bool


class AssessmentOut(BaseModel):
    """Hospitals ranked and ambulances found, from the call's location, now."""

    location_note: str | None
    recommended_hospital: RecommendedHospitalOut | None
    ambulances: list[AmbulanceOptionOut]
    ranking: RankingOut | None


class CallCreatedOut(BaseModel):
    """The stored call with its assessment."""

    call: CallOut
    caller_known: bool
    assessment: AssessmentOut


class StatusChange(BaseModel):
    """A new status for a call (a reason is required to cancel)."""

    status: CallStatus
    reason: ShortText | None = None


class DispatchCreate(BaseModel):
    """Assign an ambulance: omit ``ambulance_id`` to take the recommended one."""

    ambulance_id: Code | None = None


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


# --- hospitals ------------------------------------------------------------------------------


class BedsValue(BaseModel):
    """Free beds of one kind, when reported, and whether that is too old to trust."""

    free: int
    reported_at: datetime
    stale: bool


class ReadinessOut(BaseModel):
    """A hospital's readiness, every value with its time."""

    beds: dict[str, BedsValue]
    on_diversion: bool
    diversion_reason: str | None
    diversion_since: datetime | None
    diversion_reported_at: datetime | None
    capabilities_down: list[str]
    capabilities_down_reported_at: datetime | None


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


# --- ambulances, users, audit ---------------------------------------------------------------


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


class AmbulanceUpdate(BaseModel):
    """Crew names and whether the ambulance is in service."""

    crew: ShortText | None = None
    in_service: Flag | None = None


class CrewAssignmentOut(BaseModel):
    """The call a crew is on (the referral says where to take the patient), and the address
    the crew must find."""

    call: CallOut | None
    address: str | None = None


class UserCreate(BaseModel):
    """A user and the entity its role is bound to."""

    name: ShortText
    role: Role
    hospital_id: Code | None = None
    ambulance_id: Code | None = None
    facility_lon: Lon | None = None
    facility_lat: Lat | None = None
    incidents: list[Incident] = Field(
        default_factory=list, max_length=len(Incident),
        description="Incident kinds an agency (police, fire) follows on its feed.",
    )  # fmt: skip
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


# --- roads -----------------------------------------------------------------------------------


class RestrictionCreate(BaseModel):
    """Close a road (or an area) or slow it down, with a reason and an expiry."""

    kind: RestrictionKind
    geometry: dict[str, Any] = Field(
        description="GeoJSON geometry (lon, lat): a Point (the road nearest to it), a "
        "LineString (the roads along it) or a Polygon (every road entering it).",
        examples=[{"type": "Point", "coordinates": [109.24, -7.42]}],
    )
    factor: Number | None = Field(
        default=None, gt=1, le=20, description="Slowdowns only: travel time multiplier."
    )
    reason: Annotated[str, StringConstraints(min_length=3), _text(200)]
    expires_at: Instant = Field(description="When it ends by itself (within 30 days).")


class RestrictionOut(BaseModel):
    """A closure or slowdown as stored."""

    id: int
    kind: RestrictionKind
    factor: float | None
    reason: str
    geometry: dict[str, Any]
    edge_count: int = Field(description="Directed road segments it covers.")
    created_at: datetime
    created_by: int
    expires_at: datetime
    lifted_at: datetime | None
    active: bool


class RoadConditionsOut(BaseModel):
    """The roads routing uses now."""

    period: str = Field(description="Time-of-day period in force ('free flow' outside them).")
    version: int = Field(description="Routing view version; it grows with every change.")
    restrictions_in_force: int
    closed_edges: int
    tables_recomputed: int = Field(
        description="Tables recomputed to make the current view (those whose fastest paths "
        "the change can alter); 0 when the roads came back to a recent state."
    )
    build_s: float = Field(description="Seconds the current view took to build.")
    profile: list[dict[str, Any]] = Field(description="The time-of-day periods.")


# --- coverage --------------------------------------------------------------------------------


class CoverageBandOut(BaseModel):
    """What lies within one time limit of a hospital that counts."""

    limit_min: int
    area_km2: float
    area_share: float = Field(description="Of the area where a call can be placed.")
    road_km: float
    road_share: float = Field(description="Of the region's road length.")
    population: float | None = Field(description="People within reach (if a grid is given).")
    population_share: float | None
    geometry: dict[str, Any] = Field(description="Isochrone polygon, GeoJSON (simplified).")


class CoverageOut(BaseModel):
    """Coverage of one capability, nearest limit first."""

    capability: str
    synthetic_region: bool
    period: str = Field(description="Time-of-day period of the roads used.")
    view_version: int
    hospital_ids: list[str] = Field(description="The hospitals that count now.")
    excluded: dict[str, str] = Field(description="Capable hospitals that do not count, why.")
    total_area_km2: float
    total_road_km: float
    total_population: float | None
    bands: list[CoverageBandOut]
