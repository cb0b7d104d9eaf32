"""Travel-time engine on the road arrays (scipy.sparse.csgraph Dijkstra).

Three questions, three tools:

- point -> every hospital: ``TargetTables`` hold, per hospital, the fastest travel time, the
  road length and the next edge from *every* node (one reverse Dijkstra per hospital, once).
  A query is then one snap and two table rows.
- many ambulances -> one incident: ``travel_times_to`` runs one reverse Dijkstra from the
  incident, bounded by a time limit.
- point -> point with geometry: ``route`` runs one forward Dijkstra with predecessors.

A snapped point meets the graph through ``Access`` legs (see ``departures`` and
``arrivals``): a point at a node is that node, with every edge that leaves or enters it; a
point on an edge (e, f) leaves at head(e) after (1 - f) of the edge's time and is reached
from tail(e) after f of it; on the same edge, going forward, it is direct. On a closed edge
the point is joined only to the edge's nearer end, so no path ever drives through a closure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

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
        for leg in departures(network, snap):
            time_s = self.time_s[leg.node] + leg.time_s
            length_m = self.length_m[leg.node] + leg.length_m
            if best_time is None or best_length is None:
                best_time, best_length = time_s, length_m
            else:
                better = time_s < best_time
                best_time = np.where(better, time_s, best_time)
                best_length = np.where(better, length_m, best_length)
        assert best_time is not None and best_length is not None  # a snap has a departure
        return best_time, best_length

    def route_pieces(self, network: RoadNetwork, snap: Snap, target: int) -> list[Piece]:
        """The fastest path from a snapped point to target ``target`` (a table walk)."""
        leg = min(departures(network, snap), key=lambda d: self.time_s[d.node, target] + d.time_s)
        pieces = [leg.piece] if leg.edge >= 0 else []
        node = leg.node
        while node != self.target_nodes[target]:
            edge = int(self.next_edge[node, target])
            if edge < 0:
                msg = "the target cannot be reached from this point"
                raise NoRouteError(msg)
            pieces.append(Piece(edge, 0.0, 1.0))
            node = int(network.head[edge])
        return pieces


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
        for leg in arrivals(network, snap):
            time_s = self.time_s[leg.node] + leg.time_s
            best = time_s if best is None else np.minimum(best, time_s)
        assert best is not None  # a snap has an arrival
        return best


class Piece(NamedTuple):
    """A stretch of one directed edge, from fraction ``start`` to ``end`` of its length (end
    below start: driven backwards, only ever on a closed road to leave or reach it)."""

    edge: int
    start: float
    end: float


class Access(NamedTuple):
    """One way between a snapped point and a node: the seconds and metres driven between
    them along the point's own road, from fraction ``start`` to ``end`` of ``edge`` (-1: the
    point is the node)."""

    node: int
    time_s: float
    length_m: float
    edge: int = -1
    start: float = 0.0
    end: float = 0.0

    @property
    def piece(self) -> Piece:
        """The stretch of road driven between the point and the node."""
        return Piece(self.edge, self.start, self.end)


def departures(network: RoadNetwork, snap: Snap) -> list[Access]:
    """The ways to drive from a snapped point onto the graph."""
    if snap.nodes:
        return [Access(node, 0.0, 0.0) for node in snap.nodes]
    return _one_per_node([_access(network, p, leaving=True) for p in snap.placements])


def arrivals(network: RoadNetwork, snap: Snap) -> list[Access]:
    """The ways to drive from the graph to a snapped point."""
    if snap.nodes:
        return [Access(node, 0.0, 0.0) for node in snap.nodes]
    return _one_per_node([_access(network, p, leaving=False) for p in snap.placements])


def _one_per_node(legs: list[Access]) -> list[Access]:
    """The cheaper leg where both lead to one node (both directions of a closed road lead to
    its nearer end): a search graph must not hold two edges between the same two nodes."""
    if len(legs) == 2 and legs[0].node == legs[1].node:
        return [min(legs, key=lambda leg: leg.time_s)]
    return legs


def _access(network: RoadNetwork, placement: Placement, *, leaving: bool) -> Access:
    edge, f = placement.edge, placement.fraction
    tail, head, time_s, length_m, closed = network.edge_row(edge)
    # On a closed road only the nearer end is used, whatever the direction of travel: the
    # point may lie before or behind the blockage, but no path goes through it.
    at_head = f > 0.5 if closed else leaving
    end = 1.0 if at_head else 0.0
    share = abs(end - f)
    start, stop = (f, end) if leaving else (end, f)
    return Access(head if at_head else tail, share * time_s, share * length_m, edge, start, stop)


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


def _direct(network: RoadNetwork, origin: Snap, destination: Snap) -> tuple[float, Piece | None]:
    """Seconds, and the stretch driven, when both points lie on the same open edge, the
    origin before the destination (inf and None otherwise)."""
    best: tuple[float, Piece | None] = (np.inf, None)
    if origin.nodes or destination.nodes:
        return best  # a node meets the graph exactly: no shortcut needed
    for p in origin.placements:
        if network.closed is not None and network.closed[p.edge]:
            continue
        for q in destination.placements:
            if p.edge == q.edge and p.fraction <= q.fraction:
                time_s = (q.fraction - p.fraction) * float(network.travel_time_s[p.edge])
                if time_s < best[0]:
                    best = (time_s, Piece(p.edge, p.fraction, q.fraction))
    return best


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
        legs = arrivals(network, destination)
        if len(legs) == 1 and legs[0].edge < 0:  # a node: search from it
            seconds = dijkstra(network.reverse_graph, indices=legs[0].node, limit=limit_s)
        else:
            graph = _with_extra_node(
                network.reverse_graph, [leg.node for leg in legs], [leg.time_s for leg in legs]
            )
            seconds = dijkstra(graph, indices=n, limit=limit_s)[:n]
        # float32: a table per live incident is kept in memory; 0.001 s precision suffices.
        return cls(destination, seconds.astype(np.float32), limit_s, version)

    def time_from(self, network: RoadNetwork, origin: Snap) -> float:
        """Seconds from a snapped point to the destination (inf beyond the limit)."""
        best = _direct(network, origin, self.destination)[0]
        for leg in departures(network, origin):
            best = min(best, leg.time_s + float(self.to_destination_s[leg.node]))
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
    leaving = departures(network, origin)
    graph = _with_extra_node(network.graph, [d.node for d in leaving], [d.time_s for d in leaving])
    from_origin, pred = dijkstra(graph, indices=n, return_predecessors=True)
    best_s, direct = _direct(network, origin, destination)
    best_arrival = None
    for arrival in arrivals(network, destination):
        time_s = float(from_origin[arrival.node]) + arrival.time_s
        if time_s < best_s:
            best_s, best_arrival = time_s, arrival
    if not np.isfinite(best_s):
        msg = "no road path joins these two points"
        raise NoRouteError(msg)
    if best_arrival is None:  # same edge, straight ahead
        assert direct is not None
        return route_from_pieces(network, [direct], best_s)
    nodes = [best_arrival.node]
    while pred[nodes[-1]] != n:
        nodes.append(int(pred[nodes[-1]]))
    nodes.reverse()
    first = min((d for d in leaving if d.node == nodes[0]), key=lambda d: d.time_s)
    middle = network.edge_ids(nodes[:-1], nodes[1:]).tolist() if len(nodes) > 1 else []
    pieces = [first.piece, *(Piece(e, 0.0, 1.0) for e in middle), best_arrival.piece]
    return route_from_pieces(network, [p for p in pieces if p.edge >= 0], best_s, at=origin)


def route_from_pieces(
    network: RoadNetwork, pieces: Sequence[Piece], travel_time_s: float, *, at: Snap | None = None
) -> Route:
    """A Route over consecutive stretches of edges; no pieces (a point at its destination
    node) is a route of no length at ``at``."""
    chunks: list[np.ndarray] = []
    length_m = 0.0
    for piece in pieces:
        lon, lat = network.edge_points(piece.edge)
        full = LineString(np.column_stack((lon, lat)))
        line: BaseGeometry = full
        if (piece.start, piece.end) != (0.0, 1.0):
            line = substring(full, piece.start, piece.end, normalized=True)
        length_m += abs(piece.end - piece.start) * float(network.length_m[piece.edge])
        coords = shapely.get_coordinates(line)
        chunks.append(coords if not chunks else coords[1:])
    if chunks:
        coords = np.vstack(chunks)
    else:
        where = at.on_road if at is not None else (0.0, 0.0)
        coords = np.array([where])
    if len(coords) < 2:
        coords = np.vstack((coords, coords))
    return Route(LineString(coords), travel_time_s, length_m, tuple(int(p.edge) for p in pieces))
