"""Road closures and slowdowns: stored, audited, listed, lifted; and the routing view that
follows them and the time of day.

A restriction is stored with the shape the operator drew (GeoJSON); the road segments it
covers are found again from that shape whenever the roads are rebuilt, so a restart or
another worker gets the same edges. ``RoadConditionsKeeper`` is the one place that changes
the region's routing view: it rebuilds in a thread and swaps the view whole.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import shapely
from shapely.errors import ShapelyError
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from app.errors import InputError, NotFoundError
from app.models import RestrictionKind, RoadRestriction, utcnow
from app.services import audit
from app.services.users import Principal
from routing import Region
from routing.conditions import Conditions, Restriction, RoutingView
from routing.errors import SnapError
from tracking.broker import Broker

log = logging.getLogger("satria.roads")

CHANNEL = "roads"  # a restriction was added or lifted: every worker refreshes
MAX_DURATION = timedelta(days=30)  # a longer closure is a map edit, not an incident


@dataclass(frozen=True)
class RestrictionRequest:
    """What an operator asks for: where, what, why, until when."""

    kind: RestrictionKind
    geometry: dict[str, Any]
    reason: str
    expires_at: datetime
    factor: float | None = None


def parse_geometry(region: Region, geojson: dict[str, Any]) -> BaseGeometry:
    """A GeoJSON Point, LineString or Polygon inside the region, or a clear 422."""
    try:
        geometry = shape(geojson)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, ShapelyError) as exc:
        msg = f"geometry is not valid GeoJSON ({exc})"
        raise InputError(msg, field="geometry") from exc
    allowed = (shapely.Point, shapely.LineString, shapely.Polygon, shapely.MultiPolygon)
    if not isinstance(geometry, allowed) or geometry.is_empty:
        msg = "geometry must be a Point, LineString or Polygon"
        raise InputError(msg, field="geometry")
    if not geometry.is_valid:
        msg = f"geometry is not valid ({shapely.is_valid_reason(geometry)})"
        raise InputError(msg, field="geometry")
    west, south, east, north = region.meta.bbox
    if not shapely.box(west, south, east, north).contains(geometry):
        msg = f"geometry must lie inside the region {list(region.meta.bbox)}"
        raise InputError(msg, field="geometry")
    return geometry


def edges_of(region: Region, geometry: BaseGeometry) -> np.ndarray:
    """The directed road segments a drawn restriction covers; a 422 when it covers none."""
    try:
        edges = region.edges_in(geometry)
    except SnapError as exc:
        raise InputError(str(exc), field="geometry") from exc
    if not len(edges):
        msg = "the drawn shape covers no road of the region"
        raise InputError(msg, field="geometry")
    return edges


def create(
    session: Session, region: Region, *, request: RestrictionRequest, principal: Principal
) -> RoadRestriction:
    """Store a closure or slowdown (audited); the keeper applies it."""
    now = utcnow()
    if request.expires_at <= now:
        raise InputError("expires_at must be in the future", field="expires_at")
    if request.expires_at > now + MAX_DURATION:
        msg = f"expires_at must be within {MAX_DURATION.days} days"
        raise InputError(msg, field="expires_at")
    if request.kind is RestrictionKind.SLOWDOWN and (request.factor or 0) <= 1:
        raise InputError("a slowdown needs a factor above 1", field="factor")
    if request.kind is RestrictionKind.CLOSURE and request.factor is not None:
        raise InputError("a closure takes no factor", field="factor")
    edges = edges_of(region, parse_geometry(region, request.geometry))
    row = RoadRestriction(
        kind=request.kind,
        factor=request.factor,
        reason=request.reason.strip(),
        geometry=request.geometry,
        edge_count=len(edges),
        created_by=principal.user_id,
        expires_at=request.expires_at,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor_user_id=principal.user_id,
        action="road.restricted",
        entity="road_restriction",
        entity_id=row.id or 0,
        kind=row.kind.value,
        factor=row.factor,
        reason=row.reason,
        edges=row.edge_count,
        expires_at=row.expires_at.isoformat(),
    )
    session.commit()
    session.refresh(row)
    return row


def lift(session: Session, *, restriction_id: int, principal: Principal) -> RoadRestriction:
    """End a restriction now (audited); lifting one already over changes nothing."""
    row = session.get(RoadRestriction, restriction_id)
    if row is None:
        msg = f"no road restriction {restriction_id}"
        raise NotFoundError(msg)
    if row.lifted_at is None and row.expires_at > utcnow():
        row.lifted_at, row.lifted_by = utcnow(), principal.user_id
        session.add(row)
        audit.record(
            session,
            actor_user_id=principal.user_id,
            action="road.lifted",
            entity="road_restriction",
            entity_id=restriction_id,
        )
        session.commit()
        session.refresh(row)
    return row


def active(session: Session, at: datetime | None = None) -> list[RoadRestriction]:
    """Restrictions in force at ``at`` (default now), oldest first."""
    at = at or utcnow()
    query = (
        select(RoadRestriction)
        .where(col(RoadRestriction.lifted_at).is_(None), col(RoadRestriction.expires_at) > at)
        .order_by(col(RoadRestriction.id))
    )
    return list(session.exec(query))


def listing(session: Session, *, include_past: bool, limit: int) -> list[RoadRestriction]:
    """Restrictions in force, or all of them newest first (``include_past``)."""
    if not include_past:
        return active(session)
    query = select(RoadRestriction).order_by(col(RoadRestriction.id).desc()).limit(limit)
    return list(session.exec(query))


def to_restriction(
    region: Region, row: RoadRestriction, known: dict[int, np.ndarray] | None = None
) -> Restriction:
    """The routing restriction of a stored one (edges found from its shape, or ``known``)."""
    edges = known.get(row.id or 0) if known is not None else None
    if edges is None:
        edges = region.edges_in(shape(row.geometry))
        if known is not None:
            known[row.id or 0] = edges
    factor = math.inf if row.kind is RestrictionKind.CLOSURE else float(row.factor or 1)
    return Restriction(edges, factor)


def is_active(row: RoadRestriction, at: datetime | None = None) -> bool:
    """In force at ``at`` (default now)."""
    return row.lifted_at is None and row.expires_at > (at or utcnow())


# --- the keeper ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    """What the routing view should reflect: the period and the restrictions in force."""

    period: str
    restrictions: tuple[tuple[int, float], ...]  # (id, factor; inf = closed)


@dataclass(frozen=True)
class KeeperTiming:
    """How often the keeper looks again anyway (s), and how early it builds the view of the
    next period (s)."""

    refresh_s: float = 5.0
    lead_s: float = 300.0


class RoadConditionsKeeper:
    """Keeps the region's routing view equal to the restrictions in force and the time of day.

    It wakes when told (a restriction posted on this worker, or on another through the
    broker), at the next expiry, ahead of the next change of period (to build that view
    before it is needed), and every ``refresh_s`` in any case.
    """

    def __init__(
        self,
        engine: Engine,
        region: Region,
        broker: Broker,
        *,
        timing: KeeperTiming = KeeperTiming(),
        on_swap: Callable[[RoutingView, float], None] | None = None,
    ) -> None:
        self._engine = engine
        self._region = region
        self._broker = broker
        self._refresh_s = timing.refresh_s
        self._lead_s = timing.lead_s
        self._on_swap = on_swap
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._edges: dict[int, np.ndarray] = {}  # restriction id -> edges (shapes never change)
        self._applied = _Target(region.view.period, ())
        self._ahead: tuple[_Target, RoutingView] | None = None
        self._next_expiry: datetime | None = None
        self.last_change_s: float | None = None  # seconds from wake-up to swap, last time

    async def start(self) -> None:
        """Bring the view up to date now (before serving), then keep it so."""
        self._loop = asyncio.get_running_loop()
        await self.apply()
        self._tasks = [asyncio.create_task(self._run()), asyncio.create_task(self._listen())]

    async def stop(self) -> None:
        """Stop the background tasks."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def profile_description(self) -> list[dict[str, object]]:
        """The time-of-day periods in force (empty: typical speeds at every hour)."""
        profile = self._region.profile
        return profile.describe() if profile is not None else []

    def changed(self) -> None:
        """A restriction was added or lifted here (from any thread): apply it, and tell the
        other workers."""
        loop = self._loop
        if loop is None:
            return  # not started: start() reads the restrictions anyway
        loop.call_soon_threadsafe(self._wake.set)
        asyncio.run_coroutine_threadsafe(self._tell_others(), loop)

    async def _tell_others(self) -> None:
        try:
            await self._broker.publish(CHANNEL, "changed")
        except Exception:  # the others catch up at their next refresh
            log.warning("could not tell the other workers about a road change")

    async def apply(self, now: datetime | None = None) -> RoutingView:
        """Make the view reflect the restrictions and period in force at ``now``."""
        started = time.perf_counter()
        now = now or utcnow()
        rows = await asyncio.to_thread(self._load, now)
        self._next_expiry = min((r.expires_at for r in rows), default=None)
        target, restrictions = self._target(rows, now)
        if target != self._applied:
            ahead = self._ahead
            if ahead is not None and ahead[0] == target:
                view = ahead[1]
            else:
                conditions = self._conditions(now, restrictions)
                view = await asyncio.to_thread(self._region.prepare, conditions)
            if self._region.swap(view):
                self._applied = target
                self.last_change_s = time.perf_counter() - started
                log.info(
                    "roads: %s, %d restrictions; %d tables recomputed in %.2f s",
                    view.period,
                    len(restrictions),
                    view.tables_recomputed,
                    view.build_s,
                )
                if self._on_swap is not None:
                    self._on_swap(view, self.last_change_s)
            self._ahead = None
        await self._prepare_ahead(now, rows)
        return self._region.view

    def _load(self, now: datetime) -> list[RoadRestriction]:
        with Session(self._engine) as session:
            return active(session, now)

    def _target(
        self, rows: list[RoadRestriction], now: datetime
    ) -> tuple[_Target, list[Restriction]]:
        restrictions = [to_restriction(self._region, row, self._edges) for row in rows]
        period = self._period(now)
        key = tuple((row.id or 0, r.factor) for row, r in zip(rows, restrictions, strict=True))
        return _Target(period, key), restrictions

    def _period(self, when: datetime) -> str:
        return self._region.conditions(when, []).period

    def _conditions(self, when: datetime, restrictions: list[Restriction]) -> Conditions:
        return self._region.conditions(when, restrictions)

    async def _prepare_ahead(self, now: datetime, rows: list[RoadRestriction]) -> None:
        """Within ``lead_s`` of a change of period, build that period's view in advance."""
        profile = self._region.profile
        if profile is None:
            return
        change = profile.next_change(now)
        if (change - now).total_seconds() > self._lead_s:
            return
        still = [r for r in rows if r.expires_at > change]
        target, restrictions = self._target(still, change)
        if self._ahead is not None and self._ahead[0] == target:
            return
        conditions = self._conditions(change, restrictions)
        self._ahead = (target, await asyncio.to_thread(self._region.prepare, conditions))

    def _sleep_s(self, now: datetime) -> float:
        wake_at = [now + timedelta(seconds=self._refresh_s)]
        if self._next_expiry is not None:
            wake_at.append(self._next_expiry)
        if self._region.profile is not None:
            change = self._region.profile.next_change(now)
            wake_at += [change, change - timedelta(seconds=self._lead_s)]
        soonest = min(t for t in wake_at if t > now)
        return max(0.05, (soonest - now).total_seconds())

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._sleep_s(utcnow()))
            self._wake.clear()
            try:
                await self.apply()
            except Exception:  # a database hiccup: the next round tries again
                log.exception("road conditions could not be refreshed")

    async def _listen(self) -> None:
        while True:
            try:
                async with self._broker.subscribe(CHANNEL) as subscription:
                    async for _ in subscription:
                        self._wake.set()
            except asyncio.CancelledError:
                raise
            except Exception:  # the broker is away: the periodic refresh covers the gap
                await asyncio.sleep(1.0)
