"""Road conditions: time-of-day speeds, closures and slowdowns, and the routing view they make.

A ``RoutingView`` is everything a query reads that depends on conditions: the re-weighted
network and the hospital and post tables built on it. It is immutable; a change of conditions
builds a new view next to the old one (recomputing only the tables the change can affect) and
the region swaps one reference. A query reads the reference once, so it sees the old roads or
the new ones, never a mix.

Which tables a change affects follows from the tables themselves. An edge that got slower
(or closed) changes a table only if the table's tree of fastest paths takes it; an edge
that got faster (or reopened) only where it now improves a time (T[u] > w + T[v], for
times to a target; tail and head exchanged for times from a source). Affected tables are
searched again whole (one Dijkstra each, milliseconds): walking only the part of a tree
below a closed road was tried and lost to the plain search on this machine, because
closures of real interest (bridges, arterials) carry most of every tree. Roads that come
back to a recent state (a closure lifted) take the view kept from then: nothing is searched.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import time
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

from routing.engine import SourceTables, TargetTables
from routing.errors import InvalidGeometryError, SnapError, TaxonomyError
from routing.geo import LocalProjection, LonLat
from routing.network import FloatArray, IntArray, RoadNetwork
from routing.snap import EdgeSnapper

DEFAULT_PROFILE_PATH = (
    Path(__file__).resolve().parent.parent / "data" / "taxonomy" / "speed_profiles.toml"
)
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HOURS_PER_WEEK = 7 * 24
FREE_FLOW = "free flow"
# Above this share of edges changed (a new period), every table is rebuilt without checking.
_REBUILD_ALL_SHARE = 0.05


# --- time-of-day profiles ---------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Hours of the week with their own speeds: a factor on the typical speed per road class."""

    name: str
    hours_of_week: frozenset[int]  # 0 = Monday 00:00-00:59 local time
    speed_factors: dict[str, float]  # road class -> factor on the speed (0.5: half as fast)


@dataclass(frozen=True)
class SpeedProfile:
    """Speed factors by hour of the week in a time zone; hours in no period run free flow."""

    timezone: ZoneInfo
    periods: tuple[Period, ...]
    source: str = ""

    @classmethod
    def load(cls, path: Path = DEFAULT_PROFILE_PATH) -> SpeedProfile:
        """Read and check a profile (see data/taxonomy/speed_profiles.toml)."""
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
            return cls.from_dict(raw, source=str(path))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            msg = f"{path}: unreadable speed profile ({exc})"
            raise TaxonomyError(msg) from exc
        except TaxonomyError as exc:
            msg = f"{path}: {exc}"
            raise TaxonomyError(msg) from exc

    @classmethod
    def from_dict(cls, raw: dict[str, object], *, source: str = "") -> SpeedProfile:
        """A profile from plain data: ``timezone`` and a list of ``period`` tables."""
        try:
            zone = ZoneInfo(str(raw.get("timezone", "Asia/Jakarta")))
        except (ZoneInfoNotFoundError, ValueError) as exc:
            msg = f"unknown time zone ({exc})"
            raise TaxonomyError(msg) from exc
        periods = []
        seen: dict[int, str] = {}
        rows = raw.get("period", [])
        if not isinstance(rows, list):
            msg = "`period` must be a list of tables"
            raise TaxonomyError(msg)
        for row in rows:
            period = _period(row)
            for hour in period.hours_of_week:
                if hour in seen:
                    msg = f"periods {seen[hour]!r} and {period.name!r} overlap ({_hour_name(hour)})"
                    raise TaxonomyError(msg)
                seen[hour] = period.name
            periods.append(period)
        return cls(zone, tuple(periods), source)

    def period_at(self, when: datetime) -> Period | None:
        """The period in force at ``when`` (aware; naive means UTC), or None: free flow."""
        hour = hour_of_week(when, self.timezone)
        return next((p for p in self.periods if hour in p.hours_of_week), None)

    def factors(self, road_classes: Sequence[str], when: datetime) -> tuple[str, FloatArray]:
        """The period's name and its speed factor per road class index."""
        period = self.period_at(when)
        if period is None:
            return FREE_FLOW, np.ones(len(road_classes))
        return period.name, np.array([period.speed_factors.get(c, 1.0) for c in road_classes])

    def next_change(self, when: datetime) -> datetime:
        """The start of the next hour whose period differs from the one at ``when`` (UTC)."""
        current = self.period_at(when)
        start = _utc(when).replace(minute=0, second=0, microsecond=0)
        for step in range(1, HOURS_PER_WEEK + 1):
            candidate = start + timedelta(hours=step)
            if self.period_at(candidate) is not current:
                return candidate
        return start + timedelta(days=7)  # one period all week (or none): nothing changes

    def describe(self) -> list[dict[str, object]]:
        """The periods as plain data, for people and the API."""
        return [
            {"name": p.name, "hours": _ranges(p.hours_of_week), "speed_factors": p.speed_factors}
            for p in self.periods
        ]


