"""An OSM drive graph made routable: speeds per segment, a reproducible simplification, and
no road lost to a self-loop or a parallel edge.

Speeds and travel times are set on every OSM segment *before* simplification and summed
along each merged edge, so a road that is primary for 300 m and residential for 1 km takes
the time of each part. osmnx keeps the other attributes of a merged edge as a list built from
a set, whose order changes with ``PYTHONHASHSEED``; nothing here reads such a list: the road
class of a merged edge is the class that covers most of its length (ties: the faster class,
then the name).

The compact network holds at most one edge per ordered pair of nodes and no self-loops. A
loop street that meets the network at one node (a *perumahan* loop) is split in three, and
the slower of two ways joining the same two nodes in two, through new nodes, so that the
road stays on the map for snapping and routing. Only degenerate ones (shorter than
``MIN_SPLIT_M``) are dropped, and reported.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import networkx as nx
import osmnx as ox
from shapely import LineString, Point
from shapely.ops import substring

from routing.speeds import SpeedTable, parse_maxspeed

CLASS_M = "satria_class_m"  # per edge: {highway class: metres of it}
MIN_SPLIT_M = 5.0  # a loop or parallel edge shorter than this is dropped, not split


@dataclass
class EdgeTally:
    """How many directed edges, and how many kilometres of them."""

    count: int = 0
    km: float = 0.0

    def add(self, length_m: float) -> None:
        """Count one edge of ``length_m`` metres."""
        self.count += 1
        self.km += length_m / 1000

    def __str__(self) -> str:
        return f"{self.count:,} ({self.km:,.2f} km)"


@dataclass
class Cleanup:
    """What making the graph routable did to self-loops and parallel edges."""

    loops_split: EdgeTally
    loops_dropped: EdgeTally
    parallels_split: EdgeTally
    parallels_dropped: EdgeTally


def add_segment_times(graph: nx.MultiDiGraph[Any], speeds: SpeedTable) -> dict[str, int]:
    """Speed (km/h), travel time (s) and road class length on every unsimplified segment.

    Returns how many segments carried each ``maxspeed`` value that gave no number (those
    run at their class's typical speed), for the import report.
    """
    unread: dict[str, int] = defaultdict(int)
    for _u, _v, data in graph.edges(data=True):
        highway, maxspeed = str(data["highway"]), data.get("maxspeed")
        if maxspeed is not None and parse_maxspeed(maxspeed) is None:
            unread[str(maxspeed)] += 1
        kmh = speeds.segment_kmh(highway, maxspeed)
        data["speed_kph"] = kmh
        data["travel_time"] = float(data["length"]) / (kmh / 3.6)
        data[CLASS_M] = {highway: float(data["length"])}
    return dict(unread)


def simplify(graph: nx.MultiDiGraph[Any]) -> nx.MultiDiGraph[Any]:
    """osmnx's simplification with lengths, times and class lengths summed in path order."""
    return ox.simplify_graph(
        graph,
        edge_attr_aggs={"length": sum, "travel_time": sum, CLASS_M: _merge_class_m},
    )


def _merge_class_m(parts: Iterable[dict[str, float]]) -> dict[str, float]:
    merged: dict[str, float] = defaultdict(float)
    for part in parts:
        for highway, metres in part.items():
            merged[highway] += metres
    return dict(merged)


def road_class(class_m: dict[str, float], speeds: SpeedTable) -> str:
    """The class that covers most of an edge's length (ties: faster, then by name)."""
    return max(class_m, key=lambda c: (round(class_m[c], 6), speeds.kmh(c), c))


def split_loops_and_parallels(graph: nx.MultiDiGraph[Any]) -> Cleanup:
    """Split every self-loop in three and every parallel edge but the fastest of each
    ordered pair of nodes in two, through new nodes (in place); drop the degenerate ones."""
    cleanup = Cleanup(EdgeTally(), EdgeTally(), EdgeTally(), EdgeTally())
    to_split: list[tuple[Any, Any, Any, bool]] = []
    for u, v in sorted({(u, v) for u, v, _k in graph.edges(keys=True)}, key=repr):
        keys = sorted(graph[u][v], key=lambda k: (graph[u][v][k]["travel_time"], repr(k)))
        extra = keys if u == v else keys[1:]  # a loop is split whole; of parallels, the slower
        to_split += [(u, v, k, u == v) for k in extra]
    cuts: dict[tuple[float, float], Any] = {}
    for u, v, k, is_loop in to_split:
        data = graph[u][v][k]
        length_m = float(data["length"])
        split, dropped = (
            (cleanup.loops_split, cleanup.loops_dropped)
            if is_loop
            else (cleanup.parallels_split, cleanup.parallels_dropped)
        )
        graph.remove_edge(u, v, k)
        if length_m < MIN_SPLIT_M:
            dropped.add(length_m)
            continue
        _split_edge(graph, (u, v, data), 3 if is_loop else 2, cuts)
        split.add(length_m)
    return cleanup


def _line(graph: nx.MultiDiGraph[Any], u: Any, v: Any, data: dict[str, Any]) -> LineString:
    line = data.get("geometry")
    if isinstance(line, LineString):
        return line
    a, b = graph.nodes[u], graph.nodes[v]
    return LineString([(a["x"], a["y"]), (b["x"], b["y"])])


def _split_edge(
    graph: nx.MultiDiGraph[Any],
    edge: tuple[Any, Any, dict[str, Any]],
    parts: int,
    cuts: dict[tuple[float, float], Any],
) -> None:
    """Replace u->v by ``parts`` edges through new nodes evenly along its line. The reverse
    edge of a two-way road is cut at the same points, so both use the same new nodes; a loop
    takes three parts, so that its two directions never join the same two nodes twice."""
    u, v, data = edge
    line = _line(graph, u, v, data)
    nodes = [u]
    for i in range(1, parts):
        point: Point = line.interpolate(i / parts, normalized=True)
        key = (round(point.x, 7), round(point.y, 7))
        if key not in cuts:
            cuts[key] = -(len(cuts) + 1)  # new nodes get negative ids: OSM's are positive
            graph.add_node(cuts[key], x=key[0], y=key[1])
        nodes.append(cuts[key])
    nodes.append(v)
    for i, (a, b) in enumerate(itertools.pairwise(nodes)):
        piece = substring(line, i / parts, (i + 1) / parts, normalized=True)
        inner = list(piece.coords)[1:-1]
        ends = [(graph.nodes[n]["x"], graph.nodes[n]["y"]) for n in (a, b)]
        graph.add_edge(
            a,
            b,
            **{
                **data,
                "length": float(data["length"]) / parts,
                "travel_time": float(data["travel_time"]) / parts,
                CLASS_M: {c: m / parts for c, m in data[CLASS_M].items()},
                "geometry": LineString([ends[0], *inner, ends[1]]),
            },
        )
