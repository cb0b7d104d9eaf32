"""The public's door: registration, the emergency button, following one's own call."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from app.core.types import Code, Count, Lat, Lon, LongText, ShortText
from app.models import Verification


class CitizenRegister(BaseModel):
    """Register (or sign in again on the same phone): a code is sent to the phone."""

    nik: Code
    name: ShortText
    phone: Code
    address: LongText | None = None
    emergency_contact: ShortText | None = None


class CitizenRegistered(BaseModel):
    """The account waiting for its code; where the code went (masked)."""

    citizen_id: int
    phone_masked: str
    code_sent: bool


class CitizenConfirm(BaseModel):
    """The one-time code the phone received."""

    citizen_id: int = Field(ge=1, le=2_147_483_647)
    code: str = Field(min_length=4, max_length=8, pattern=r"^\s*\d+\s*$")


class CitizenKeyOut(BaseModel):
    """The app's key (shown once; the app keeps it)."""

    key: str
    expires_at: datetime | None


class CitizenOut(BaseModel):
    """A citizen's own account, masked as anyone else would see it."""

    citizen_id: int
    nik_masked: str | None
    phone_masked: str | None
    verification: Verification
    suspended: bool


class EmergencyCreate(BaseModel):
    """The emergency button: what happened, how many are hurt, a short text, and where (the
    phone's GPS point with its accuracy, or a district and an address)."""

    kind: Code
    people_hurt: Count = Field(default=1, ge=1, le=200)
    text: ShortText | None = None
    lon: Lon | None = None
    lat: Lat | None = None
    accuracy_m: float | None = Field(default=None, ge=0, le=100_000)
    district_code: Code | None = None
    address: LongText | None = None
    device: Code | None = Field(default=None, description="The app's own id on this phone.")


class EmergencyKindOut(BaseModel):
    """What a citizen can choose, and the first aid shown while help comes."""

    label: str
    label_id: str
    first_aid: list[str]


class EmergencyKindsOut(BaseModel):
    """The kinds, and the review status of their guidance."""

    kinds: dict[str, EmergencyKindOut]
    review: str


class FollowingOut(BaseModel):
    """One's own call: the status in plain words and the ambulance while it comes."""

    call_id: int
    status: str  # diterima, ambulans_berangkat, ambulans_tiba, dibawa_ke_rs, selesai, dibatalkan
    created_at: datetime
    status_at: datetime
    lon: float | None
    lat: float | None
    ambulance_lon: float | None
    ambulance_lat: float | None
    ambulance_eta_s: float | None
    ambulance_at: datetime | None


class PrankCreate(BaseModel):
    """An operator's judgement that a call was a prank, with why."""

    reason: ShortText