def hour_of_week(when: datetime, zone: ZoneInfo) -> int:
    """0 for Monday 00:00-00:59 local time, 167 for Sunday 23:00-23:59."""
    local = _utc(when).astimezone(zone)
    return local.weekday() * 24 + local.hour


def _utc(when: datetime) -> datetime:
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _period(row: object) -> Period:
    if not isinstance(row, dict):
        msg = "every period must be a table"
        raise TaxonomyError(msg)
    name = str(row.get("name", "?"))
    days = row.get("days", list(DAYS))
    hours = row.get("hours", [])
    factors = row.get("speed_factors", {})
    if not isinstance(days, list) or any(d not in DAYS for d in days):
        msg = f"period {name!r}: days must be among {', '.join(DAYS)}"
        raise TaxonomyError(msg)
    if not isinstance(hours, list) or not hours or any(h not in range(24) for h in hours):
        msg = f"period {name!r}: hours must be a non-empty list of 0..23"
        raise TaxonomyError(msg)
    if not isinstance(factors, dict) or not factors:
        msg = f"period {name!r}: speed_factors must name at least one road class"
        raise TaxonomyError(msg)
    speed_factors = {str(k): float(v) for k, v in factors.items()}
    bad = {k: v for k, v in speed_factors.items() if not 0.1 <= v <= 2.0}
    if bad:
        msg = f"period {name!r}: speed factors must lie in [0.1, 2.0]: {bad}"
        raise TaxonomyError(msg)
    week = frozenset(DAYS.index(d) * 24 + h for d in days for h in hours)
    return Period(name, week, speed_factors)


def _hour_name(hour: int) -> str:
    return f"{DAYS[hour // 24]} {hour % 24:02d}:00"


def _ranges(hours: Iterable[int]) -> list[str]:
    """Hours of the week as readable runs: 'mon 06:00-08:00'."""
    runs: list[list[int]] = []
    for h in sorted(hours):
        if runs and h == runs[-1][-1] + 1 and h // 24 == runs[-1][0] // 24:
            runs[-1].append(h)
        else:
            runs.append([h])
    return [f"{_hour_name(r[0])}-{(r[-1] % 24) + 1:02d}:00" for r in runs]


# --- restrictions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Restriction:
    """Edges closed (``factor`` infinite) or slowed (travel time times ``factor`` >= 1)."""

    edges: IntArray
    factor: float = math.inf

    @property
    def closes(self) -> bool:
        """Whether no path may cross these edges."""
        return math.isinf(self.factor)


@dataclass(frozen=True, eq=False)
class Conditions:
    """Per edge: the travel time multiplier (finite) and whether the edge is closed."""

    period: str
    multiplier: FloatArray
    closed: npt.NDArray[np.bool_]
    restrictions: tuple[Restriction, ...] = ()
    speed_factors: FloatArray | None = None  # the period's, per road class (None: typical)

    @classmethod
    def make(
        cls,
        network: RoadNetwork,
        *,
        period: str = FREE_FLOW,
        speed_factors: FloatArray | None = None,
        restrictions: Iterable[Restriction] = (),
    ) -> Conditions:
        """Conditions from a period's speed factors per road class and restrictions."""
        multiplier = np.ones(network.edge_count)
        if speed_factors is not None:
            multiplier = 1.0 / np.asarray(speed_factors, dtype=np.float64)[network.road_class]
        closed = np.zeros(network.edge_count, dtype=bool)
        restrictions = tuple(restrictions)
        for restriction in restrictions:
            if restriction.closes:
                closed[restriction.edges] = True
            else:
                multiplier[restriction.edges] *= restriction.factor
        factors = None if speed_factors is None else np.asarray(speed_factors, dtype=np.float64)
        return cls(period, multiplier, closed, restrictions, factors)

    def fingerprint(self) -> bytes:
        """Equal for equal roads: the period, every edge's multiplier and closure."""
        digest = hashlib.blake2b(self.period.encode(), digest_size=16)
        digest.update(np.ascontiguousarray(self.multiplier).tobytes())
        digest.update(np.packbits(self.closed).tobytes())
        return digest.digest()

    def weights(self, base: RoadNetwork) -> FloatArray:
        """Effective travel seconds per edge of the ``base`` network (typical speeds) under
        these conditions, as searches see them (closed: inf)."""
        times = base.travel_time_s * self.multiplier
        return np.where(self.closed, np.inf, times)


