"""Ambulances: the registry, their status, and which can reach an incident soonest."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from app.errors import ConflictError, InputError, NotFoundError
from app.models import Ambulance, AmbulanceStatus
from app.services import audit
from routing import LonLat, Region
from routing.errors import SnapError

AMBULANCE_SEARCH_LIMIT_S = 3600.0  # ambulances farther than an hour are not recommended


@dataclass(frozen=True)
class AmbulanceOption:
    """An available ambulance and its road travel time to the incident."""

    ambulance_id: str
    name: str
    post_id: str
    eta_s: float
    position: LonLat
    position_at: datetime | None  # None: at its post (no GPS fix yet)


def get_ambulance(session: Session, ambulance_id: str) -> Ambulance:
    """The ambulance row; NotFoundError if none."""
    ambulance = session.get(Ambulance, ambulance_id)
    if ambulance is None:
        msg = f"no ambulance {ambulance_id!r}"
        raise NotFoundError(msg)
    return ambulance


def list_ambulances(session: Session, *, status: AmbulanceStatus | None = None) -> list[Ambulance]:
    """Ambulances by id, optionally of one status."""
    query = select(Ambulance).order_by(col(Ambulance.id))
    if status is not None:
        query = query.where(Ambulance.status == status)
    return list(session.exec(query))


def nearest_available(
    session: Session, region: Region, incident: LonLat, *, limit: int = 3
) -> list[AmbulanceOption]:
    """The available ambulances that reach the incident soonest by road, fastest first.

    One bounded reverse Dijkstra from the incident answers for every ambulance at once. An
    ambulance whose last position is off the road network is left out (its crew is asked
    by radio instead).
    """
    candidates: list[tuple[Ambulance, LonLat]] = []
    snaps = []
    for ambulance in list_ambulances(session, status=AmbulanceStatus.AVAILABLE):
        if ambulance.lon is None or ambulance.lat is None:
            continue
        position = LonLat(ambulance.lon, ambulance.lat)
        try:
            snaps.append(region.snap(position))
        except SnapError:
            continue
        candidates.append((ambulance, position))
    if not candidates:
        return []
    eta_s = region.travel_times_to(incident, snaps, limit_s=AMBULANCE_SEARCH_LIMIT_S)
    options = [
        AmbulanceOption(a.id, a.name, a.post_id, float(t), p, a.position_at)
        for (a, p), t in zip(candidates, eta_s.tolist(), strict=True)
        if math.isfinite(t)
    ]
    options.sort(key=lambda o: (o.eta_s, o.ambulance_id))
    return options[:limit]


def claim(session: Session, ambulance_id: str) -> None:
    """Mark an available ambulance assigned, atomically; ConflictError if it is not available.

    A conditional UPDATE, so that two operators (on any worker) cannot take the same one.
    """
    get_ambulance(session, ambulance_id)
    claimed = session.execute(
        update(Ambulance)
        .where(
            col(Ambulance.id) == ambulance_id, col(Ambulance.status) == AmbulanceStatus.AVAILABLE
        )
        .values(status=AmbulanceStatus.ASSIGNED)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        msg = f"ambulance {ambulance_id} is not available"
        raise ConflictError(msg)


def release(session: Session, ambulance_id: str) -> None:
    """An assigned ambulance becomes available again (its call ended)."""
    session.execute(
        update(Ambulance)
        .where(col(Ambulance.id) == ambulance_id, col(Ambulance.status) == AmbulanceStatus.ASSIGNED)
        .values(status=AmbulanceStatus.AVAILABLE)
    )


def set_service_status(
    session: Session, *, ambulance_id: str, in_service: bool, actor_user_id: int
) -> Ambulance:
    """Take an ambulance out of service or put it back (not while it is assigned)."""
    ambulance = get_ambulance(session, ambulance_id)
    if ambulance.status is AmbulanceStatus.ASSIGNED:
        msg = f"ambulance {ambulance_id} is on a call; release it first"
        raise ConflictError(msg)
    ambulance.status = AmbulanceStatus.AVAILABLE if in_service else AmbulanceStatus.OUT_OF_SERVICE
    session.add(ambulance)
    audit.record(
        session, actor_user_id=actor_user_id, action="ambulance.service", entity="ambulance",
        entity_id=ambulance_id, status=ambulance.status.value,
    )  # fmt: skip
    session.commit()
    return ambulance


def set_crew(session: Session, *, ambulance_id: str, crew: str, actor_user_id: int) -> Ambulance:
    """Record the crew on board (names as the post writes them)."""
    if len(crew) > 300:
        msg = "crew is at most 300 characters"
        raise InputError(msg, field="crew")
    ambulance = get_ambulance(session, ambulance_id)
    ambulance.crew = crew
    session.add(ambulance)
    audit.record(
        session, actor_user_id=actor_user_id, action="ambulance.crew", entity="ambulance",
        entity_id=ambulance_id,
    )  # fmt: skip
    session.commit()
    return ambulance
