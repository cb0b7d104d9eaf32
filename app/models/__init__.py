"""The database's tables, vocabularies and column types, named in one place (see ``tables``
for how personal data is kept).
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
