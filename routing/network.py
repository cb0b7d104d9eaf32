"""The compact road network: flat arrays, CSR adjacency by tail node, saved as one .npz file.

Nodes are numbered 0..N-1; directed edges 0..E-1 are sorted by (tail, head), so the edges
leaving node u are ``indptr[u]:indptr[u + 1]`` and an edge is found by binary search on
``tail * N + head``. Each edge carries its travel time in seconds, its length in metres,
its road class, and optional intermediate points (the first and last points are the nodes).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from routing.errors import RegionPackError

if TYPE_CHECKING:
    import networkx as nx

IntArray = npt.NDArray[np.int64]
Int32Array = npt.NDArray[np.int32]
FloatArray = npt.NDArray[np.float64]

FORMAT_VERSION = 1
MIN_EDGE_TIME_S = 1e-3
_ARRAYS = (
    "node_lon",
    "node_lat",
    "indptr",
    "head",
    "travel_time_s",
    "length_m",
    "road_class",
    "geom_indptr",
    "geom_lon",
    "geom_lat",
)


@dataclass(frozen=True, eq=False)
class RoadNetwork:
    """A directed road graph as arrays; see the module docstring for the layout."""

    node_lon: FloatArray
    node_lat: FloatArray
    indptr: IntArray
    head: Int32Array
    travel_time_s: FloatArray
    length_m: FloatArray
    road_class: npt.NDArray[np.uint8]
    geom_indptr: IntArray
    geom_lon: FloatArray
    geom_lat: FloatArray
    road_classes: tuple[str, ...]
    # Edges that cannot be driven through (a closure); their travel time stays finite so that
    # a point on a closed segment is still reached from its own end, but no path crosses them.
    closed: npt.NDArray[np.bool_] | None = None

    @property
    def node_count(self) -> int:
        """Number of nodes."""
        return len(self.node_lon)

    @property
    def edge_count(self) -> int:
        """Number of directed edges."""
        return len(self.head)

    @cached_property
    def tail(self) -> Int32Array:
        """Tail node of every edge."""
        counts = np.diff(self.indptr)
        return np.repeat(np.arange(self.node_count, dtype=np.int32), counts)

    @cached_property
    def _edge_keys(self) -> IntArray:
        return self.tail.astype(np.int64) * self.node_count + self.head

    def edge_ids(self, tails: npt.ArrayLike, heads: npt.ArrayLike) -> IntArray:
        """Edge ids of (tail, head) pairs; -1 where there is no such edge."""
        keys = np.asarray(tails, dtype=np.int64) * self.node_count + np.asarray(heads)
        found = np.searchsorted(self._edge_keys, keys)
        found = np.minimum(found, self.edge_count - 1)
        return np.where(self._edge_keys[found] == keys, found, -1)

    def edge_id(self, tail: int, head: int) -> int:
        """Edge id of (tail, head), or -1 when there is no such edge."""
        return int(self.edge_ids([tail], [head])[0])

    @cached_property
    def reverse_edge(self) -> IntArray:
        """For every edge u->v, the id of v->u, or -1 (one-way street)."""
        return self.edge_ids(self.head, self.tail)

    @cached_property
    def graph(self) -> sp.csr_matrix:
        """Adjacency weighted by travel seconds, for scipy.sparse.csgraph (closed edges left
        out)."""
        n = self.node_count
        if self.closed is None or not self.closed.any():
            return sp.csr_matrix((self.travel_time_s, self.head, self.indptr), shape=(n, n))
        keep = ~self.closed
        indptr = np.zeros(n + 1, dtype=np.int64)
        indptr[1:] = np.cumsum(np.bincount(self.tail[keep], minlength=n))
        return sp.csr_matrix((self.travel_time_s[keep], self.head[keep], indptr), shape=(n, n))

    def reweighted(
        self, travel_time_s: FloatArray, closed: npt.NDArray[np.bool_] | None = None
    ) -> RoadNetwork:
        """The same roads with other travel times (a time of day, slowdowns) and closed edges.

        Geometry and indexes are shared, not copied; the graphs are built on first use.
        """
        if travel_time_s.shape != self.travel_time_s.shape or not np.all(
            np.isfinite(travel_time_s) & (travel_time_s > 0)
        ):
            msg = "travel times must be finite, positive and one per edge"
            raise ValueError(msg)
        network = replace(self, travel_time_s=travel_time_s, closed=closed)
        for shared in ("tail", "_edge_keys", "reverse_edge"):  # cached, independent of weights
            if shared in self.__dict__:
                network.__dict__[shared] = self.__dict__[shared]
        return network

    def edge_row(self, edge: int) -> tuple[int, int, float, float, bool]:
        """(tail, head, seconds, metres, closed) of one edge, as Python values (``item``:
        numpy's per-element indexing costs more than a query's arithmetic)."""
        closed = self.closed is not None and bool(self.closed.item(edge))
        tail, head = int(self.tail.item(edge)), int(self.head.item(edge))
        return tail, head, self.travel_time_s.item(edge), self.length_m.item(edge), closed

    @cached_property
    def reverse_graph(self) -> sp.csr_matrix:
        """The transposed adjacency: searches on it run against the direction of travel."""
        return self.graph.transpose().tocsr()

    def edge_points(self, edge: int) -> tuple[FloatArray, FloatArray]:
        """All points of an edge, nodes included, as (lon, lat) arrays in travel order."""
        start, end = self.geom_indptr[edge], self.geom_indptr[edge + 1]
        tail, head = self.tail[edge], self.head[edge]
        lon = np.concatenate(
            ([self.node_lon[tail]], self.geom_lon[start:end], [self.node_lon[head]])
        )
        lat = np.concatenate(
            ([self.node_lat[tail]], self.geom_lat[start:end], [self.node_lat[head]])
        )
        return lon, lat

    def road_km_by_class(self) -> dict[str, float]:
        """Kilometres of road per class; a two-way road counts once."""
        reverse = self.reverse_edge
        once = (reverse < 0) | (np.arange(self.edge_count) < reverse)
        km = np.bincount(
            self.road_class[once], weights=self.length_m[once], minlength=len(self.road_classes)
        )
        return {name: float(km[i]) / 1000 for i, name in enumerate(self.road_classes) if km[i] > 0}

    def to_networkx(self) -> nx.DiGraph[int]:
        """The same graph in networkx, weights ``travel_time_s`` and ``length_m``; for checks."""
        import networkx as nx  # noqa: PLC0415 - only checks and tests need it

        graph: nx.DiGraph[int] = nx.DiGraph()
        graph.add_nodes_from(range(self.node_count))
        graph.add_edges_from(
            (int(u), int(v), {"travel_time_s": float(t), "length_m": float(m)})
            for u, v, t, m in zip(
                self.tail, self.head, self.travel_time_s, self.length_m, strict=True
            )
        )
        return graph

    # --- building -----------------------------------------------------------------------

    @classmethod
    def from_edges(  # noqa: PLR0913 - a network is these named arrays
        cls,
        *,
        node_lon: npt.ArrayLike,
        node_lat: npt.ArrayLike,
        tail: npt.ArrayLike,
        head: npt.ArrayLike,
        travel_time_s: npt.ArrayLike,
        length_m: npt.ArrayLike,
        road_class: npt.ArrayLike,
        road_classes: tuple[str, ...],
        geometry: list[tuple[FloatArray, FloatArray]] | None = None,
    ) -> RoadNetwork:
        """Build from edge lists: drops self-loops, keeps the fastest of parallel edges.

        ``geometry``, when given, holds for every edge its intermediate points (lon, lat),
        without the end nodes.
        """
        tails = np.asarray(tail, dtype=np.int64)
        heads = np.asarray(head, dtype=np.int64)
        # Every edge takes at least a millisecond: a stored zero in a sparse matrix is easily
        # dropped as "no edge" by a conversion, which would silently cut the road.
        times = np.maximum(np.asarray(travel_time_s, dtype=np.float64), MIN_EDGE_TIME_S)
        n = len(np.asarray(node_lon))
        keep = tails != heads
        # Sort by (tail, head, time): the first of each (tail, head) run is the fastest.
        order = np.lexsort((times, heads, tails))
        order = order[keep[order]]
        keys = tails[order] * n + heads[order]
        first = np.ones(len(order), dtype=bool)
        first[1:] = keys[1:] != keys[:-1]
        order = order[first]

        geom_indptr = np.zeros(len(order) + 1, dtype=np.int64)
        geom_lon = np.zeros(0)
        geom_lat = np.zeros(0)
        if geometry is not None:
            pieces = [geometry[i] for i in order]
            geom_indptr[1:] = np.cumsum([len(p[0]) for p in pieces])
            if pieces:
                geom_lon = np.concatenate([p[0] for p in pieces]).astype(np.float64)
                geom_lat = np.concatenate([p[1] for p in pieces]).astype(np.float64)

        indptr = np.zeros(n + 1, dtype=np.int64)
        indptr[1:] = np.cumsum(np.bincount(tails[order], minlength=n))
        network = cls(
            node_lon=np.asarray(node_lon, dtype=np.float64),
            node_lat=np.asarray(node_lat, dtype=np.float64),
            indptr=indptr,
            head=heads[order].astype(np.int32),
            travel_time_s=times[order],
            length_m=np.asarray(length_m, dtype=np.float64)[order],
            road_class=np.asarray(road_class, dtype=np.uint8)[order],
            geom_indptr=geom_indptr,
            geom_lon=geom_lon,
            geom_lat=geom_lat,
            road_classes=road_classes,
        )
        network.validate("the road network")
        return network

    def subgraph(self, keep_nodes: npt.NDArray[np.bool_]) -> RoadNetwork:
        """The network restricted to the kept nodes, renumbered in their original order."""
        new_index = np.full(self.node_count, -1, dtype=np.int64)
        new_index[keep_nodes] = np.arange(int(keep_nodes.sum()))
        edges = np.flatnonzero(keep_nodes[self.tail] & keep_nodes[self.head])
        geometry = [
            (self.geom_lon[a:b], self.geom_lat[a:b])
            for a, b in zip(self.geom_indptr[edges], self.geom_indptr[edges + 1], strict=True)
        ]
        return RoadNetwork.from_edges(
            node_lon=self.node_lon[keep_nodes],
            node_lat=self.node_lat[keep_nodes],
            tail=new_index[self.tail[edges]],
            head=new_index[self.head[edges]],
            travel_time_s=self.travel_time_s[edges],
            length_m=self.length_m[edges],
            road_class=self.road_class[edges],
            road_classes=self.road_classes,
            geometry=geometry,
        )

    def largest_strong_component(self) -> tuple[RoadNetwork, ComponentReport]:
        """Keep only the largest strongly connected component; report what was dropped.

        From any node of the kept graph every other node can be reached, so an ambulance
        never gets a route into a dead end it cannot leave.
        """
        _, labels = connected_components(self.graph, directed=True, connection="strong")
        largest = np.argmax(np.bincount(labels))
        keep = labels == largest
        kept = self.subgraph(keep)
        report = ComponentReport(
            nodes_before=self.node_count,
            nodes_kept=kept.node_count,
            edges_before=self.edge_count,
            edges_kept=kept.edge_count,
            road_km_before=float(self.length_m.sum()) / 1000,
            road_km_kept=float(kept.length_m.sum()) / 1000,
        )
        return kept, report

    # --- files --------------------------------------------------------------------------

    def save(self, path: Path) -> None:
        """Write the arrays to one uncompressed .npz file (loads in milliseconds)."""
        arrays = {name: getattr(self, name) for name in _ARRAYS}
        np.savez(
            path,
            format_version=np.array(FORMAT_VERSION),
            road_classes=np.array(self.road_classes, dtype=np.str_),
            **arrays,
        )

    @classmethod
    def load(cls, path: Path) -> RoadNetwork:
        """Read a network written by :meth:`save`, checking every array."""
        try:
            with np.load(path, allow_pickle=False) as data:
                version = int(data["format_version"])
                if version != FORMAT_VERSION:
                    msg = f"{path}: format version {version}, expected {FORMAT_VERSION}"
                    raise RegionPackError(msg)
                arrays = {name: data[name] for name in _ARRAYS}
                classes = tuple(str(c) for c in data["road_classes"])
        except (OSError, KeyError, ValueError) as exc:
            msg = f"{path}: not a readable road network ({exc})"
            raise RegionPackError(msg) from exc
        network = cls(**arrays, road_classes=classes)
        network.validate(str(path))
        return network

    def validate(self, where: str) -> None:
        """Check shapes, ranges and ordering; raise RegionPackError naming ``where``."""
        n, e = self.node_count, self.edge_count
        problems = []
        if len(self.node_lat) != n or len(self.indptr) != n + 1:
            problems.append("node arrays and indptr disagree in length")
        elif self.indptr[0] != 0 or self.indptr[-1] != e or np.any(np.diff(self.indptr) < 0):
            problems.append("indptr is not a valid CSR index")
        if any(len(a) != e for a in (self.travel_time_s, self.length_m, self.road_class)):
            problems.append("edge arrays disagree in length")
        if e and (self.head.min() < 0 or self.head.max() >= n):
            problems.append("an edge points to a node that does not exist")
        if not np.all(np.isfinite(self.travel_time_s)) or np.any(self.travel_time_s < 0):
            problems.append("travel times must be finite and not negative")
        if not np.all(np.isfinite(self.length_m)) or np.any(self.length_m < 0):
            problems.append("lengths must be finite and not negative")
        if e and self.road_class.max() >= len(self.road_classes):
            problems.append("an edge has a road class that is not listed")
        if len(self.geom_indptr) != e + 1 or self.geom_indptr[-1] != len(self.geom_lon):
            problems.append("edge geometry index is inconsistent")
        if not problems and e > 1 and np.any(np.diff(self._edge_keys) <= 0):
            problems.append("edges are not sorted by (tail, head) or have duplicates")
        if problems:
            msg = f"{where}: " + "; ".join(problems)
            raise RegionPackError(msg)


@dataclass(frozen=True)
class ComponentReport:
    """What keeping the largest strongly connected component dropped."""

    nodes_before: int
    nodes_kept: int
    edges_before: int
    edges_kept: int
    road_km_before: float
    road_km_kept: float

    @property
    def nodes_dropped(self) -> int:
        """Nodes outside the largest strongly connected component."""
        return self.nodes_before - self.nodes_kept

    def describe(self) -> str:
        """One line for a person."""
        return (
            f"kept the largest strongly connected component: {self.nodes_kept:,} of "
            f"{self.nodes_before:,} nodes, {self.edges_kept:,} of {self.edges_before:,} edges; "
            f"dropped {self.nodes_dropped:,} nodes and "
            f"{self.road_km_before - self.road_km_kept:.1f} km of road"
        )
