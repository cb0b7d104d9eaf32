"""A loaded region: roads, hospitals, posts, snapping, tables; the library's front door.

region = Region.load("demo")
ranking = region.rank_hospitals(LonLat(109.24, -7.42), "stemi")
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from shapely.geometry.base import BaseGeometry

from routing import engine
from routing.capabilities import Category, Taxonomy
from routing.conditions import Conditions, Restriction, RoutingView
from routing.coverage import DEFAULT_LIMITS_S, Coverage, CoverageCells, compute_coverage
from routing.engine import PointTable, Route, SourceTables, TargetTables
from routing.errors import (
    RegionNotImportedError,
    RegionPackError,
    TaxonomyError,
    UnknownHospitalError,
)
from routing.geo import LonLat, haversine_m
from routing.network import FloatArray, IntArray, RoadNetwork
from routing.pack import (
    ROADS_FILE,
    AmbulancePost,
    District,
    PopulationGrid,
    RegionMeta,
    read_districts,
    read_features,
    read_hospitals,
    read_meta,
    read_population,
    read_posts,
    resolve_region_dir,
)
from routing.placement import place_hospitals, place_posts
from routing.ranking import (
    DEFAULT_STALE_AFTER_S,
    Hospital,
    Ranking,
    Readiness,
    ReadinessBoard,
    rank,
)
from routing.road_selection import select_edges
from routing.snap import DEFAULT_MAX_SNAP_M, EdgeSnapper, Snap
from routing.speed_profile import FREE_FLOW, SpeedProfile
from routing.summary import summarise
from routing.view_keeper import ViewKeeper


@dataclass(frozen=True)
class LoadTimings:
    """Seconds spent in each step of Region.load."""

    files_s: float
    snapper_s: float
    tables_s: float

    @property
    def total_s(self) -> float:
        """All steps."""
        return self.files_s + self.snapper_s + self.tables_s


class Region:
    """Roads, hospitals and ambulance posts of one region, ready to answer queries."""

    def __init__(  # noqa: PLR0913 - keyword-only: a pack's contents
        self,
        *,
        meta: RegionMeta,
        network: RoadNetwork,
        hospital_rows: Sequence[Any],
        posts: Sequence[AmbulancePost],
        taxonomy: Taxonomy,
        directory: Path | None = None,
        max_snap_m: float = DEFAULT_MAX_SNAP_M,
        districts: Sequence[District] = (),
        profile: SpeedProfile | None = None,
        population: PopulationGrid | None = None,
    ) -> None:
        started = time.perf_counter()
        self.meta = meta
        self.network = network
        self.taxonomy = taxonomy
        self.posts = tuple(posts)
        self.districts = {d.code: d for d in districts}
        self.population = population
        self._coverage_cells: CoverageCells | None = None
        self._cells_lock = threading.Lock()
        self.directory = directory
        self.snapper = EdgeSnapper(network, bbox=meta.bbox, max_snap_m=max_snap_m)
        snapped = time.perf_counter()
        self.hospitals = place_hospitals(self.snapper, self.taxonomy, hospital_rows)
        self._hospital_index = {h.id: i for i, h in enumerate(self.hospitals)}
        self._capabilities_only = ReadinessBoard(self.hospitals, self.taxonomy, None)
        self.post_nodes = place_posts(self.snapper, self.posts)
        # Without a profile the roads run at their typical speeds at every hour.
        self.profile = profile
        self.views = ViewKeeper(network, [h.node for h in self.hospitals], self.post_nodes)
        done = time.perf_counter()
        self.timings = LoadTimings(0.0, snapped - started, done - snapped)

    @classmethod
    def load(
        cls,
        name_or_path: str | Path,
        *,
        regions_dir: Path | None = None,
        taxonomy: Taxonomy | None = None,
        max_snap_m: float = DEFAULT_MAX_SNAP_M,
        profile: SpeedProfile | None = None,
    ) -> Region:
        """Load and check a region pack by name (under data/regions) or by path.

        ``profile``: time-of-day speeds (default data/taxonomy/speed_profiles.toml); the
        region starts at typical speeds until :meth:`update` applies a time of day.
        """
        started = time.perf_counter()
        directory = resolve_region_dir(name_or_path, regions_dir)
        meta = read_meta(directory)
        roads = directory / ROADS_FILE
        if not roads.is_file():
            if meta.place:
                msg = (
                    f"region {meta.name!r} has no road network yet: run "
                    f"`satria region import {meta.name}` on a machine with internet access "
                    f"(it downloads {meta.place!r} from OpenStreetMap)"
                )
                raise RegionNotImportedError(msg)
            msg = f"{roads}: missing"
            raise RegionPackError(msg)
        taxonomy = taxonomy or Taxonomy.load()
        network = RoadNetwork.load(roads)
        hospitals = read_hospitals(directory, meta.bbox, taxonomy)
        posts = read_posts(directory, meta.bbox)
        districts = read_districts(directory, meta.bbox)
        population = read_population(directory, meta.bbox)
        files_s = time.perf_counter() - started
        region = cls(
            meta=meta,
            network=network,
            hospital_rows=hospitals,
            posts=posts,
            taxonomy=taxonomy,
            directory=directory,
            max_snap_m=max_snap_m,
            districts=districts,
            profile=profile or SpeedProfile.load(),
            population=population,
        )
        region.timings = LoadTimings(files_s, region.timings.snapper_s, region.timings.tables_s)
        return region

    # --- conditions -----------------------------------------------------------------------

    @property
    def tables(self) -> TargetTables:
        """Hospital tables of the current view."""
        return self.view.tables

    @property
    def post_tables(self) -> SourceTables:
        """Ambulance post tables of the current view."""
        return self.view.post_tables

    def conditions(
        self, when: datetime | None = None, restrictions: Iterable[Restriction] | None = None
    ) -> Conditions:
        """Conditions at the time of day of ``when`` (default: the current view's time of day;
        the library never reads the clock) with ``restrictions`` (default: the current
        view's)."""
        current = self.view.conditions
        kept = current.restrictions if restrictions is None else tuple(restrictions)
        if when is None:
            period, factors = current.period, current.speed_factors
        elif self.profile is None:
            period, factors = FREE_FLOW, None
        else:
            period, factors = self.profile.factors(self.network.road_classes, when)
        return Conditions.make(
            self.network, period=period, speed_factors=factors, restrictions=kept
        )

    def edges_in(self, geometry: BaseGeometry) -> IntArray:
        """Directed edges a restriction drawn as this point, line or polygon covers."""
        return select_edges(self.network, self.snapper, geometry)

    @property
    def view(self) -> RoutingView:
        """The view in use: the roads as routing sees them now."""
        return self.views.view

    def prepare(self, conditions: Conditions) -> RoutingView:
        """A view for these conditions (see :meth:`ViewKeeper.prepare`); not in use until
        :meth:`swap`. Thread-safe."""
        return self.views.prepare(conditions)

    def swap(self, view: RoutingView) -> bool:
        """Put ``view`` in use, unless a newer one already is; queries that started before
        keep the view they read. Returns whether it was put in use."""
        return self.views.swap(view)

    def update(
        self, when: datetime | None = None, restrictions: Iterable[Restriction] | None = None
    ) -> RoutingView:
        """Prepare and swap in one step; returns the view in use afterwards. ``when`` sets
        the time of day (default: keep the current view's); ``restrictions`` replace the
        current ones (default: keep them)."""
        self.swap(self.prepare(self.conditions(when, restrictions)))
        return self.view

    def view_at(self, when: datetime) -> RoutingView:
        """A view for another time of day with the current restrictions (for a planned
        departure); the current view when the period is the same. A few are kept."""
        return self.views.at(self.conditions(when))

    # --- queries --------------------------------------------------------------------------

    def hospital(self, hospital_id: str) -> Hospital:
        """The hospital with this id (UnknownHospitalError, a KeyError, if none)."""
        return self.hospitals[self._index_of(hospital_id)]

    def _index_of(self, hospital_id: str) -> int:
        index = self._hospital_index.get(hospital_id)
        if index is None:
            msg = f"no hospital {hospital_id!r} in region {self.meta.name!r}"
            raise UnknownHospitalError(msg)
        return index

    def district_of(self, point: LonLat) -> District | None:
        """The district whose centre is nearest (an approximation until the pack carries
        district boundaries), or None when the pack lists no districts."""
        if not self.districts:
            return None
        return min(self.districts.values(), key=lambda d: haversine_m(point, d.centre))

    def snap(self, point: LonLat) -> Snap:
        """Place a point on the nearest road edge (see EdgeSnapper.snap)."""
        return self.snapper.snap(point)

    def travel_to_hospitals(
        self, point: LonLat | Snap, *, view: RoutingView | None = None
    ) -> tuple[FloatArray, FloatArray]:
        """Seconds and metres from a point to every hospital, in ``self.hospitals`` order."""
        view = view or self.view
        snap = point if isinstance(point, Snap) else self.snapper.snap(point)
        return view.tables.from_snap(view.network, snap)

    def readiness_board(self, readiness: Mapping[str, Readiness] | None) -> ReadinessBoard:
        """Digest readiness once for many rankings (rebuild it when readiness changes)."""
        return ReadinessBoard(self.hospitals, self.taxonomy, readiness)

    def rank_hospitals(  # noqa: PLR0913 - the library's main call, keyword options
        self,
        point: LonLat,
        category: str | Category,
        readiness: ReadinessBoard | Mapping[str, Readiness] | None = None,
        *,
        now: datetime | None = None,
        stale_after_s: float = DEFAULT_STALE_AFTER_S,
        view: RoutingView | None = None,
    ) -> Ranking:
        """Every hospital for this emergency: eligible ones by ETA, the others with reasons.

        ``readiness`` is a board from :meth:`readiness_board` (fast), a mapping of hospital id
        to Readiness (digested on each call), or None to judge capabilities alone. ``now``
        (UTC) enables the staleness check. ``view``: the roads to rank on (default: the
        current view, read once).
        """
        category = category if isinstance(category, Category) else self.taxonomy.category(category)
        if readiness is None:
            board = self._capabilities_only
        elif isinstance(readiness, ReadinessBoard):
            board = readiness
        else:
            board = self.readiness_board(readiness)
        eta_s, distance_m = self.travel_to_hospitals(point, view=view or self.view)
        return rank(
            point=point,
            category=category,
            board=board,
            eta_s=eta_s.tolist(),
            distance_m=distance_m.tolist(),
            order=np.argsort(eta_s, kind="stable").tolist(),
            now=now,
            stale_after_s=stale_after_s,
        )

    def travel_from_posts(
        self, destination: LonLat | Snap, *, view: RoutingView | None = None
    ) -> FloatArray:
        """Seconds from every ambulance post (``self.posts`` order) to a point: table reads."""
        view = view or self.view
        snap = destination if isinstance(destination, Snap) else self.snapper.snap(destination)
        return view.post_tables.to_snap(view.network, snap)

    def travel_times_to(
        self,
        destination: LonLat | Snap,
        origins: Sequence[LonLat | Snap],
        *,
        limit_s: float = 3600.0,
    ) -> FloatArray:
        """Seconds from each origin (an ambulance) to the destination; inf beyond ``limit_s``."""
        network = self.view.network
        target = destination if isinstance(destination, Snap) else self.snapper.snap(destination)
        snaps = [o if isinstance(o, Snap) else self.snapper.snap(o) for o in origins]
        return engine.travel_times_to(network, target, snaps, limit_s=limit_s)

    def table_to(self, destination: LonLat, *, limit_s: float = np.inf) -> PointTable:
        """Seconds from every node to a point (one search), for many later ETAs to it; it
        carries the version of the view it was built on."""
        view = self.view
        snap = self.snapper.snap(destination)
        return PointTable.build(view.network, snap, limit_s=limit_s, version=view.version)

    def eta_to_point(self, origin: LonLat | Snap, table: PointTable) -> float:
        """Seconds from a point to the destination of ``table``: a snap and a read."""
        snap = origin if isinstance(origin, Snap) else self.snapper.snap(origin)
        return table.time_from(self.view.network, snap)

    def eta_to_hospital(self, origin: LonLat | Snap, hospital_id: str) -> float:
        """Seconds from a point to a hospital: a snap and a read of its table."""
        return float(self.travel_to_hospitals(origin)[0][self._index_of(hospital_id)])

    def route(self, origin: LonLat, destination: LonLat) -> Route:
        """The fastest route between two points, with geometry, seconds and metres."""
        network = self.view.network
        return engine.route(network, self.snapper.snap(origin), self.snapper.snap(destination))

    def route_to_hospital(self, origin: LonLat, hospital_id: str) -> Route:
        """The fastest route to a hospital, read from its table (no search)."""
        view = self.view
        snap = self.snapper.snap(origin)
        target = self._index_of(hospital_id)
        pieces = view.tables.route_pieces(view.network, snap, target)
        time_s = float(view.tables.from_snap(view.network, snap)[0][target])
        return engine.route_from_pieces(view.network, pieces, time_s, at=snap)

    # --- coverage -------------------------------------------------------------------------

    def coverage(
        self,
        capability: str,
        readiness: Mapping[str, Readiness] | None = None,
        *,
        limits_s: Sequence[float] = DEFAULT_LIMITS_S,
        view: RoutingView | None = None,
        hospitals: Sequence[Hospital] | None = None,
    ) -> Coverage:
        """Where a hospital with ``capability`` is within each time limit, on the roads in force
        (closures, time of day) and with current readiness (diversion, capability down).
        ``hospitals``: the same hospitals with today's capabilities (a readiness board's)."""
        if capability not in self.taxonomy.capabilities:
            msg = (
                f"unknown capability {capability!r}; known: {', '.join(self.taxonomy.capabilities)}"
            )
            raise TaxonomyError(msg)
        with self._cells_lock:  # built once, on first use (about a second)
            if self._coverage_cells is None:
                self._coverage_cells = CoverageCells(
                    self.network, self.snapper.projection, self.snapper.max_snap_m
                )
            cells = self._coverage_cells
        return compute_coverage(
            view or self.view,
            hospitals or self.hospitals,
            capability,
            readiness,
            cells,
            limits_s=limits_s,
            population=self.population,
        )

    # --- description ----------------------------------------------------------------------

    @property
    def features(self) -> dict[str, Any] | None:
        """Map features shipped with the pack (river, hills), GeoJSON, or None."""
        return read_features(self.directory) if self.directory is not None else None

    def summary(self) -> dict[str, Any]:
        """What a person wants to know about the region, as plain data."""
        return summarise(self)
