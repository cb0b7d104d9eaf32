"""Travel-time engine on the road arrays (scipy.sparse.csgraph Dijkstra).

Three questions, three tools:

- point -> every hospital: ``TargetTables`` hold, per hospital, the fastest travel time, the
  road length and the next edge from *every* node (one reverse Dijkstra per hospital, once).
  A query is then one snap and two table rows.
- many ambulances -> one incident: ``travel_times_to`` runs one reverse Dijkstra from the
  incident, bounded by a time limit.
- point -> point with geometry: ``route`` runs one forward Dijkstra with predecessors.

A point on an edge is reached through ``Placement``s: from placement (e, f) the vehicle exits
at head(e) after (1 - f) of the edge's time; a destination placement (e, f) is entered from
tail(e) after f of the edge's time; on the same edge, going forward, it is direct.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import dijkstra
from shapely import LineString
from shapely.geometry.base import BaseGeometry
from shapely.ops import substring

from routing.errors import NoRouteError
from routing.network import FloatArray, Int32Array, IntArray, RoadNetwork
from routing.snap import Placement, Snap

_NO_PREDECESSOR = -9999  # what scipy puts where a node has no predecessor


@dataclass(frozen=True, eq=False)
class TargetTables:
    """Fastest travel from every node to each target node.

    Arrays are (nodes, targets), row-major, so that one node's row is one contiguous read.
    """

    target_nodes: IntArray
    time_s: FloatArray
    length_m: FloatArray
    next_edge: Int32Array

    @classmethod
    def build(cls, network: RoadNetwork, target_nodes: Sequence[int]) -> TargetTables:
        """One reverse Dijkstra per target; lengths follow the fastest paths, not the shortest."""
        targets = np.asarray(target_nodes, dtype=np.int64)
        n = network.node_count
        if len(targets) == 0:
            empty = np.zeros((n, 0))
            return cls(targets, empty, empty.copy(), np.zeros((n, 0), dtype=np.int32))
        time_s, pred = dijkstra(network.reverse_graph, indices=targets, return_predecessors=True)
        # On the reversed graph the predecessor of n is the next node after n going forward.
        nodes = np.broadcast_to(np.arange(n), pred.shape)
        has_next = pred >= 0
        next_edge = np.full(pred.shape, -1, dtype=np.int64)
        next_edge[has_next] = network.edge_ids(nodes[has_next], pred[has_next])
        length_m = np.vstack(
            [_path_lengths(network, pred[i], next_edge[i]) for i in range(len(targets))]
        )
        return cls(
            target_nodes=targets,
            time_s=np.ascontiguousarray(time_s.T),
            length_m=np.ascontiguousarray(length_m.T),
            next_edge=np.ascontiguousarray(next_edge.T).astype(np.int32),
        )

    @property
    def nbytes(self) -> int:
        """Memory held by the tables, bytes."""
        return self.time_s.nbytes + self.length_m.nbytes + self.next_edge.nbytes

    def from_snap(self, network: RoadNetwork, snap: Snap) -> tuple[FloatArray, FloatArray]:
        """Travel seconds and metres from a snapped point to every target (inf: unreachable)."""
        best_time: FloatArray | None = None
        best_length: FloatArray | None = None
        for placement in snap.placements:
            head, part_s, part_m = _exit(network, placement)
            time_s = self.time_s[head] + part_s
            length_m = self.length_m[head] + part_m
            if best_time is None or best_length is None:
                best_time, best_length = time_s, length_m
            else:
                better = time_s < best_time
                best_time = np.where(better, time_s, best_time)
                best_length = np.where(better, length_m, best_length)
        assert best_time is not None and best_length is not None  # a snap has a placement
        return best_time, best_length

    def route_edges(self, network: RoadNetwork, snap: Snap, target: int) -> list[int]:
        """Edges of the fastest path from a snapped point to target ``target`` (table walk)."""
        options = [
            (self.time_s[network.head[p.edge], target] + _exit(network, p)[1], p)
            for p in snap.placements
        ]
        _, placement = min(options, key=lambda option: option[0])
        edges = [placement.edge]
        node = int(network.head[placement.edge])
        while node != self.target_nodes[target]:
            edge = int(self.next_edge[node, target])
            if edge < 0:
                msg = "the target cannot be reached from this point"
                raise NoRouteError(msg)
            edges.append(edge)
            node = int(network.head[edge])
        return edges


@dataclass(frozen=True, eq=False)
class SourceTables:
    """Fastest travel time from each source node (an ambulance post) to every node.

    Ambulances wait at few, fixed posts; with one forward Dijkstra per post, the time from
    every post to an incident is a read per destination placement, with no search.
    """

    source_nodes: IntArray
    time_s: FloatArray  # (nodes, sources), row-major
    tree_edge: Int32Array  # (nodes, sources): the edge by which the fastest path arrives

    @classmethod
    def build(cls, network: RoadNetwork, source_nodes: Sequence[int]) -> SourceTables:
        """One forward Dijkstra per source."""
        sources = np.asarray(source_nodes, dtype=np.int64)
        n = network.node_count
        if len(sources) == 0:
            return cls(sources, np.zeros((n, 0)), np.zeros((n, 0), dtype=np.int32))
        time_s, pred = dijkstra(network.graph, indices=sources, return_predecessors=True)
        time_s, pred = np.atleast_2d(time_s), np.atleast_2d(pred)
        nodes = np.broadcast_to(np.arange(n), pred.shape)
        arrived = pred >= 0
        tree_edge = np.full(pred.shape, -1, dtype=np.int64)
        tree_edge[arrived] = network.edge_ids(pred[arrived], nodes[arrived])
        return cls(
            sources,
            np.ascontiguousarray(time_s.T),
            np.ascontiguousarray(tree_edge.T).astype(np.int32),
        )

    @property
    def nbytes(self) -> int:
        """Memory held by the table, bytes."""
        return int(self.time_s.nbytes + self.tree_edge.nbytes)

    def to_snap(self, network: RoadNetwork, snap: Snap) -> FloatArray:
        """Seconds from every source to a snapped point (inf: unreachable)."""
        best: FloatArray | None = None
        for placement in snap.placements:
            edge = placement.edge
            # Reach the edge's tail, then drive the fraction of the edge up to the point.
            time_s = self.time_s[network.tail[edge]] + placement.fraction * float(
                network.travel_time_s[edge]
            )
            best = time_s if best is None else np.minimum(best, time_s)
        assert best is not None  # a snap has a placement
        return best


def _exit(network: RoadNetwork, placement: Placement) -> tuple[int, float, float]:
    """Node reached by driving on from a placement, and the seconds and metres it takes."""
    rest = 1.0 - placement.fraction
    edge = placement.edge
    return (
        int(network.head[edge]),
        rest * float(network.travel_time_s[edge]),
        rest * float(network.length_m[edge]),
    )


def _path_lengths(network: RoadNetwork, next_node: IntArray, next_edge: IntArray) -> FloatArray:
    """Metres along the shortest-path tree to its root, by pointer jumping (O(N log depth))."""
    n = network.node_count
    has_next = next_node >= 0
    length = np.where(has_next, network.length_m[np.maximum(next_edge, 0)], 0.0)
    parent = np.where(has_next, next_node, np.arange(n))
    while True:
        grand = parent[parent]
        if np.array_equal(grand, parent):
            break
        length = length + length[parent]
        parent = grand
    # Nodes with no path keep length 0 here; their time is inf, which is what callers check.
    return length


def _with_extra_node(graph: sp.csr_matrix, heads: list[int], weights: list[float]) -> sp.csr_matrix:
    """The graph plus one node (numbered N) with edges to ``heads``: a multi-source start."""
    n = graph.shape[0]
    indptr = np.concatenate((graph.indptr, [graph.nnz + len(heads)]))
    indices = np.concatenate((graph.indices, np.asarray(heads, dtype=graph.indices.dtype)))
    data = np.concatenate((graph.data, np.asarray(weights, dtype=np.float64)))
    return sp.csr_matrix((data, indices, indptr), shape=(n + 1, n + 1))


def _direct_s(network: RoadNetwork, origin: Snap, destination: Snap) -> float:
    """Seconds when both points lie on the same directed edge, origin before destination."""
    best = np.inf
    for p in origin.placements:
        for q in destination.placements:
            if p.edge == q.edge and p.fraction <= q.fraction:
                best = min(best, (q.fraction - p.fraction) * float(network.travel_time_s[p.edge]))
    return float(best)


@dataclass(frozen=True, eq=False)
class PointTable:
    """Fastest travel time from every node to one destination point (an incident).

    Built once, by one reverse Dijkstra, when an ambulance is sent to the point; each GPS fix
    of that ambulance is then a snap and a read, with no search.
    """

    destination: Snap
    to_destination_s: npt.NDArray[np.float32]  # per node; inf beyond the limit
    limit_s: float
    version: int = 0  # of the routing view it was built on

    @classmethod
    def build(
        cls, network: RoadNetwork, destination: Snap, *, limit_s: float, version: int = 0
    ) -> PointTable:
        """One reverse Dijkstra from the destination, stopped at ``limit_s``."""
        n = network.node_count
        entries = [
            (int(network.tail[q.edge]), q.fraction * float(network.travel_time_s[q.edge]))
            for q in destination.placements
        ]
        graph = _with_extra_node(network.reverse_graph, *map(list, zip(*entries, strict=True)))
        # float32: a table per live incident is kept in memory; 0.001 s precision suffices.
        seconds = dijkstra(graph, indices=n, limit=limit_s)[:n].astype(np.float32)
        return cls(destination, seconds, limit_s, version)

    def time_from(self, network: RoadNetwork, origin: Snap) -> float:
        """Seconds from a snapped point to the destination (inf beyond the limit)."""
        best = _direct_s(network, origin, self.destination)
        for p in origin.placements:
            head, part_s, _ = _exit(network, p)
            best = min(best, part_s + float(self.to_destination_s[head]))
        return best if best <= self.limit_s else float(np.inf)


def travel_times_to(
    network: RoadNetwork, destination: Snap, origins: Sequence[Snap], *, limit_s: float
) -> FloatArray:
    """Seconds from each origin to the destination; inf beyond ``limit_s``.

    One reverse Dijkstra from the destination, stopped at ``limit_s``: its cost depends on the
    area within reach, not on the number of origins.
    """
    table = PointTable.build(network, destination, limit_s=limit_s)
    return np.array([table.time_from(network, origin) for origin in origins], dtype=np.float64)


@dataclass(frozen=True)
class Route:
    """A drivable path: geometry in (lon, lat) degrees, seconds and metres."""

    geometry: LineString
    travel_time_s: float
    length_m: float
    edges: tuple[int, ...]


def route(network: RoadNetwork, origin: Snap, destination: Snap) -> Route:
    """The fastest path between two snapped points, with its geometry."""
    n = network.node_count
    starts = [_exit(network, p) for p in origin.placements]
    graph = _with_extra_node(network.graph, [s[0] for s in starts], [s[1] for s in starts])
    from_origin, pred = dijkstra(graph, indices=n, return_predecessors=True)
    direct_s = _direct_s(network, origin, destination)
    best_s, best_q = direct_s, None
    for q in destination.placements:
        time_s = from_origin[network.tail[q.edge]] + q.fraction * network.travel_time_s[q.edge]
        if time_s < best_s:
            best_s, best_q = float(time_s), q
    if not np.isfinite(best_s):
        msg = "no road path joins these two points"
        raise NoRouteError(msg)
    if best_q is None:  # same edge, straight ahead
        p = next(
            p for p in origin.placements if any(q.edge == p.edge for q in destination.placements)
        )
        q = next(q for q in destination.placements if q.edge == p.edge)
        return route_from_edges(network, [p.edge], p.fraction, q.fraction, best_s)
    nodes = [int(network.tail[best_q.edge])]
    while pred[nodes[-1]] != n:
        nodes.append(int(pred[nodes[-1]]))
    nodes.reverse()
    first = next(p for p in origin.placements if network.head[p.edge] == nodes[0])
    middle = network.edge_ids(nodes[:-1], nodes[1:]).tolist() if len(nodes) > 1 else []
    edges = [first.edge, *middle, best_q.edge]
    return route_from_edges(network, edges, first.fraction, best_q.fraction, best_s)


def route_from_edges(
    network: RoadNetwork,
    edges: Sequence[int],
    start_fraction: float,
    end_fraction: float,
    travel_time_s: float,
) -> Route:
    """A Route over consecutive edges, starting and ending part-way along the first and last."""
    pieces: list[np.ndarray] = []
    length_m = 0.0
    for i, edge in enumerate(edges):
        lon, lat = network.edge_points(edge)
        full = LineString(np.column_stack((lon, lat)))
        start = start_fraction if i == 0 else 0.0
        end = end_fraction if i == len(edges) - 1 else 1.0
        line: BaseGeometry = full
        if (start, end) != (0.0, 1.0):
            line = substring(full, start, end, normalized=True)
        length_m += (end - start) * float(network.length_m[edge])
        coords = shapely.get_coordinates(line)
        pieces.append(coords if not pieces else coords[1:])
    coords = np.vstack(pieces)
    if len(coords) < 2:
        coords = np.vstack((coords, coords))
    return Route(LineString(coords), travel_time_s, length_m, tuple(int(e) for e in edges))
