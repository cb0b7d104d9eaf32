"""What the feeds are told, and the snapshot a feed starts with.

Every change to a call is announced by the service that makes it, through an ``Announcer``:
the message is built here, the same way for an operator's change and a geofence's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from app.models import Ambulance, Call, CallStatus, Referral, Role, utcnow
from app.services.channels import (
    OPERATORS,
    Published,
    Sink,
    call_channels,
    hospital_channel,
    incident_channel,
)
from app.services.heading import eta_for, is_stale
from app.services.records import active_dispatch, active_referral, last_dispatch, patients_of
from app.services.users import Principal
from routing import LonLat, Region
from tracking.eta import PointTables
from tracking.messages import (
    CallOpened,
    CrewAnswered,
    DutyChanged,
    IncidentSummary,
    Incoming,
    PatientSummary,
    Position,
    ReadinessChanged,
    ReferralAcknowledged,
    ReferralAnswered,
    ReferralCreated,
    Snapshot,
    StatusChanged,
)

TERMINAL = (CallStatus.CLOSED, CallStatus.CANCELLED)


@dataclass(frozen=True)
class FeedView:
    """What a feed message needs beside the database: the region, the incidents' point
    tables, the age (s) past which a position is shown stale, and the typical time on
    scene (s)."""

    region: Region
    tables: PointTables
    stale_after_s: float
    on_scene_s: float = 900.0  # typical time on scene: the hospital's estimate before transport


@dataclass(frozen=True)
class Tracked:
    """A call's ambulance, its last position with the ETA, and whether that is stale."""

    ambulance_id: str | None
    position: Position | None
    stale: bool


def tracked(session: Session, view: FeedView, call: Call, hospital_id: str | None) -> Tracked:
    """Where the call's ambulance last was, and its ETA to where it is going."""
    current = active_dispatch(session, call.id or 0)
    ambulance = session.get(Ambulance, current.ambulance_id) if current is not None else None
    if ambulance is None:
        return Tracked(None, None, stale=False)
    if ambulance.position_at is None:
        return Tracked(ambulance.id, None, stale=True)
    here = LonLat(ambulance.lon or 0.0, ambulance.lat or 0.0)
    heading = eta_for(view, call, hospital_id, here, utcnow())
    position = Position(
        ambulance_id=ambulance.id,
        call_id=call.id,
        lon=here.lon,
        lat=here.lat,
        fix_time=ambulance.position_at,
        hospital_id=hospital_id,
        **heading.message_fields(),
    )
    stale = is_stale(ambulance.position_at, stale_after_s=view.stale_after_s)
    return Tracked(ambulance.id, position, stale)


def incoming_of(session: Session, view: FeedView, referral: Referral, call: Call) -> Incoming:
    """A referral as a receiving hospital sees it, with its ambulance's position and ETA."""
    where = tracked(session, view, call, referral.hospital_id)
    return Incoming(
        referral_id=referral.id or 0,
        call_id=call.id or 0,
        hospital_id=referral.hospital_id,
        status=call.status.value,
        category=call.category,
        triage=call.triage.value,
        patient_count=call.patient_count,
        patients=[
            PatientSummary(age_years=p.age_years, sex=p.sex, condition=p.condition)
            for p in patients_of(session, call.id or 0)
        ],
        ambulance_id=where.ambulance_id,
        acknowledged_at=referral.acknowledged_at,
        position=where.position,
        position_stale=where.stale,
        answer=referral.answer,
        answer_due_at=referral.answer_due_at,
        answer_reason=referral.answer_reason,
    )


def summary_of(
    session: Session, view: FeedView, call: Call, *, new: bool = False
) -> IncidentSummary:
    """An open call as operators and agencies see it (no caller, no patient details);
    ``new``: just taken, so neither an ambulance nor a hospital is looked for."""
    if new:
        where = Tracked(None, None, stale=False)
    else:
        referral = active_referral(session, call.id or 0)
        hospital_id = referral.hospital_id if referral is not None else None
        where = tracked(session, view, call, hospital_id)
    district = view.region.districts.get(call.district_code or "")
    return IncidentSummary(
        call_id=call.id or 0,
        incident=call.incident.value,
        category=call.category,
        triage=call.triage.value,
        status=call.status.value,
        lon=call.lon,
        lat=call.lat,
        district_name=district.name if district is not None else None,
        patient_count=call.patient_count,
        created_at=call.created_at,
        ambulance_id=where.ambulance_id,
        position=where.position,
        position_stale=where.stale,
    )


