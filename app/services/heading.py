"""Where an ambulance is heading and when it gets there.

The ETA comes from the routing tables, never from a search per fix: to its hospital, a
read of the hospital's table; to the incident, a read of the call's point table, built once
(one reverse Dijkstra) the first time the call needs it and kept while it lives.
"""

from __future__ import annotations

import logging
import math
from datetime import datetime
from typing import Literal, NamedTuple

from app.models import Call, CallStatus, utcnow
from app.services.records import call_point
from routing import LonLat, Region
from routing.errors import SnapError
from routing.geo import haversine_m
from tracking.eta import PointTables

Destination = Literal["incident", "hospital"] | None
log = logging.getLogger("satria.live")


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


def is_stale(position_at: datetime | None, *, stale_after_s: float) -> bool:
    """True when the last position is older than the threshold (or there is none)."""
    return position_at is None or (utcnow() - position_at).total_seconds() > stale_after_s
