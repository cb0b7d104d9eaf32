"""What the feeds are told, and the snapshot a feed starts with.

Route handlers run in worker threads; ``EventPublisher.emit`` hands a message to the broker
on the event loop without waiting, so that telling the feeds never slows a request.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import Future
from dataclasses import dataclass

from sqlmodel import Session, col, select

from app.models import Ambulance, Call, CallStatus, Dispatch, Referral, Role, utcnow
from app.services import dispatch as dispatch_service
from app.services.calls import patients_of
from app.services.live import (
    OPERATORS,
    Published,
    call_channels,
    eta_for,
    hospital_channel,
    incident_channel,
    is_stale,
)
from app.services.users import Principal
from routing import LonLat, Region
from tracking.broker import Broker
from tracking.eta import PointTables
from tracking.messages import (
    CallOpened,
    IncidentSummary,
    Incoming,
    PatientSummary,
    Position,
    ReferralAcknowledged,
    ReferralCreated,
    Snapshot,
    StatusChanged,
)

log = logging.getLogger("satria.events")
TERMINAL = (CallStatus.CLOSED, CallStatus.CANCELLED)


@dataclass(frozen=True)
class FeedLimits:
    """How far behind a feed reader may fall: queued events, and seconds for one send."""

    queue: int = 512
    send_timeout_s: float = 10.0


class EventPublisher:
    """Publishes on the service's event loop from any thread, without waiting."""

    def __init__(self, broker: Broker, loop: asyncio.AbstractEventLoop) -> None:
        self.broker = broker
        self._loop = loop

    def emit(self, messages: list[Published]) -> None:
        """Send messages to their channels (fire and forget; failures are logged)."""
        if messages:
            future = asyncio.run_coroutine_threadsafe(self._publish(messages), self._loop)
            future.add_done_callback(_log_failure)

    async def _publish(self, messages: list[Published]) -> None:
        for message in messages:
            for channel in message.channels:
                await self.broker.publish(
                    channel, message.payload, coalesce_key=message.coalesce_key
                )


def _log_failure(future: Future[None]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.error("feed publish failed: %s", type(future.exception()).__name__)


@dataclass(frozen=True)
class Tracked:
    """A call's ambulance, its last position with the ETA, and whether that is stale."""

    ambulance_id: str | None
    position: Position | None
    stale: bool


def tracked(
    session: Session,
    *,
    region: Region,
    tables: PointTables,
    call: Call,
    hospital_id: str | None,
    stale_after_s: float,
) -> Tracked:
    """Where the call's ambulance last was, and its ETA to where it is going."""
    current = dispatch_service.active_dispatch(session, call.id or 0)
    ambulance = session.get(Ambulance, current.ambulance_id) if current is not None else None
    if ambulance is None:
        return Tracked(None, None, stale=False)
    if ambulance.position_at is None:
        return Tracked(ambulance.id, None, stale=True)
    here = LonLat(ambulance.lon or 0.0, ambulance.lat or 0.0)
    heading = eta_for(region, tables, call, hospital_id, here)
    position = Position(
        ambulance_id=ambulance.id, call_id=call.id, lon=here.lon, lat=here.lat,
        fix_time=ambulance.position_at, destination=heading.destination,
        hospital_id=hospital_id, eta_s=heading.eta_s, eta_failed=heading.eta_failed,
    )  # fmt: skip
    return Tracked(
        ambulance.id, position, is_stale(ambulance.position_at, stale_after_s=stale_after_s)
    )


def incoming_of(
    session: Session,
    *,
    region: Region,
    tables: PointTables,
    referral: Referral,
    call: Call,
    stale_after_s: float,
) -> Incoming:
    """A referral as a receiving hospital sees it, with its ambulance's position and ETA."""
    where = tracked(session, region=region, tables=tables, call=call,
                    hospital_id=referral.hospital_id, stale_after_s=stale_after_s)  # fmt: skip
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
    )


