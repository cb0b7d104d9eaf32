"""Live tracking after a fix is stored: ETA, arrival by geofence, and the feeds' messages.

The ETA of an ambulance comes from the routing tables, never from a search per fix: to its
hospital, a read of the hospital's table; to the incident, a read of the call's point table,
built once (one reverse Dijkstra) the first time the call needs it and kept while it lives.
Entering the geofence of the scene or of the hospital moves the call on (audited, by
geofence); every position goes to the operators and to the hospital the patient goes to.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, NamedTuple, Protocol

from sqlalchemy import Engine
from sqlmodel import Session

from app.models import Call, CallStatus, utcnow
from app.services import dispatch as dispatch_service
from app.services.calls import call_point
from routing import LonLat, Region
from routing.errors import SnapError
from routing.geo import haversine_m
from tracking.eta import PointTables
from tracking.messages import Arrived, Position, StatusChanged

SCENE_RADIUS_M = 150.0  # inside this, the ambulance is on scene
HOSPITAL_RADIUS_M = 250.0  # inside this, it is at the hospital (car parks are big)
OPERATORS = "operators"
Destination = Literal["incident", "hospital"] | None
log = logging.getLogger("satria.live")


def hospital_channel(hospital_id: str) -> str:
    """The feed channel of one hospital."""
    return f"hospital:{hospital_id}"


def incident_channel(incident: str) -> str:
    """The feed channel of one incident kind (police and fire follow theirs)."""
    return f"incident:{incident}"


def call_channels(call: Call, hospital_id: str | None) -> tuple[str, ...]:
    """Who hears of this call's movements: operators, agencies following its incident kind,
    and the hospital the patient goes to."""
    channels = (OPERATORS, incident_channel(call.incident.value))
    return (*channels, hospital_channel(hospital_id)) if hospital_id else channels


class Located(Protocol):
    """A stored usable fix (a row, or what the writer kept of it)."""

    @property
    def ambulance_id(self) -> str: ...
    @property
    def fix_time(self) -> datetime: ...
    @property
    def lon(self) -> float: ...
    @property
    def lat(self) -> float: ...
    @property
    def speed_mps(self) -> float | None: ...
    @property
    def heading_deg(self) -> float | None: ...
    @property
    def low_accuracy(self) -> bool: ...


@dataclass(frozen=True)
class Published:
    """A message for the feeds: its channels, JSON payload and coalescing key."""

    channels: tuple[str, ...]
    payload: str
    coalesce_key: str | None = None


def after_fix(
    engine: Engine, *, region: Region, tables: PointTables, fix: Located
) -> list[Published]:
    """What a newly usable position means: ETA, maybe an arrival; the messages to publish."""
    return after_fixes(engine, region=region, tables=tables, fixes=[fix])


def after_fixes(
    engine: Engine, *, region: Region, tables: PointTables, fixes: Sequence[Located]
) -> list[Published]:
    """The same for the newest fixes of several ambulances, in one session."""
    messages: list[Published] = []
    with Session(engine, expire_on_commit=False) as session:
        current = dispatch_service.assignments(session, [fix.ambulance_id for fix in fixes])
        for fix in fixes:
            call, hospital_id = current.get(fix.ambulance_id, (None, None))
            messages += _after_fix(session, region, tables, fix, call, hospital_id)
    return messages


def _after_fix(
    session: Session,
    region: Region,
    tables: PointTables,
    fix: Located,
    call: Call | None,
    hospital_id: str | None,
) -> list[Published]:
    if call is None:
        position = _position(fix, None, None, None)
        return [Published((OPERATORS,), position.model_dump_json(), fix.ambulance_id)]
    heading = eta_for(region, tables, call, hospital_id, LonLat(fix.lon, fix.lat))
    channels = call_channels(call, hospital_id)
    position = _position(fix, call.id, heading, hospital_id)
    messages = [Published(channels, position.model_dump_json(), fix.ambulance_id)]
    return messages + _arrival(
        session, call, fix, heading.destination, heading.distance_m, hospital_id, channels
    )


class Heading(NamedTuple):
    """Where an ambulance is going, its ETA (s) and its distance as the crow flies (m);
    ``eta_failed`` when an error kept the ETA from being worked out (logged)."""

    destination: Destination
    eta_s: float | None
    distance_m: float
    eta_failed: bool = False


def eta_for(
    region: Region, tables: PointTables, call: Call, hospital_id: str | None, here: LonLat
) -> Heading:
    """Where the ambulance is going and its ETA. Never raises: one ambulance's trouble must
    not fail a snapshot or a group of positions, so it degrades to a position without ETA."""
    try:
        return _heading(region, tables, call, hospital_id, here)
    except (SnapError, KeyError):
        return Heading(None, None, math.inf)  # off the roads, or a hospital not routed to
    except Exception:
        log.exception("ETA failed: ambulance to call %s (position kept, no ETA)", call.id)
        return Heading(None, None, math.inf, eta_failed=True)


def _heading(
    region: Region, tables: PointTables, call: Call, hospital_id: str | None, here: LonLat
) -> Heading:
    if call.status is CallStatus.TRANSPORTING and hospital_id is not None:
        eta = region.eta_to_hospital(here, hospital_id)
        target = region.hospital(hospital_id).location
        return Heading("hospital", _finite(eta), haversine_m(here, target))
    if call.status in (CallStatus.DISPATCHED, CallStatus.EN_ROUTE):
        point = call_point(call, region)
        if point is None:
            return Heading(None, None, math.inf)
        eta = region.eta_to_point(here, tables.for_call(call.id or 0, point))
        return Heading("incident", _finite(eta), haversine_m(here, point))
    return Heading(None, None, math.inf)


def _finite(value: float) -> float | None:
    return round(value, 1) if math.isfinite(value) else None


def _position(
    fix: Located, call_id: int | None, heading: Heading | None, hospital_id: str | None
) -> Position:
    return Position(
        ambulance_id=fix.ambulance_id,
        call_id=call_id,
        lon=fix.lon,
        lat=fix.lat,
        fix_time=fix.fix_time,
        speed_mps=fix.speed_mps,
        heading_deg=fix.heading_deg,
        low_accuracy=fix.low_accuracy,
        destination=heading.destination if heading else None,
        hospital_id=hospital_id,
        eta_s=heading.eta_s if heading else None,
        eta_failed=heading.eta_failed if heading else False,
    )


def _arrival(
    session: Session,
    call: Call,
    fix: Located,
    destination: Destination,
    distance_m: float,
    hospital_id: str | None,
    channels: tuple[str, ...],
) -> list[Published]:
    """Entering the geofence moves the call on: to on scene, or to at hospital."""
    if destination == "incident" and distance_m <= SCENE_RADIUS_M:
        steps = [CallStatus.EN_ROUTE] if call.status is CallStatus.DISPATCHED else []
        steps.append(CallStatus.ON_SCENE)
        place: Literal["scene", "hospital"] = "scene"
    elif destination == "hospital" and distance_m <= HOSPITAL_RADIUS_M:
        steps, place = [CallStatus.AT_HOSPITAL], "hospital"
    else:
        return []
    messages: list[Published] = []
    now = utcnow()
    for to in steps:
        before = call.status
        if not dispatch_service.move_by_geofence(session, call, to):
            return messages  # someone moved it meanwhile: nothing to say
        status = StatusChanged(
            call_id=call.id or 0, ambulance_id=fix.ambulance_id, hospital_id=hospital_id,
            before=before.value, after=to.value, by_geofence=True, at=now,
        )  # fmt: skip
        messages.append(Published(channels, status.model_dump_json()))
    arrived = Arrived(
        call_id=call.id or 0, ambulance_id=fix.ambulance_id, at_place=place,
        hospital_id=hospital_id, at=now,
    )  # fmt: skip
    messages.append(Published(channels, arrived.model_dump_json()))
    return messages


def is_stale(position_at: datetime | None, *, stale_after_s: float) -> bool:
    """True when the last position is older than the threshold (or there is none)."""
    return position_at is None or (utcnow() - position_at).total_seconds() > stale_after_s
