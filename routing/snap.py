"""Snapping: place a point on the nearest road edge, with the fraction of the edge on each side.

Road segments are registered in a uniform grid of ``cell_m`` cells (each segment in every cell
its bounding box touches). A query measures the exact point-to-segment distance to every
segment in the square of cells around the point, widening the square until the best distance
is within the square's inner radius: the answer is the true nearest segment, not merely a
close one. A grid beats a KD-tree here because scipy's per-call overhead (about 20 us) is
larger than the whole grid query.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from routing.errors import PointOutsideRegionError, PointTooFarFromRoadError, SnapError
from routing.geo import BBox, FloatArray, LocalProjection, LonLat
from routing.network import IntArray, RoadNetwork

DEFAULT_MAX_SNAP_M = 2000.0
# A point this close to a node, along its road, is at the node: a fraction of a second of
# driving, where placing it on one edge out of the node could send it down a one-way street.
AT_NODE_M = 1.0
_VECTOR_FROM = 60  # candidates above which numpy beats a Python loop


class Placement(NamedTuple):
    """A position on one directed edge: ``fraction`` of its length from the tail (0..1)."""

    edge: int
    fraction: float


@dataclass(frozen=True, slots=True)
class Snap:
    """A point placed on the road network.

    ``placements`` has one entry per direction of travel on the road found: two on a two-way
    road (u->v at f and v->u at 1 - f), one on a one-way street. ``nodes`` is set when the
    point lies at a node.
    """

    point: LonLat
    on_road: LonLat
    distance_m: float
    placements: tuple[Placement, ...]
    # The node the point lies at (within AT_NODE_M along the road), which is then the point
    # itself for routing: every road that leaves or enters it, not the one edge found. More
    # than one where nodes of roads without a junction share the position.
    nodes: tuple[int, ...] = ()


class EdgeSnapper:
    """Nearest-edge lookup over a road network; build once per network."""

    def __init__(
        self,
        network: RoadNetwork,
        *,
        bbox: BBox,
        max_snap_m: float = DEFAULT_MAX_SNAP_M,
        cell_m: float = 150.0,
    ) -> None:
        self.network = network
        self.bbox = bbox
        self.max_snap_m = max_snap_m
        self.projection = LocalProjection(bbox.centre)
        self._cell_m = cell_m
        self._build_segments()
        self._build_grid()
        node_x, node_y = self.projection.to_xy(network.node_lon, network.node_lat)
        self._node_tree = cKDTree(np.column_stack((node_x, node_y)))
        self._same_place = _nodes_sharing_a_position(network)

    def _build_segments(self) -> None:
        net = self.network
        reverse = net.reverse_edge
        # A two-way road is indexed once; the other direction is found through reverse_edge.
        edges = np.flatnonzero((reverse < 0) | (np.arange(net.edge_count) < reverse))
        g_start = net.geom_indptr[edges]
        g_count = net.geom_indptr[edges + 1] - g_start
        n_points = g_count + 2
        starts = np.concatenate(([0], np.cumsum(n_points)[:-1]))
        total = int(n_points.sum())
        node_x, node_y = self.projection.to_xy(net.node_lon, net.node_lat)
        geom_x, geom_y = self.projection.to_xy(net.geom_lon, net.geom_lat)
        px, py = np.empty(total), np.empty(total)
        px[starts], py[starts] = node_x[net.tail[edges]], node_y[net.tail[edges]]
        last = starts + n_points - 1
        px[last], py[last] = node_x[net.head[edges]], node_y[net.head[edges]]
        g_before = np.concatenate(([0], np.cumsum(g_count)[:-1]))
        inner = np.arange(int(g_count.sum()))
        source = np.repeat(g_start - g_before, g_count) + inner
        target = np.repeat(starts + 1 - g_before, g_count) + inner
        px[target], py[target] = geom_x[source], geom_y[source]

        is_start = np.ones(total, dtype=bool)
        is_start[last] = False
        first = np.flatnonzero(is_start)
        self._x0, self._y0 = px[first], py[first]
        self._dx, self._dy = px[first + 1] - self._x0, py[first + 1] - self._y0
        self._seg_len = np.hypot(self._dx, self._dy)
        # Zero-length segments get a tiny squared length so that t stays finite (it clips to 0).
        self._segment_rows = np.column_stack(
            (self._x0, self._y0, self._dx, self._dy, np.maximum(self._seg_len**2, 1e-12))
        )
        self._reverse_edge = reverse
        self._seg_edge: IntArray = np.repeat(edges, n_points - 1)
        cum = np.cumsum(self._seg_len)
        edge_end = cum[np.cumsum(n_points - 1) - 1]
        edge_begin = np.concatenate(([0.0], edge_end[:-1]))
        self._seg_start_m = cum - self._seg_len - np.repeat(edge_begin, n_points - 1)
        self._edge_len_m = np.zeros(net.edge_count)
        self._edge_len_m[edges] = edge_end - edge_begin

    def _build_grid(self) -> None:
        """Register every segment in each grid cell its bounding box touches (CSR by cell)."""
        c = self._cell_m
        x1, y1 = self._x0 + self._dx, self._y0 + self._dy
        self._grid_x0 = float(min(self._x0.min(initial=0.0), x1.min(initial=0.0)))
        self._grid_y0 = float(min(self._y0.min(initial=0.0), y1.min(initial=0.0)))

        def cells(v: FloatArray, origin: float) -> IntArray:
            return np.floor((v - origin) / c).astype(np.int64)

        ix0, ix1 = (
            cells(np.minimum(self._x0, x1), self._grid_x0),
            cells(np.maximum(self._x0, x1), self._grid_x0),
        )
        iy0, iy1 = (
            cells(np.minimum(self._y0, y1), self._grid_y0),
            cells(np.maximum(self._y0, y1), self._grid_y0),
        )
        self._cols = int(max(ix1.max(initial=0), 0)) + 1
        self._rows = int(max(iy1.max(initial=0), 0)) + 1
        wide, high = ix1 - ix0 + 1, iy1 - iy0 + 1
        per_segment = wide * high
        segment = np.repeat(np.arange(len(self._x0)), per_segment)
        k = np.arange(len(segment)) - np.repeat(np.cumsum(per_segment) - per_segment, per_segment)
        cell = (ix0[segment] + k // high[segment]) * self._rows + iy0[segment] + k % high[segment]
        order = np.argsort(cell, kind="stable")
        self._cell_segments = segment[order]
        self._cell_ptr = np.searchsorted(cell[order], np.arange(self._cols * self._rows + 1))
        self._build_neighbourhoods(cell, segment)

    def _build_neighbourhoods(self, cell: IntArray, segment: IntArray) -> None:
        """For each cell, the distinct segments of the 3 x 3 cells around it: one slice a query."""
        col, row = cell // self._rows, cell % self._rows
        cells, segments = [], []
        for dc in (-1, 0, 1):
            for dr in (-1, 0, 1):
                c, r = col + dc, row + dr
                ok = (c >= 0) & (c < self._cols) & (r >= 0) & (r < self._rows)
                cells.append(c[ok] * self._rows + r[ok])
                segments.append(segment[ok])
        key = np.sort(np.concatenate(cells) * len(self._x0) + np.concatenate(segments))
        key = key[np.concatenate(([True], key[1:] != key[:-1]))]  # sort-based: np.unique hashes
        near_cell = key // len(self._x0)
        self._near_segments = (key % len(self._x0)).astype(np.int32)
        self._near_ptr = np.searchsorted(near_cell, np.arange(self._cols * self._rows + 1))

    @property
    def grid_registrations(self) -> int:
        """Segment entries in the grid (a segment counts once per cell it touches)."""
        return len(self._cell_segments)

    def _square(self, ix: int, iy: int, r: int) -> npt.NDArray[np.integer]:
        """Segments registered in the cells within Chebyshev distance r of (ix, iy)."""
        if r == 1 and 0 <= ix < self._cols and 0 <= iy < self._rows:
            cell = ix * self._rows + iy
            return self._near_segments[self._near_ptr[cell] : self._near_ptr[cell + 1]]
        lo_x, hi_x = max(ix - r, 0), min(ix + r, self._cols - 1)
        lo_y, hi_y = max(iy - r, 0), min(iy + r, self._rows - 1)
        if lo_x > hi_x or lo_y > hi_y:  # the square lies wholly beside the grid
            return np.zeros(0, dtype=np.int64)
        ptr, parts = self._cell_ptr, []
        # Cells of one column are consecutive ids, so each column is one slice.
        for col in range(lo_x, hi_x + 1):
            base = col * self._rows
            parts.append(self._cell_segments[ptr[base + lo_y] : ptr[base + hi_y + 1]])
        return np.concatenate(parts)

    def snap(self, point: LonLat) -> Snap:
        """Place a point on its nearest road edge.

        Raises PointOutsideRegionError outside the region's box and PointTooFarFromRoadError
        when the nearest road is farther than ``max_snap_m``.
        """
        if not point.is_valid():
            msg = f"({point.lon}, {point.lat}) is not a valid (lon, lat) coordinate in degrees"
            raise SnapError(msg)
        if not self.bbox.contains(point):
            msg = (
                f"({point.lon:.6f}, {point.lat:.6f}) lies outside the region "
                f"(lon {self.bbox.min_lon:.4f}..{self.bbox.max_lon:.4f}, "
                f"lat {self.bbox.min_lat:.4f}..{self.bbox.max_lat:.4f})"
            )
            raise PointOutsideRegionError(msg)
        x, y = self.projection.point_to_xy(point)
        ix = int((x - self._grid_x0) // self._cell_m)
        iy = int((y - self._grid_y0) // self._cell_m)
        c = self._cell_m
        gx, gy = x - self._grid_x0, y - self._grid_y0
        r = 1
        while True:
            found = self._closest(self._square(ix, iy, r), x, y)
            # Anything outside the searched square is farther than the square's nearest side.
            inside_m = min(
                gx - (ix - r) * c, (ix + r + 1) * c - gx, gy - (iy - r) * c, (iy + r + 1) * c - gy
            )
            if found is not None and found[0] <= inside_m:
                break
            if inside_m > self.max_snap_m:
                break
            # The answer lies within the best distance found so far: one square covers it.
            r = max(r + 1, math.ceil(found[0] / c) + 1) if found is not None else r * 2
        if found is None or found[0] > self.max_snap_m:
            distance = f"{found[0]:,.0f} m away" if found else "farther than the limit"
            msg = (
                f"({point.lon:.6f}, {point.lat:.6f}): the nearest road is {distance}; "
                f"the limit is {self.max_snap_m:,.0f} m"
            )
            raise PointTooFarFromRoadError(msg)
        distance_m, seg, t = found
        return self._snap_on(point, seg, t, distance_m)

    def _closest(
        self, segments: npt.NDArray[np.integer], x: float, y: float
    ) -> tuple[float, int, float] | None:
        """(distance m, segment, fraction along it) of the closest segment, or None."""
        if len(segments) > _VECTOR_FROM:
            return self._closest_vectorised(segments, x, y)
        best_d2, best_seg, best_t = math.inf, -1, 0.0
        # Tens of candidates: plain floats beat numpy's per-call overhead at this size.
        rows = self._segment_rows[segments].tolist()
        for seg, (x0, y0, dx, dy, len2) in zip(segments.tolist(), rows, strict=True):
            px, py = x - x0, y - y0
            t = (px * dx + py * dy) / len2
            t = 0.0 if t < 0.0 else (1.0 if t > 1.0 else t)
            ex, ey = t * dx - px, t * dy - py
            d2 = ex * ex + ey * ey
            if d2 < best_d2:
                best_d2, best_seg, best_t = d2, seg, t
        if best_seg < 0:
            return None
        return math.sqrt(best_d2), best_seg, best_t

    def _closest_vectorised(
        self, segments: npt.NDArray[np.integer], x: float, y: float
    ) -> tuple[float, int, float]:
        x0, y0, dx, dy, len2 = self._segment_rows[segments].T
        px, py = x - x0, y - y0
        t = np.minimum(np.maximum((px * dx + py * dy) / len2, 0.0), 1.0)
        ex, ey = t * dx - px, t * dy - py
        d2 = ex * ex + ey * ey
        best = int(np.argmin(d2))
        return math.sqrt(float(d2[best])), int(segments[best]), float(t[best])

    def _snap_on(self, point: LonLat, seg: int, t: float, distance_m: float) -> Snap:
        edge = int(self._seg_edge[seg])
        edge_len = float(self._edge_len_m[edge])
        along = float(self._seg_start_m[seg] + t * self._seg_len[seg])
        fraction = min(max(along / edge_len, 0.0), 1.0) if edge_len > 0 else 0.0
        placements = [Placement(edge, fraction)]
        reverse = int(self._reverse_edge[edge])
        if reverse >= 0:
            placements.append(Placement(reverse, 1.0 - fraction))
        nodes: tuple[int, ...] = ()
        if min(along, edge_len - along) <= AT_NODE_M:
            at_tail = along <= edge_len - along
            node = int(self.network.tail[edge] if at_tail else self.network.head[edge])
            nodes = self._same_place.get(node, (node,))
            on_road = LonLat(float(self.network.node_lon[node]), float(self.network.node_lat[node]))
        else:
            x0, y0, dx, dy, _ = self._segment_rows[seg].tolist()
            on_road = self.projection.point_to_lonlat(x0 + t * dx, y0 + t * dy)
        return Snap(point, on_road, distance_m, tuple(placements), nodes)

    def nearest_nodes(self, lon: FloatArray, lat: FloatArray) -> tuple[IntArray, FloatArray]:
        """Nearest network node of each point and its distance in metres (for facilities)."""
        x, y = self.projection.to_xy(lon, lat)
        dist, idx = self._node_tree.query(np.column_stack((x, y)))
        return np.asarray(idx, dtype=np.int64), np.asarray(dist, dtype=np.float64)


def _nodes_sharing_a_position(network: RoadNetwork) -> dict[int, tuple[int, ...]]:
    """For each node that shares its exact position with others (roads drawn over each other
    without a junction), all the nodes there. Rare: a dict of the few."""
    order = np.lexsort((network.node_lat, network.node_lon))
    lon, lat = network.node_lon[order], network.node_lat[order]
    starts_run = np.ones(len(order), dtype=bool)
    starts_run[1:] = (lon[1:] != lon[:-1]) | (lat[1:] != lat[:-1])
    run = np.cumsum(starts_run) - 1
    shared = np.bincount(run)[run] > 1
    groups: dict[int, tuple[int, ...]] = {}
    for run_id in np.unique(run[shared]).tolist():
        members = tuple(sorted(order[run == run_id].tolist()))
        groups.update(dict.fromkeys(members, members))
    return groups