def feed_channels(principal: Principal) -> tuple[str, ...]:
    """The channels a principal's feed listens to (empty: it has no feed)."""
    if principal.role is Role.HOSPITAL and principal.hospital_id:
        return (hospital_channel(principal.hospital_id),)
    if principal.role in (Role.OPERATOR, Role.ADMIN):
        return (OPERATORS,)
    if principal.role is Role.AGENCY:
        return tuple(incident_channel(i.value) for i in principal.incidents)
    return ()


def snapshot(session: Session, view: FeedView, principal: Principal) -> Snapshot:
    """Everything current for this feed: a hospital's incoming patients; every referral and
    open call for operators; an agency's open calls of the incident kinds it follows."""
    incoming: list[Incoming] = []
    if principal.role is not Role.AGENCY:
        query = (
            select(Referral, Call)
            .join(Call, col(Call.id) == col(Referral.call_id))
            .where(col(Referral.superseded_at).is_(None), col(Call.status).not_in(TERMINAL))
            .order_by(col(Referral.created_at))
        )
        if principal.role is Role.HOSPITAL:
            query = query.where(Referral.hospital_id == principal.hospital_id)
        incoming = [incoming_of(session, view, r, c) for r, c in session.exec(query)]
    open_calls: list[IncidentSummary] = []
    if principal.role is not Role.HOSPITAL:
        calls = select(Call).where(col(Call.status).not_in(TERMINAL)).order_by(col(Call.id))
        if principal.role is Role.AGENCY:
            calls = calls.where(col(Call.incident).in_(principal.incidents))
        open_calls = [summary_of(session, view, c) for c in session.exec(calls)]
    feed = ",".join(feed_channels(principal))
    return Snapshot(
        feed=feed,
        incoming=incoming,
        calls=open_calls,
        at=utcnow(),
        position_stale_after_s=view.stale_after_s,
    )


def call_opened(session: Session, view: FeedView, call: Call) -> list[Published]:
    """A new call: to the operators and to the agencies following its incident kind."""
    message = CallOpened(call=summary_of(session, view, call, new=True))
    return [Published(call_channels(call, None), message.model_dump_json())]


def referral_created(
    session: Session, view: FeedView, referral: Referral, replaced: str | None
) -> list[Published]:
    """A new referral: to its hospital and the operators; the replaced hospital is told."""
    call = session.get(Call, referral.call_id)
    if call is None:
        return []
    incoming = incoming_of(session, view, referral, call)
    message = ReferralCreated(incoming=incoming, replaces_hospital_id=replaced)
    channels = (OPERATORS, hospital_channel(referral.hospital_id))
    messages = [Published(channels, message.model_dump_json())]
    if replaced is not None and replaced != referral.hospital_id:
        rerouted = StatusChanged(
            call_id=call.id or 0,
            ambulance_id=incoming.ambulance_id,
            hospital_id=replaced,
            before=call.status.value,
            after="rerouted",
            at=utcnow(),
        )
        messages.append(Published((hospital_channel(replaced),), rerouted.model_dump_json()))
    return messages


def status_changed(
    session: Session, call: Call, before: CallStatus, *, by_geofence: bool = False
) -> list[Published]:
    """A call's new status: to the operators, the agencies following its incident kind and
    the hospital it goes to."""
    referral = active_referral(session, call.id or 0)
    current = active_dispatch(session, call.id or 0)
    if current is None and call.status in TERMINAL:
        current = last_dispatch(session, call.id or 0)  # released on close: the last names it
    hospital_id = referral.hospital_id if referral is not None else None
    message = StatusChanged(
        call_id=call.id or 0,
        ambulance_id=current.ambulance_id if current else None,
        hospital_id=hospital_id,
        before=before.value,
        after=call.status.value,
        by_geofence=by_geofence,
        at=utcnow(),
    )
    return [Published(call_channels(call, hospital_id), message.model_dump_json())]


