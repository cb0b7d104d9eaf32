"""How good were the ETAs? The ETA given when an ambulance was sent, against the time its own
stored track shows it took to reach the scene; and those tracks as trips for `speeds fit`.

The track starts at the first fix after the assignment (the crew moving off) and arrives at
the first fix within ``arrive_within_m`` of the incident. Outliers are ignored. The error is
(taken - given) / given: positive when the ambulance was slower than promised.
"""

from __future__ import annotations

import csv
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlmodel import Session, col, select

from app.models import Call, Dispatch, GpsFix
from routing.geo import LonLat, haversine_m
from routing.speed_profile import FREE_FLOW, SpeedProfile

ARRIVE_WITHIN_M = 100.0
LONGEST_TRIP = timedelta(hours=3)


@dataclass(frozen=True)
class TripRecord:
    """One ambulance sent to one scene: the promise and what happened."""

    call_id: int
    ambulance_id: str
    given_eta_s: float
    assigned_at: datetime
    departed_at: datetime
    origin: LonLat  # where the first fix after the assignment was
    destination: LonLat
    arrived_at: datetime

    @property
    def taken_s(self) -> float:
        """Seconds from moving off to arriving."""
        return (self.arrived_at - self.departed_at).total_seconds()

    @property
    def error(self) -> float:
        """Relative error of the ETA: positive when the ambulance took longer."""
        return (self.taken_s - self.given_eta_s) / self.given_eta_s


@dataclass(frozen=True)
class ErrorRow:
    """The errors of the trips of one time-of-day period."""

    period: str
    trips: int
    median_given_s: float
    median_taken_s: float
    median_error: float  # signed: the bias
    median_abs_error: float


def trips(
    session: Session,
    *,
    since: datetime,
    until: datetime,
    arrive_within_m: float = ARRIVE_WITHIN_M,
) -> tuple[list[TripRecord], int]:
    """Dispatches in the window whose track reached the scene, and how many did not."""
    query = (
        select(Dispatch, Call)
        .join(Call, col(Call.id) == col(Dispatch.call_id))
        .where(col(Dispatch.assigned_at) >= since, col(Dispatch.assigned_at) < until)
        .where(col(Dispatch.eta_s).is_not(None), col(Dispatch.eta_s) > 0)
        .where(col(Call.lon).is_not(None), col(Call.lat).is_not(None))
        .order_by(col(Dispatch.assigned_at))
    )
    found, unmatched = [], 0
    for dispatch, call in session.exec(query).all():
        scene = LonLat(float(call.lon or 0), float(call.lat or 0))
        end = dispatch.released_at or dispatch.assigned_at + LONGEST_TRIP
        fixes = session.exec(
            select(GpsFix)
            .where(GpsFix.ambulance_id == dispatch.ambulance_id, col(GpsFix.outlier).is_(False))
            .where(col(GpsFix.fix_time) >= dispatch.assigned_at, col(GpsFix.fix_time) <= end)
            .order_by(col(GpsFix.fix_time))
        ).all()
        arrival = next(
            (f for f in fixes if haversine_m(LonLat(f.lon, f.lat), scene) <= arrive_within_m),
            None,
        )
        if not fixes or arrival is None or arrival is fixes[0]:
            unmatched += 1
            continue
        first = fixes[0]
        found.append(
            TripRecord(
                call_id=call.id or 0,
                ambulance_id=dispatch.ambulance_id,
                given_eta_s=float(dispatch.eta_s or 0),
                assigned_at=dispatch.assigned_at,
                departed_at=first.fix_time,
                origin=LonLat(first.lon, first.lat),
                destination=scene,
                arrived_at=arrival.fix_time,
            )
        )
    return found, unmatched


def errors_by_period(records: Sequence[TripRecord], profile: SpeedProfile | None) -> list[ErrorRow]:
    """Per time-of-day period (of the departure), then all trips together ("all")."""
    groups: dict[str, list[TripRecord]] = {}
    for record in records:
        period = profile.period_at(record.departed_at) if profile is not None else None
        groups.setdefault(period.name if period else FREE_FLOW, []).append(record)
    rows = [_row(name, group) for name, group in sorted(groups.items())]
    if records:
        rows.append(_row("all", list(records)))
    return rows


def _row(name: str, group: list[TripRecord]) -> ErrorRow:
    return ErrorRow(
        period=name,
        trips=len(group),
        median_given_s=statistics.median(r.given_eta_s for r in group),
        median_taken_s=statistics.median(r.taken_s for r in group),
        median_error=statistics.median(r.error for r in group),
        median_abs_error=statistics.median(abs(r.error) for r in group),
    )


def write_trips(records: Sequence[TripRecord], path: Path) -> None:
    """The tracks as observed trips, in the CSV layout `satria speeds fit` reads."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["departed_at", "from_lon", "from_lat", "to_lon", "to_lat", "duration_s"])
        for r in records:
            writer.writerow(
                [
                    r.departed_at.isoformat(),
                    f"{r.origin.lon:.6f}",
                    f"{r.origin.lat:.6f}",
                    f"{r.destination.lon:.6f}",
                    f"{r.destination.lat:.6f}",
                    f"{r.taken_s:.0f}",
                ]
            )
