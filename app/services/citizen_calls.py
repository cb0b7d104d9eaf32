"""A citizen's emergency button: the call, and the citizen following the response.

The call goes through the same intake as an operator's (stored, ranked, the NIK checked,
announced within a second) and is marked as from the app, with the account's identity and
phone for the call-back. The citizen sees only their own calls, in their own words: the
status, and while an ambulance comes, where it is and when it arrives; never other calls, the
crew's identity or the hospital's internals.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlmodel import Session, col, select

from app.core.security import PersonalDataVault
from app.errors import InputError, NotFoundError, PermissionDeniedError
from app.models import Call, CallStatus, Incident, Triage
from app.services.call_input import CallCreate, CallerCreate, PatientCreate
from app.services.calls import CallCreated, Intake
from app.services.citizens import citizen_of
from app.services.events import FeedView, tracked
from app.services.rate_limits import KeyRateLimits
from app.services.users import Principal

KINDS_PATH = (
    Path(__file__).resolve().parent.parent.parent / "data" / "taxonomy" / "citizen_emergencies.toml"
)


@dataclass(frozen=True)
class Kind:
    """What a citizen can choose, what the call becomes, and the first aid while waiting."""

    code: str
    label: str
    label_id: str
    category: str
    incident: Incident
    triage: Triage
    first_aid: tuple[str, ...]


def load_kinds(path: Path = KINDS_PATH) -> tuple[dict[str, Kind], str]:
    """The kinds and the review status of their guidance."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    kinds = {
        code: Kind(
            code,
            k["label"],
            k["label_id"],
            k["category"],
            Incident(k["incident"]),
            Triage(k["triage"]),
            tuple(k["first_aid"]),
        )
        for code, k in data["kinds"].items()
    }
    return kinds, str(data.get("review", ""))


@dataclass(frozen=True)
class Emergency:
    """What the citizen sends: the kind, how many hurt, a short text, and where (the phone's
    point with its accuracy, or a district and an address when GPS is refused)."""

    kind: str
    people_hurt: int = 1
    text: str | None = None
    lon: float | None = None
    lat: float | None = None
    accuracy_m: float | None = None
    district_code: str | None = None
    address: str | None = None
    device: str | None = None


# At most 3 app calls in 10 minutes and 10 an hour, per account and per device (the phone
# line 119 is never limited).
CALL_LIMITS = "3/10minute;10/hour"


@dataclass(frozen=True)
class PublicDoor:
    """The citizens' emergency calls and what they may see of them."""

    intake: Intake
    vault: PersonalDataVault
    feed_view: FeedView
    kinds: dict[str, Kind]
    review: str  # the guidance's review status, shown with it
    limits: KeyRateLimits

    def call(self, session: Session, principal: Principal, emergency: Emergency) -> CallCreated:
        """An emergency call from the app; PermissionDeniedError for a suspended account."""
        citizen = citizen_of(session, principal.citizen_id)
        if citizen.suspended_at is not None:
            msg = "this account may not call from the app after repeated pranks: call 119"
            raise PermissionDeniedError(msg)
        kind = self.kinds.get(emergency.kind)
        if kind is None:
            msg = f"choose what happened: one of {', '.join(self.kinds)}"
            raise InputError(msg, field="kind")
        self.limits.check(f"citizen:{citizen.id}")
        if emergency.device:
            self.limits.check(f"device:{emergency.device}")
        clear = self.vault.decrypt
        call_in = CallCreate(
            category=kind.category,
            incident=kind.incident,
            triage=kind.triage,
            lon=emergency.lon,
            lat=emergency.lat,
            accuracy_m=emergency.accuracy_m,
            district_code=emergency.district_code,
            address=emergency.address,
            patient_count=max(emergency.people_hurt, 1),
            patients=[PatientCreate(condition=(emergency.text or kind.label_id)[:1000])],
            caller=CallerCreate(
                nik=clear(citizen.nik_ciphertext) if citizen.nik_ciphertext else None,
                phone=clear(citizen.phone_ciphertext) if citizen.phone_ciphertext else None,
                name=clear(citizen.name_ciphertext) if citizen.name_ciphertext else None,
            ),
        )
        return self.intake.create_call(session, call_in, principal)

    def own_calls(self, session: Session, principal: Principal) -> list[Call]:
        """The citizen's calls, newest first."""
        citizen = citizen_of(session, principal.citizen_id)
        return list(
            session.exec(
                select(Call)
                .where(Call.citizen_id == citizen.id)
                .order_by(col(Call.id).desc())
                .limit(20)
            )
        )

    def follow(self, session: Session, principal: Principal, call_id: int) -> Following:
        """One of the citizen's calls as they see it (any other call does not exist)."""
        citizen = citizen_of(session, principal.citizen_id)
        call = session.get(Call, call_id)
        if call is None or call.citizen_id != citizen.id:
            msg = f"no call {call_id} of yours"
            raise NotFoundError(msg)
        coming = call.status in (CallStatus.DISPATCHED, CallStatus.EN_ROUTE)
        where = tracked(session, self.feed_view, call, None) if coming else None
        position = where.position if where is not None else None
        return Following(
            call_id=call_id,
            status=STATUS_WORDS.get(call.status, "diterima"),
            created_at=call.created_at,
            status_at=call.status_at,
            lon=call.lon,
            lat=call.lat,
            ambulance_lon=position.lon if position else None,
            ambulance_lat=position.lat if position else None,
            ambulance_eta_s=position.eta_s if position else None,
            ambulance_at=position.fix_time if position else None,
        )


# What the citizen reads: where help is, not the service's internal statuses.
STATUS_WORDS = {
    CallStatus.RECEIVED: "diterima",
    CallStatus.DISPATCHED: "ambulans_berangkat",
    CallStatus.EN_ROUTE: "ambulans_berangkat",
    CallStatus.ON_SCENE: "ambulans_tiba",
    CallStatus.TRANSPORTING: "dibawa_ke_rs",
    CallStatus.AT_HOSPITAL: "dibawa_ke_rs",
    CallStatus.CLOSED: "selesai",
    CallStatus.CANCELLED: "dibatalkan",
}


@dataclass(frozen=True)
class Following:
    """A citizen's call as they follow it: the status in their words, and the ambulance's
    position and ETA while it comes (none once it has arrived)."""

    call_id: int
    status: str
    created_at: datetime
    status_at: datetime
    lon: float | None
    lat: float | None
    ambulance_lon: float | None
    ambulance_lat: float | None
    ambulance_eta_s: float | None
    ambulance_at: datetime | None