_Tables = TypeVar("_Tables", TargetTables, SourceTables)

# --- views ------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class RoutingView:
    """The network under some conditions and the tables built on it; never changed."""

    version: int
    conditions: Conditions
    network: RoadNetwork
    tables: TargetTables
    post_tables: SourceTables
    tables_recomputed: int  # of len(hospitals) + len(posts), to make this view
    build_s: float

    @property
    def period(self) -> str:
        """Name of the time-of-day period."""
        return self.conditions.period

    @property
    def weights(self) -> FloatArray:
        """Effective travel seconds per edge (closed: inf). The view's network is already
        re-weighted: only the closures remain to apply."""
        return np.where(self.conditions.closed, np.inf, self.network.travel_time_s)


def build_view(
    base: RoadNetwork,
    conditions: Conditions,
    *,
    hospital_nodes: Sequence[int],
    post_nodes: Sequence[int],
    version: int,
    previous: RoutingView | None = None,
) -> RoutingView:
    """Re-weight ``base`` and build its tables; from ``previous``, only the affected ones."""
    started = time.perf_counter()
    network = base.reweighted(base.travel_time_s * conditions.multiplier, conditions.closed)
    if previous is None:
        tables = TargetTables.build(network, hospital_nodes)
        post_tables = SourceTables.build(network, post_nodes)
        recomputed = len(hospital_nodes) + len(post_nodes)
    else:
        old_w, new_w = previous.weights, conditions.weights(base)
        slower, faster = new_w > old_w, new_w < old_w
        everything = slower.sum() + faster.sum() > _REBUILD_ALL_SHARE * base.edge_count
        up, down = np.flatnonzero(slower), np.flatnonzero(faster)
        to_redo = np.ones(len(hospital_nodes), dtype=bool)
        posts_to_redo = np.ones(len(post_nodes), dtype=bool)
        if not everything:
            # A slower edge changes a table only where its tree takes that edge (exact, ties
            # excluded); a faster one where it now improves a time.
            to_redo = _uses(previous.tables.next_edge, up) | affected_columns(
                previous.tables.time_s, network.head, network.tail, down[:0], old_w, down, new_w
            )
            posts_to_redo = _uses(previous.post_tables.tree_edge, up) | affected_columns(
                previous.post_tables.time_s, network.tail, network.head, down[:0], old_w, down,
                new_w,
            )  # fmt: skip
        tables = _rebuild(previous.tables, previous.tables.target_nodes, to_redo, network)
        post_tables = _rebuild(
            previous.post_tables, previous.post_tables.source_nodes, posts_to_redo, network
        )
        recomputed = int(to_redo.sum() + posts_to_redo.sum())
    return RoutingView(
        version=version,
        conditions=conditions,
        network=network,
        tables=tables,
        post_tables=post_tables,
        tables_recomputed=recomputed,
        build_s=time.perf_counter() - started,
    )


def affected_columns(
    times: npt.NDArray[np.floating],
    near: npt.NDArray[np.integer],
    far: npt.NDArray[np.integer],
    up: IntArray,
    old_w: FloatArray,
    down: IntArray,
    new_w: FloatArray,
) -> npt.NDArray[np.bool_]:
    """Which columns of a (nodes, k) table of fastest times change when edge weights change.

    The table's relaxation reads ``times[far] = min(times[near] + w)`` over edges: for times
    to a target, near is the edge's head and far its tail; for times from a source, the
    reverse. A slower edge matters where it was tight; a faster one where it now improves.
    """
    times = np.atleast_2d(times.T).T  # a single column (a point table) as (nodes, 1)
    result = np.zeros(times.shape[1], dtype=bool)
    if len(up):
        via = times[near[up]] + old_w[up, None]
        there = times[far[up]]
        with np.errstate(invalid="ignore"):  # inf - inf where a closure cut nodes off
            tight = np.isfinite(there) & (np.abs(via - there) <= 1e-6 * np.maximum(1.0, there))
        result |= tight.any(axis=0)
    if len(down):
        via = times[near[down]] + new_w[down, None]
        result |= (via < times[far[down]] - 1e-6).any(axis=0)
    return result


