"""Live tracking after a fix is stored: ETA, arrival by geofence, and the feeds' messages.

The ETA of an ambulance comes from the routing tables, never from a search per fix: to its
hospital, a read of the hospital's table; to the incident, a read of the call's point table,
built once (one reverse Dijkstra) the first time the call needs it and kept while it lives.
Entering the geofence of the scene or of the hospital moves the call on (audited, by
geofence); every position goes to the operators and to the hospital the patient goes to.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from sqlalchemy import Engine
from sqlmodel import Session

from app.models import Call, CallStatus, utcnow
from app.services.channels import OPERATORS, Published, call_channels
from app.services.dispatch import move_by_geofence
from app.services.events import Announcer
from app.services.heading import Heading, eta_for
from app.services.records import assignments
from tracking.fixes import StoredFix
from tracking.messages import Arrived, Position

SCENE_RADIUS_M = 150.0  # inside this, the ambulance is on scene
HOSPITAL_RADIUS_M = 250.0  # inside this, it is at the hospital (car parks are big)


def after_fixes(
    engine: Engine, announcer: Announcer, fixes: Sequence[StoredFix]
) -> list[Published]:
    """What the newest fixes of several ambulances mean, in one session: each one's position
    with its ETA, and the calls their arrival moves on; the messages, in order."""
    messages: list[Published] = []
    in_order = announcer.with_sink(messages.extend)  # the writer publishes after its group
    with Session(engine, expire_on_commit=False) as session:
        current = assignments(session, [placed.ambulance_id for placed in fixes])
        for placed in fixes:
            call, hospital_id = current.get(placed.ambulance_id, (None, None))
            _after_fix(session, in_order, placed, call, hospital_id)
    return messages


def _after_fix(
    session: Session,
    announcer: Announcer,
    placed: StoredFix,
    call: Call | None,
    hospital_id: str | None,
) -> None:
    sink = announcer.sink
    if call is None:
        position = _position(placed, None, None, None)
        sink([Published((OPERATORS,), position.model_dump_json(), placed.ambulance_id)])
        return
    view = announcer.view
    heading = eta_for(view, call, hospital_id, placed.fix.point, utcnow())
    channels = call_channels(call, hospital_id)
    position = _position(placed, call.id, heading, hospital_id)
    sink([Published(channels, position.model_dump_json(), placed.ambulance_id)])
    _arrival(session, announcer, call, position, heading)


def _position(
    placed: StoredFix, call_id: int | None, heading: Heading | None, hospital_id: str | None
) -> Position:
    fix = placed.fix
    return Position(
        ambulance_id=placed.ambulance_id,
        call_id=call_id,
        lon=fix.lon,
        lat=fix.lat,
        fix_time=fix.fix_time,
        speed_mps=fix.speed_mps,
        heading_deg=fix.heading_deg,
        low_accuracy=placed.low_accuracy,
        hospital_id=hospital_id,
        **(heading.message_fields() if heading else {}),
    )


def _arrival(
    session: Session, announcer: Announcer, call: Call, position: Position, heading: Heading
) -> None:
    """Entering the geofence moves the call on: to on scene, or to at hospital."""
    if heading.destination == "incident" and heading.distance_m <= SCENE_RADIUS_M:
        steps = [CallStatus.EN_ROUTE] if call.status is CallStatus.DISPATCHED else []
        steps.append(CallStatus.ON_SCENE)
        place: Literal["scene", "hospital"] = "scene"
    elif heading.destination == "hospital" and heading.distance_m <= HOSPITAL_RADIUS_M:
        steps, place = [CallStatus.AT_HOSPITAL], "hospital"
    else:
        return
    for to in steps:
        if not move_by_geofence(session, announcer, call, to):
            return  # someone moved it meanwhile: nothing to say
    arrived = Arrived(
        call_id=call.id or 0,
        ambulance_id=position.ambulance_id,
        at_place=place,
        hospital_id=position.hospital_id,
        at=utcnow(),
    )
    channels = call_channels(call, position.hospital_id)
    announcer.sink([Published(channels, arrived.model_dump_json())])
