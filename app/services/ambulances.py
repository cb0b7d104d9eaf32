"""Ambulances: the registry, their status, and which can reach an incident soonest."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple

from sqlalchemy import func, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from app.errors import ConflictError, InputError, NotFoundError
from app.models import Ambulance, AmbulanceStatus
from app.services import audit
from routing import LonLat, Region
from routing.errors import SnapError
from routing.geo import haversine_m
from routing.snap import Snap

AT_POST_M = 150.0  # an ambulance this close to its post is timed from the post's table


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

    An ambulance waiting at its post (no fix yet, or a fix within AT_POST_M of it) is timed
    from the post's precomputed table: no search. Ambulances elsewhere (driving back from a
    hospital) need one bounded reverse search from the incident, bounded by the ``limit``-th
    best post time, since nothing slower can make the list. One whose position is off the
    road network is left out (its crew is asked by radio instead).
    """
    target = region.snap(incident)
    from_posts = region.travel_from_posts(target).tolist()
    post_index = {post.id: i for i, post in enumerate(region.posts)}
    options: list[AmbulanceOption] = []
    roaming: list[tuple[_Available, LonLat, Snap]] = []
    for ambulance in _available(session):
        i = post_index.get(ambulance.post_id)
        position = (
            LonLat(ambulance.lon, ambulance.lat)
            if ambulance.lon is not None and ambulance.lat is not None
            else None
        )
        if i is not None and (
            position is None or haversine_m(position, region.posts[i].location) <= AT_POST_M
        ):
            if math.isfinite(from_posts[i]):
                post = region.posts[i].location
                options.append(_option(ambulance, from_posts[i], position or post))
            continue
        if position is None:
            continue
        try:
            roaming.append((ambulance, position, region.snap(position)))
        except SnapError:
            continue
    if roaming:
        times = sorted(o.eta_s for o in options)
        bound = times[limit - 1] if len(times) >= limit else math.inf
        eta_s = region.travel_times_to(target, [r[2] for r in roaming], limit_s=bound)
        for (ambulance, position, _), eta in zip(roaming, eta_s.tolist(), strict=True):
            if math.isfinite(eta):
                options.append(_option(ambulance, eta, position))
    options.sort(key=lambda o: (o.eta_s, o.ambulance_id))
    return options[:limit]


class _Available(NamedTuple):
    id: str
    name: str
    post_id: str
    lon: float | None
    lat: float | None
    position_at: datetime | None


def _available(session: Session) -> list[_Available]:
    """The available ambulances, asked on every call: one row, a JSON array the database
    builds, not a row per ambulance.

    The SQLite driver lets go of the GIL at every row it steps. Under load each step then
    waits for the GIL behind the request threads (up to a switch interval, 5 ms): twenty
    rows read one by one took tens of milliseconds at 50 clients; one row takes one wait.
    """
    columns = (
        col(Ambulance.id),
        col(Ambulance.name),
        col(Ambulance.post_id),
        col(Ambulance.lon),
        col(Ambulance.lat),
        col(Ambulance.position_at),
    )
    if session.get_bind().dialect.name == "postgresql":
        rows = func.json_agg(func.json_build_array(*columns))
    else:
        rows = func.json_group_array(func.json_array(*columns))
    query = sa_select(rows).where(col(Ambulance.status) == AmbulanceStatus.AVAILABLE)
    text = session.connection().execute(query).scalar_one()  # Core: no ORM objects
    found = json.loads(text) if isinstance(text, str) else (text or [])
    return [
        _Available(id_, name, post_id, lon, lat, _instant(at))
        for id_, name, post_id, lon, lat, at in found
    ]


def _instant(text: str | None) -> datetime | None:
    """A stored time as JSON gave it: aware UTC (SQLite keeps UTC text without its zone)."""
    if text is None:
        return None
    at = datetime.fromisoformat(text)
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _option(ambulance: _Available, eta_s: float, position: LonLat) -> AmbulanceOption:
    return AmbulanceOption(
        ambulance.id, ambulance.name, ambulance.post_id, eta_s, position, ambulance.position_at
    )


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
        session,
        actor_user_id=actor_user_id,
        action="ambulance.service",
        entity="ambulance",
        entity_id=ambulance_id,
        status=ambulance.status.value,
    )
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
        session,
        actor_user_id=actor_user_id,
        action="ambulance.crew",
        entity="ambulance",
        entity_id=ambulance_id,
    )
    session.commit()
    return ambulance