def _rebuild(
    previous: _Tables, nodes: IntArray, redo: npt.NDArray[np.bool_], network: RoadNetwork
) -> _Tables:
    """The tables with the ``redo`` columns searched again (hospital or post tables: every
    array field is (nodes, columns) but the column nodes themselves)."""
    kind = type(previous)
    if redo.all():
        return kind.build(network, nodes.tolist())
    if not redo.any():
        return previous
    columns = np.flatnonzero(redo)
    fresh = kind.build(network, nodes[columns].tolist())
    arrays = {}
    for field in dataclasses.fields(previous):
        value = getattr(previous, field.name)
        if value is nodes:
            continue
        arrays[field.name] = value.copy()
        arrays[field.name][:, columns] = getattr(fresh, field.name)
    return dataclasses.replace(previous, **arrays)


def _uses(tree_edge: npt.NDArray[np.integer], edges: IntArray) -> npt.NDArray[np.bool_]:
    """Which columns' trees take one of ``edges``."""
    if not len(edges):
        return np.zeros(tree_edge.shape[1], dtype=bool)
    used: npt.NDArray[np.bool_] = np.asarray(np.isin(tree_edge, edges).any(axis=0))
    return used


# --- where a restriction applies --------------------------------------------------------------

POINT_REACH_M = 100.0  # a point names the road within this distance
LINE_WIDTH_M = 20.0  # a drawn line names the roads within this distance of it
LINE_SHARE = 0.5  # ...that run along it for at least half their length (or LINE_MIN_M)
LINE_MIN_M = 150.0


def select_edges(network: RoadNetwork, snapper: EdgeSnapper, geometry: BaseGeometry) -> IntArray:
    """The directed edges a drawn restriction covers (lon/lat geometry), both directions.

    - a point: the road segment nearest to it (within POINT_REACH_M);
    - a line: the road segments that run along it (a stretch of road traced on the map),
      not the streets that merely cross it;
    - a polygon: every road segment that enters the area (a flooded village, a landslide).
    """
    projection = snapper.projection
    if isinstance(geometry, shapely.Point):
        snap = snapper.snap(LonLat(geometry.x, geometry.y))
        if snap.distance_m > POINT_REACH_M:
            msg = f"no road within {POINT_REACH_M:.0f} m of the point ({snap.distance_m:.0f} m)"
            raise SnapError(msg)
        return _both_ways(network, np.array([p.edge for p in snap.placements]))
    shape = shapely.transform(
        geometry, lambda c: np.column_stack(projection.to_xy(c[:, 0], c[:, 1]))
    )
    area: BaseGeometry
    if isinstance(shape, shapely.LineString | shapely.MultiLineString):
        area = shape.buffer(LINE_WIDTH_M)
    elif isinstance(shape, shapely.Polygon | shapely.MultiPolygon):
        area = shape
    else:
        msg = f"a restriction is a point, a line or a polygon, not a {geometry.geom_type}"
        raise InvalidGeometryError(msg)
    candidates, lines = _edge_lines_near(network, projection, area.bounds)
    if not len(candidates):
        return np.zeros(0, dtype=np.int64)
    if area is shape:  # a polygon: any part inside
        hit = shapely.intersects(lines, area)
    else:
        inside = shapely.length(shapely.intersection(lines, area))
        length = np.maximum(shapely.length(lines), 1e-9)
        hit = (inside >= LINE_SHARE * length) | (inside >= LINE_MIN_M)
    return _both_ways(network, candidates[hit])


def _edge_lines_near(
    network: RoadNetwork, projection: LocalProjection, bounds: tuple[float, ...]
) -> tuple[IntArray, npt.NDArray[np.object_]]:
    """Edges whose points come near a box (projected metres), with their geometry."""
    x0, y0, x1, y1 = bounds
    margin = 2_000.0  # edge points between the nodes stay within this of the nodes
    nx, ny = projection.to_xy(network.node_lon, network.node_lat)
    near = (nx >= x0 - margin) & (nx <= x1 + margin) & (ny >= y0 - margin) & (ny <= y1 + margin)
    candidates = np.flatnonzero(near[network.tail] | near[network.head])
    lines = []
    for edge in candidates:
        lon, lat = network.edge_points(int(edge))
        lines.append(shapely.LineString(np.column_stack(projection.to_xy(lon, lat))))
    return candidates, np.array(lines, dtype=object)


def _both_ways(network: RoadNetwork, edges: IntArray) -> IntArray:
    reverse = network.reverse_edge[edges]
    return np.unique(np.concatenate((edges, reverse[reverse >= 0]))).astype(np.int64)
