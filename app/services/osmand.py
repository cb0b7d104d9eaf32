"""The OsmAnd protocol as Traccar Client speaks it: one position per HTTP request.

Two shapes reach ``/osmand``:

- parameters, in the query string of a GET or a POST (or a form body): ``id`` (also
  ``deviceid``), ``lat`` and ``lon`` (or ``location=lat,lon``), ``timestamp`` (Unix seconds,
  Unix milliseconds, ISO 8601, or ``yyyy-MM-dd HH:mm:ss`` taken as UTC), ``speed`` in knots,
  ``bearing`` (or ``heading``) in degrees, ``altitude``, ``accuracy`` (or ``hacc``) in metres,
  ``batt`` in percent, and extras that are ignored;
- the JSON body of the newer client: ``{"device_id": ..., "location": {"timestamp": ISO,
  "coords": {"latitude", "longitude", "speed" (m/s), "heading", "accuracy", "altitude"},
  "battery": {"level": 0..1}}}``; -1 means "unknown" there.

A request without a time is stamped with the time it arrived (as Traccar does): the fix is
then judged like any other.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from app.errors import InputError
from tracking.fixes import Fix, readable_time

KNOT_MPS = 1852 / 3600
MAX_IDENTIFIER = 200
_MS_AFTER = 10**11  # a Unix time above this is in milliseconds (seconds reach it in 5138)


@dataclass(frozen=True)
class OsmandReport:
    """Who sent a position (the device identifier) and the fix it carries."""

    identifier: str
    fix: Fix
    battery_percent: float | None = None


def from_parameters(params: Mapping[str, str], *, received_at: datetime) -> OsmandReport:
    """A report from the query string (or form) parameters."""
    identifier = params.get("id") or params.get("deviceid") or ""
    if "location" in params and not ("lat" in params and "lon" in params):
        parts = params["location"].split(",")
        if len(parts) != 2:
            raise InputError("location must be 'lat,lon'", field="location")
        lat_text, lon_text = parts
    else:
        lat_text, lon_text = params.get("lat", ""), params.get("lon", "")
    speed_knots = _number(params, "speed")
    fix = Fix(
        lon=_required(lon_text, "lon"),
        lat=_required(lat_text, "lat"),
        fix_time=_time(params.get("timestamp"), received_at),
        speed_mps=None if speed_knots is None else speed_knots * KNOT_MPS,
        heading_deg=_number(params, "bearing", "heading"),
        accuracy_m=_number(params, "accuracy", "hacc"),
    )
    return _report(identifier, fix, _number(params, "batt"))


def from_json(body: Any, *, received_at: datetime) -> OsmandReport:
    """A report from the newer client's JSON body."""
    if not isinstance(body, dict) or not isinstance(body.get("location"), dict):
        raise InputError("a JSON body needs device_id and a location object", field="location")
    location = body["location"]
    coords = location.get("coords")
    if not isinstance(coords, dict):
        raise InputError("location.coords is missing", field="location.coords")
    battery = location.get("battery") if isinstance(location.get("battery"), dict) else {}
    level = _known(battery.get("level"), "location.battery.level")
    fix = Fix(
        lon=_required(coords.get("longitude"), "location.coords.longitude"),
        lat=_required(coords.get("latitude"), "location.coords.latitude"),
        fix_time=_time(location.get("timestamp"), received_at),
        speed_mps=_known(coords.get("speed"), "location.coords.speed"),
        heading_deg=_known(coords.get("heading"), "location.coords.heading"),
        accuracy_m=_known(coords.get("accuracy"), "location.coords.accuracy"),
    )
    return _report(str(body.get("device_id") or ""), fix, None if level is None else level * 100)


def _report(identifier: str, fix: Fix, battery_percent: float | None) -> OsmandReport:
    """The report, once its values are checked (the same ranges as the crew socket's)."""
    if not identifier or len(identifier) > MAX_IDENTIFIER:
        raise InputError("the device identifier (id) is missing or too long", field="id")
    if not (-90 <= fix.lat <= 90) or not (-180 <= fix.lon <= 180):
        raise InputError(f"lat {fix.lat}, lon {fix.lon} is not a place on Earth", field="lat")
    if fix.speed_mps is not None and not 0 <= fix.speed_mps <= 150:
        raise InputError(f"speed {fix.speed_mps:.1f} m/s is not an ambulance's", field="speed")
    if fix.accuracy_m is not None and not 0 <= fix.accuracy_m <= 100_000:
        raise InputError(f"accuracy {fix.accuracy_m} m is out of range", field="accuracy")
    if fix.heading_deg is not None:
        fix = replace(fix, heading_deg=fix.heading_deg % 360)
    return OsmandReport(identifier, fix, battery_percent)


def _number(params: Mapping[str, str], *names: str) -> float | None:
    for name in names:
        text = params.get(name)
        if text not in (None, ""):
            return _finite(text, name)
    return None


def _required(value: Any, name: str) -> float:
    if value in (None, ""):
        raise InputError(f"{name} is missing", field=name)
    return _finite(value, name)


def _known(value: Any, name: str) -> float | None:
    """A JSON number, None when absent or -1 (the client's "unknown")."""
    if value is None:
        return None
    number = _finite(value, name)
    return None if number < 0 else number


def _finite(value: Any, name: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number, got {str(value)[:40]!r}", field=name) from None
    if not math.isfinite(number) or isinstance(value, bool):
        raise InputError(f"{name} must be a finite number", field=name)
    return number


def _time(value: Any, received_at: datetime) -> datetime:
    """A fix time from Unix seconds or milliseconds, ISO 8601, or 'yyyy-MM-dd HH:mm:ss'
    (UTC); the arrival time when there is none."""
    if value in (None, ""):
        return received_at
    text = str(value).strip()
    try:
        if text.lstrip("-").replace(".", "", 1).isdigit():
            seconds = float(text)
            when = datetime.fromtimestamp(
                seconds / 1000 if seconds > _MS_AFTER else seconds, tz=UTC
            )
        else:
            when = datetime.fromisoformat(text.replace("Z", "+00:00"))
            if when.tzinfo is None:  # Traccar's "yyyy-MM-dd HH:mm:ss": UTC
                when = when.replace(tzinfo=UTC)
    except (ValueError, OverflowError, OSError):
        msg = f"timestamp {text[:40]!r} is neither Unix time nor ISO 8601"
        raise InputError(msg, field="timestamp") from None
    if not readable_time(when):
        raise InputError(f"timestamp {text[:40]!r} is not a plausible time", field="timestamp")
    return when
