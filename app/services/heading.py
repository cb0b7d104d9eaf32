"""Where an ambulance is heading and when it gets there.

The ETA comes from the routing tables, never from a search per fix: to its hospital, a
read of the hospital's table; to the incident, a read of the call's point table, built once
(one reverse Dijkstra) the first time the call needs it and kept while it lives.
"""

from __future__ import annotations

import logging
import math
from datetime import datetime
from typing import Any, Literal, NamedTuple, Protocol

from app.models import Call, CallStatus, utcnow
from app.services.records import call_point
from routing import LonLat, Region
from routing.errors import SnapError
from routing.geo import haversine_m
from tracking.eta import PointTables

Destination = Literal["incident", "hospital"] | None
Phase = Literal["to_scene", "on_scene", "to_hospital", "at_hospital"] | None
log = logging.getLogger("satria.live")


class Roads(Protocol):
    """What an ETA needs: the region, the incidents' point tables, the typical time on
    scene (s)."""

    @property
    def region(self) -> Region: ...
    @property
    def tables(self) -> PointTables: ...
    @property
    def on_scene_s(self) -> float: ...


class Heading(NamedTuple):
    """Where an ambulance is going, its ETA (s) and its distance as the crow flies (m);
    ``eta_failed`` when an error kept the ETA from being worked out (logged).

    ``hospital_eta_s`` is when it reaches the receiving hospital, in every phase: while
    going to the scene, time to the scene + the typical time on scene + scene to hospital;
    on scene, what is left of the typical time + scene to hospital (both ``estimated``);
    transporting, the ETA itself."""

    destination: Destination
    eta_s: float | None
    distance_m: float
    eta_failed: bool = False
    phase: Phase = None
    hospital_eta_s: float | None = None
    hospital_eta_estimated: bool = False

    def message_fields(self) -> dict[str, Any]:
        """The fields a position message carries (all but the distance)."""
        fields = self._asdict()
        del fields["distance_m"]
        return fields


PHASES: dict[CallStatus, Phase] = {
    CallStatus.DISPATCHED: "to_scene",
    CallStatus.EN_ROUTE: "to_scene",
    CallStatus.ON_SCENE: "on_scene",
    CallStatus.TRANSPORTING: "to_hospital",
    CallStatus.AT_HOSPITAL: "at_hospital",
}


def eta_for(
    roads: Roads, call: Call, hospital_id: str | None, here: LonLat, now: datetime
) -> Heading:
    """Where the ambulance is going and its ETA. Never raises: one ambulance's trouble must
    not fail a snapshot or a group of positions, so it degrades to a position without ETA."""
    phase = PHASES.get(call.status)
    try:
        return _heading(roads, call, hospital_id, here, now)
    except (SnapError, KeyError):
        return Heading(None, None, math.inf, phase=phase)  # off the roads, or not routed to
    except Exception:
        log.exception("ETA failed: ambulance to call %s (position kept, no ETA)", call.id)
        return Heading(None, None, math.inf, eta_failed=True, phase=phase)


def _heading(
    roads: Roads, call: Call, hospital_id: str | None, here: LonLat, now: datetime
) -> Heading:
    region, phase = roads.region, PHASES.get(call.status)
    if phase == "to_hospital" and hospital_id is not None:
        eta = _finite(region.eta_to_hospital(here, hospital_id))
        target = region.hospital(hospital_id).location
        return Heading("hospital", eta, haversine_m(here, target), False, phase, eta)
    if phase == "at_hospital":
        return Heading(None, None, math.inf, phase=phase, hospital_eta_s=0.0)
    point = call_point(call, region)
    if point is None or phase not in ("to_scene", "on_scene"):
        return Heading(None, None, math.inf, phase=phase)
    onward = _onward(roads, point, hospital_id)
    if phase == "on_scene":
        on_scene_left_s = max(0.0, roads.on_scene_s - (now - call.status_at).total_seconds())
        hospital_eta = _sum(on_scene_left_s, onward)
        return Heading(None, None, math.inf, False, phase, hospital_eta, hospital_eta is not None)
    eta = _finite(region.eta_to_point(here, roads.tables.for_call(call.id or 0, point)))
    hospital_eta = _sum(eta, roads.on_scene_s, onward)
    return Heading(
        "incident",
        eta,
        haversine_m(here, point),
        False,
        phase,
        hospital_eta,
        hospital_eta is not None,
    )


def _onward(roads: Roads, scene: LonLat, hospital_id: str | None) -> float | None:
    """Scene to hospital (s), a read of the hospital's table; None without a hospital."""
    if hospital_id is None:
        return None
    return _finite(roads.region.eta_to_hospital(scene, hospital_id))


def _sum(*parts: float | None) -> float | None:
    return None if any(p is None for p in parts) else round(sum(p or 0.0 for p in parts), 1)


def _finite(value: float) -> float | None:
    return round(value, 1) if math.isfinite(value) else None


def is_stale(position_at: datetime | None, *, stale_after_s: float) -> bool:
    """True when the last position is older than the threshold (or there is none)."""
    return position_at is None or (utcnow() - position_at).total_seconds() > stale_after_s
