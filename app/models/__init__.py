"""Database tables (SQLModel). The same models run on SQLite and PostgreSQL.

Personal data is stored so that a copy of the database does not reveal it: a NIK is kept as a
keyed hash (for lookup) and ciphertext (for the operator handling the call), never in clear.
Table models never leave the API: routes answer with their own public models.
"""

from app.models.columns import TZ, EnumText, UtcDateTime, utcnow
from app.models.enums import (
    AmbulanceStatus,
    CallStatus,
    Incident,
    LocationSource,
    RestrictionKind,
    Role,
    Triage,
    Verification,
)
from app.models.tables import (
    Ambulance,
    ApiKey,
    AuditEvent,
    Call,
    Caller,
    Dispatch,
    FixRejections,
    GpsFix,
    Hospital,
    Installation,
    Patient,
    ReadinessReport,
    Referral,
    RegistryPerson,
    RoadRestriction,
    User,
)

__all__ = [
    "TZ",
    "Ambulance",
    "AmbulanceStatus",
    "ApiKey",
    "AuditEvent",
    "Call",
    "CallStatus",
    "Caller",
    "Dispatch",
    "EnumText",
    "FixRejections",
    "GpsFix",
    "Hospital",
    "Incident",
    "Installation",
    "LocationSource",
    "Patient",
    "ReadinessReport",
    "Referral",
    "RegistryPerson",
    "RestrictionKind",
    "RoadRestriction",
    "Role",
    "Triage",
    "User",
    "UtcDateTime",
    "Verification",
    "utcnow",
]
