"""Coverage: where a hospital able to treat a condition can be reached within a time limit.

The travel time from every road node to the nearest eligible hospital is one read across
the hospital tables (a minimum over their columns). From it:

- road length covered: a point at fraction f of edge u->v reaches a hospital in
  (1 - f) * w + T[v], so the covered part of the edge is min(1, (L - T[v]) / w); a two-way
  road counts its two directions' covered ends together, once;
- the isochrone polygon: the union of the road nodes' cells within the limit. A node's cell
  is its Voronoi cell (the points nearer to it than to any other node) cut to the snapping
  distance around it, since a call farther from any road cannot be placed at all. So the
  polygon contains a node exactly when the node is within the limit;
- population: the people of the grid points inside the polygon.

Eligible: the hospital has the capability, is not on diversion and has not reported the
capability down. Beds are not judged here: coverage is about capability, not tonight's beds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from routing.conditions import RoutingView
from routing.geo import LocalProjection
from routing.network import FloatArray, RoadNetwork
from routing.pack import PopulationGrid
from routing.ranking import Hospital, Readiness

DEFAULT_LIMITS_S = (900.0, 1800.0, 3600.0)  # 15, 30 and 60 minutes


@dataclass(frozen=True)
class CoverageBand:
    """What lies within one time limit of an eligible hospital."""

    limit_s: float
    nodes: int
    area_km2: float
    area_share: float  # of the area where a call can be placed (every node's cell)
    road_km: float
    road_share: float
    population: float | None
    population_share: float | None
    polygon: BaseGeometry  # lon/lat degrees


@dataclass(frozen=True)
class Coverage:
    """Coverage of one capability, per time limit, nearest first."""

    capability: str
    hospital_ids: tuple[str, ...]  # the eligible ones
    excluded: dict[str, str]  # hospital id -> why it does not count (diversion, down)
    bands: tuple[CoverageBand, ...]
    total_area_km2: float
    total_road_km: float
    total_population: float | None
    view_version: int
    period: str


class CoverageCells:
    """Every road node's cell (projected metres), built once per region."""

    def __init__(self, network: RoadNetwork, projection: LocalProjection, reach_m: float) -> None:
        self.projection = projection
        x, y = projection.to_xy(network.node_lon, network.node_lat)
        points: np.ndarray = np.asarray(shapely.points(np.column_stack((x, y))))
        frame = shapely.box(
            x.min() - reach_m, y.min() - reach_m, x.max() + reach_m, y.max() + reach_m
        )
        voronoi = shapely.voronoi_polygons(shapely.multipoints(points), extend_to=frame)
        parts = np.asarray(shapely.get_parts(voronoi))
        # GEOS returns the cells in its own order: find each node's own cell (nodes at the
        # same place share one).
        tree = shapely.STRtree(parts)
        node, part = tree.query(points, predicate="within")
        own = np.full(len(points), -1, dtype=np.int64)
        own[node] = part
        lost = np.flatnonzero(own < 0)  # on a cell's edge (rounding): the nearest cell
        if len(lost):
            own[lost] = tree.query_nearest(points[lost], all_matches=False)[1]
        discs = shapely.buffer(points, reach_m, quad_segs=4)
        self.cells = shapely.intersection(parts[own], discs)
        self.total_area_m2 = float(shapely.area(shapely.union_all(self.cells)))

    def area_m2(self, mask: np.ndarray) -> tuple[float, BaseGeometry]:
        """Area of the union (m2) and the union itself in lon/lat."""
        union = shapely.union_all(self.cells[mask]) if mask.any() else shapely.Polygon()
        lonlat = shapely.transform(
            union, lambda c: np.column_stack(self.projection.to_lonlat(c[:, 0], c[:, 1]))
        )
        return float(union.area), lonlat


def eligible(
    hospitals: Sequence[Hospital], capability: str, readiness: Mapping[str, Readiness] | None
) -> tuple[list[int], dict[str, str]]:
    """Indexes of the hospitals that count, and why each other capable one does not."""
    chosen, excluded = [], {}
    for i, hospital in enumerate(hospitals):
        if capability not in hospital.capabilities:
            continue
        state = readiness.get(hospital.id) if readiness is not None else None
        if state is not None and state.on_diversion:
            excluded[hospital.id] = "on diversion"
        elif state is not None and capability in state.capabilities_down:
            excluded[hospital.id] = f"{capability} down"
        else:
            chosen.append(i)
    return chosen, excluded


def time_to_nearest(view: RoutingView, columns: Sequence[int]) -> FloatArray:
    """Seconds from every node to the nearest of these hospitals (inf: none reachable)."""
    if not columns:
        return np.full(view.network.node_count, np.inf)
    return np.asarray(view.tables.time_s[:, list(columns)].min(axis=1), dtype=np.float64)


def covered_road_m(network: RoadNetwork, to_hospital_s: FloatArray, limit_s: float) -> float:
    """Metres of road from which a hospital is within ``limit_s`` (a two-way road once)."""
    w = network.travel_time_s
    fraction = np.clip((limit_s - to_hospital_s[network.head]) / w, 0.0, 1.0)
    if network.closed is not None:
        fraction = np.where(network.closed, 0.0, fraction)
    reverse = network.reverse_edge
    once = (reverse < 0) | (np.arange(network.edge_count) < reverse)
    both = np.where(reverse >= 0, fraction[np.maximum(reverse, 0)], 0.0)
    covered = np.minimum(1.0, fraction + both)[once]
    return float((covered * network.length_m[once]).sum())


def compute_coverage(  # noqa: PLR0913 - the library's coverage call and its options
    view: RoutingView,
    hospitals: Sequence[Hospital],
    capability: str,
    readiness: Mapping[str, Readiness] | None,
    cells: CoverageCells,
    *,
    limits_s: Sequence[float] = DEFAULT_LIMITS_S,
    population: PopulationGrid | None = None,
) -> Coverage:
    """Coverage of ``capability`` per limit, on ``view``'s roads."""
    network = view.network
    columns, excluded = eligible(hospitals, capability, readiness)
    to_hospital = time_to_nearest(view, columns)
    reverse = network.reverse_edge
    once = (reverse < 0) | (np.arange(network.edge_count) < reverse)
    total_road_m = float(network.length_m[once].sum())
    total_people = population.total if population is not None else None
    bands = []
    for limit_s in sorted(limits_s):
        mask = to_hospital <= limit_s
        area_m2, polygon = cells.area_m2(mask)
        road_m = covered_road_m(network, to_hospital, limit_s)
        people = None
        if population is not None:
            inside = shapely.contains_xy(polygon, population.lon, population.lat)
            people = float(population.people[inside].sum())
        bands.append(
            CoverageBand(
                limit_s=limit_s,
                nodes=int(mask.sum()),
                area_km2=area_m2 / 1e6,
                area_share=area_m2 / cells.total_area_m2,
                road_km=road_m / 1000,
                road_share=road_m / total_road_m if total_road_m else 0.0,
                population=people,
                population_share=people / total_people
                if people is not None and total_people
                else None,
                polygon=polygon,
            )
        )
    return Coverage(
        capability=capability,
        hospital_ids=tuple(hospitals[i].id for i in columns),
        excluded=excluded,
        bands=tuple(bands),
        total_area_km2=cells.total_area_m2 / 1e6,
        total_road_km=total_road_m / 1000,
        total_population=total_people,
        view_version=view.version,
        period=view.period,
    )