def summary_of(
    session: Session, *, region: Region, tables: PointTables, call: Call, stale_after_s: float
) -> IncidentSummary:
    """An open call as operators and agencies see it (no caller, no patient details)."""
    referral = dispatch_service.active_referral(session, call.id or 0)
    where = tracked(
        session, region=region, tables=tables, call=call,
        hospital_id=referral.hospital_id if referral is not None else None,
        stale_after_s=stale_after_s,
    )  # fmt: skip
    district = region.districts.get(call.district_code or "")
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


def snapshot(
    session: Session,
    *,
    principal: Principal,
    region: Region,
    tables: PointTables,
    stale_after_s: float,
) -> Snapshot:
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
        incoming = [
            incoming_of(
                session,
                region=region,
                tables=tables,
                referral=r,
                call=c,
                stale_after_s=stale_after_s,
            )
            for r, c in session.exec(query)
        ]
    open_calls: list[IncidentSummary] = []
    if principal.role is not Role.HOSPITAL:
        calls = select(Call).where(col(Call.status).not_in(TERMINAL)).order_by(col(Call.id))
        if principal.role is Role.AGENCY:
            calls = calls.where(col(Call.incident).in_(principal.incidents))
        open_calls = [
            summary_of(session, region=region, tables=tables, call=c, stale_after_s=stale_after_s)
            for c in session.exec(calls)
        ]
    feed = ",".join(feed_channels(principal))
    return Snapshot(feed=feed, incoming=incoming, calls=open_calls, at=utcnow())


def call_opened(
    session: Session, *, call: Call, region: Region, tables: PointTables, stale_after_s: float
) -> list[Published]:
    """A new call: to the operators and to the agencies following its incident kind."""
    summary = summary_of(session, region=region, tables=tables, call=call,
                         stale_after_s=stale_after_s)  # fmt: skip
    message = CallOpened(call=summary)
    return [Published(call_channels(call, None), message.model_dump_json())]


def referral_created(
    session: Session,
    *,
    referral: Referral,
    replaced: str | None,
    region: Region,
    tables: PointTables,
    stale_after_s: float,
) -> list[Published]:
    """A new referral: to its hospital and the operators; the replaced hospital is told."""
    call = session.get(Call, referral.call_id)
    if call is None:
        return []
    incoming = incoming_of(session, region=region, tables=tables, referral=referral, call=call,
                           stale_after_s=stale_after_s)  # fmt: skip
    message = ReferralCreated(incoming=incoming, replaces_hospital_id=replaced)
    messages = [Published((OPERATORS, hospital_channel(referral.hospital_id)),
                          message.model_dump_json())]  # fmt: skip
    if replaced is not None and replaced != referral.hospital_id:
        rerouted = StatusChanged(
            call_id=call.id or 0, ambulance_id=incoming.ambulance_id, hospital_id=replaced,
            before=call.status.value, after="rerouted", at=utcnow(),
        )  # fmt: skip
        messages.append(Published((hospital_channel(replaced),), rerouted.model_dump_json()))
    return messages


def status_changed(session: Session, *, call: Call, before: str) -> list[Published]:
    """A call's new status: to the operators and to the hospital it goes to."""
    referral = dispatch_service.active_referral(session, call.id or 0)
    current = dispatch_service.active_dispatch(session, call.id or 0)
    if current is None and call.status in TERMINAL:
        # Released on close: the last dispatch still names the ambulance.
        current = session.exec(
            select(Dispatch).where(Dispatch.call_id == call.id).order_by(col(Dispatch.id).desc())
        ).first()
    hospital_id = referral.hospital_id if referral is not None else None
    message = StatusChanged(
        call_id=call.id or 0, ambulance_id=current.ambulance_id if current else None,
        hospital_id=hospital_id, before=before, after=call.status.value, at=utcnow(),
    )  # fmt: skip
    return [Published(call_channels(call, hospital_id), message.model_dump_json())]


def acknowledged(referral: Referral) -> list[Published]:
    """A hospital's acknowledgement: to the operators (and the hospital's other screens)."""
    message = ReferralAcknowledged(
        referral_id=referral.id or 0, call_id=referral.call_id, hospital_id=referral.hospital_id,
        at=referral.acknowledged_at or utcnow(),
    )  # fmt: skip
    channels = (OPERATORS, hospital_channel(referral.hospital_id))
    return [Published(channels, message.model_dump_json())]