def acknowledged(referral: Referral) -> list[Published]:
    """A hospital's acknowledgement: to the operators (and the hospital's other screens)."""
    message = ReferralAcknowledged(
        referral_id=referral.id or 0,
        call_id=referral.call_id,
        hospital_id=referral.hospital_id,
        at=referral.acknowledged_at or utcnow(),
    )
    channels = (OPERATORS, hospital_channel(referral.hospital_id))
    return [Published(channels, message.model_dump_json())]


@dataclass(frozen=True)
class NextHospital:
    """Where a patient should go now that the referred hospital declined or missed."""

    hospital_id: str
    name: str
    eta_s: float


def referral_answered(referral: Referral, following: NextHospital | None) -> list[Published]:
    """A hospital's answer (or its silence): to the operators with the next hospital, and to
    the hospital's own screens without it (another hospital is not its business)."""
    answer = ReferralAnswered(
        referral_id=referral.id or 0,
        call_id=referral.call_id,
        hospital_id=referral.hospital_id,
        answer=referral.answer or "",
        reason=referral.answer_reason,
        subject=referral.answer_subject,
        note=referral.answer_note,
        at=referral.answered_at or utcnow(),
    )
    told = answer.model_copy(
        update={
            "next_hospital_id": following.hospital_id if following else None,
            "next_hospital_name": following.name if following else None,
            "next_eta_s": following.eta_s if following else None,
        }
    )
    return [
        Published((OPERATORS,), told.model_dump_json()),
        Published((hospital_channel(referral.hospital_id),), answer.model_dump_json()),
    ]


def to_operators(message: CrewAnswered | DutyChanged) -> list[Published]:
    """A message for the operators only (a crew's answer, a unit's duty)."""
    return [Published((OPERATORS,), message.model_dump_json())]


def readiness_changed(hospital_id: str, at: datetime) -> list[Published]:
    """A readiness report: to the operators (their map) and the hospital's other screens."""
    message = ReadinessChanged(hospital_id=hospital_id, at=at)
    return [Published((OPERATORS, hospital_channel(hospital_id)), message.model_dump_json())]


@dataclass(frozen=True)
class Announcer:
    """Tells the feeds of every change to a call: the services that make a change call it
    once the change is committed, so that no caller has to remember to."""

    view: FeedView
    sink: Sink

    def call_opened(self, session: Session, call: Call) -> None:
        """A call was taken."""
        self.sink(call_opened(session, self.view, call))

    def referral_created(self, session: Session, referral: Referral, replaced: str | None) -> None:
        """A destination was chosen (``replaced``: the hospital it was before)."""
        self.sink(referral_created(session, self.view, referral, replaced))

    def status_changed(
        self, session: Session, call: Call, before: CallStatus, *, by_geofence: bool = False
    ) -> None:
        """A call moved from ``before`` to its status now."""
        self.sink(status_changed(session, call, before, by_geofence=by_geofence))

    def acknowledged(self, referral: Referral) -> None:
        """A hospital acknowledged a referral."""
        self.sink(acknowledged(referral))

    def referral_answered(self, referral: Referral, following: NextHospital | None) -> None:
        """A hospital answered a referral, or its deadline passed."""
        self.sink(referral_answered(referral, following))

    def readiness_reported(self, hospital_id: str, at: datetime) -> None:
        """A hospital reported beds, diversion or a capability down."""
        self.sink(readiness_changed(hospital_id, at))

    def crew_answered(self, answer: CrewAnswered) -> None:
        """A crew accepted or refused its assignment."""
        self.sink(to_operators(answer))

    def duty_changed(self, change: DutyChanged) -> None:
        """An ambulance went off duty or back on duty."""
        self.sink(to_operators(change))

    def with_sink(self, sink: Sink) -> Announcer:
        """The same announcer, telling another sink (the fix writer collects in order)."""
        return Announcer(self.view, sink)
