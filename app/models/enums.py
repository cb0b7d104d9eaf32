"""The domain's closed vocabularies, stored as text."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """Who a key belongs to; routes check the role and the bound entity."""

    OPERATOR = "operator"
    CREW = "crew"
    HOSPITAL = "hospital"
    HOSPITAL_SYSTEM = "hospital-system"  # a hospital's own information system, pushing readiness
    FACILITY = "facility"  # a Puskesmas or clinic sending inter-facility transfers
    AGENCY = "agency"  # police, fire
    CITIZEN = "citizen"  # a member of the public, registered in the app with a NIK
    HEALTH_OFFICE = "health-office"  # the district health office (Dinkes): reports, read only
    ADMIN = "admin"


class CallStatus(StrEnum):
    """Lifecycle of an emergency call."""

    RECEIVED = "received"
    DISPATCHED = "dispatched"
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    TRANSPORTING = "transporting"
    AT_HOSPITAL = "at_hospital"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class Incident(StrEnum):
    """What happened, as police and fire see it (the clinical category is separate): an
    agency follows the incident kinds that concern it."""

    MEDICAL = "medical"  # illness at home or in public: no other service needed
    TRAFFIC_ACCIDENT = "traffic_accident"
    FIRE = "fire"
    VIOLENCE = "violence"
    DROWNING = "drowning"
    DISASTER = "disaster"  # flood, landslide, earthquake
    INDUSTRIAL = "industrial"
    OTHER = "other"


class Triage(StrEnum):
    """SPGDT triage colours."""

    MERAH = "merah"
    KUNING = "kuning"
    HIJAU = "hijau"
    HITAM = "hitam"


class Verification(StrEnum):
    """Outcome of checking the caller's NIK against the civil registry."""

    PENDING = "pending"
    VERIFIED = "verified"
    NOT_FOUND = "not_found"
    MISMATCH = "data_mismatch"
    UNAVAILABLE = "registry_unavailable"
    INVALID = "invalid_nik"
    NOT_GIVEN = "not_given"


class AmbulanceStatus(StrEnum):
    """Availability of an ambulance."""

    AVAILABLE = "available"
    ASSIGNED = "assigned"
    OUT_OF_SERVICE = "out_of_service"


class LocationSource(StrEnum):
    """Where a call's point came from."""

    POINT = "point"  # the caller or the operator gave coordinates
    DISTRICT = "district"  # only a district and an address: the district's centre is used
    FACILITY = "facility"  # an inter-facility transfer starts at the facility


class RestrictionKind(StrEnum):
    """A road closed to traffic, or slowed (a travel-time factor)."""

    CLOSURE = "closure"
    SLOWDOWN = "slowdown"


class CallSource(StrEnum):
    """Where a call came from."""

    PHONE_119 = "phone_119"
    APP = "app"  # a citizen's emergency button
    WHATSAPP = "whatsapp"
    RADIO = "radio"
    WALK_IN = "walk_in"
    FACILITY_TRANSFER = "facility_transfer"
