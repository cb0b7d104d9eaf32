"""Synthesise the demo region's road network, deterministically from a seed.

Layers, each a list of nodes and edges in metres:
- a rural mesh of village roads on a jittered 230 m lattice, some links missing, every eighth
  line a faster collector road;
- town street grids (residential streets, every fifth a secondary road, one-way streets
  alternating in the centre of the larger towns), tied to the mesh around their edge;
- arterial roads between towns, which cross the river only on the bridges.
Any edge that would cross the river elsewhere is dropped, so that a point on one bank is far
by road from the other bank except near a bridge. Speeds come from the shared speed table,
halved in the hills.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.spatial import cKDTree

from routing.demo import geography as geo
from routing.geo import haversine_m_arrays
from routing.network import ComponentReport, RoadNetwork
from routing.speeds import SpeedTable

RURAL_SPACING_M = 230.0
ROAD_CLASSES = (
    "trunk",
    "primary",
    "secondary",
    "tertiary",
    "unclassified",
    "residential",
)


@dataclass
class _Builder:
    """Nodes and directed edges under construction."""

    x: list[float] = field(default_factory=list)
    y: list[float] = field(default_factory=list)
    tail: list[int] = field(default_factory=list)
    head: list[int] = field(default_factory=list)
    road_class: list[int] = field(default_factory=list)
    bridge: list[bool] = field(default_factory=list)

    def node(self, x: float, y: float) -> int:
        self.x.append(float(x))
        self.y.append(float(y))
        return len(self.x) - 1

    def road(
        self, a: int, b: int, road_class: str, *, oneway: bool = False, bridge: bool = False
    ) -> None:
        """A road from a to b; both directions unless one-way."""
        cls = ROAD_CLASSES.index(road_class)
        pairs = [(a, b)] if oneway else [(a, b), (b, a)]
        for u, v in pairs:
            self.tail.append(u)
            self.head.append(v)
            self.road_class.append(cls)
            self.bridge.append(bridge)


def _inside_town(x: np.ndarray, y: np.ndarray, margin_m: float) -> np.ndarray:
    inside = np.zeros(len(x), dtype=bool)
    for t in geo.TOWNS:
        inside |= (np.abs(x - t.x) <= t.half_m + margin_m) & (
            np.abs(y - t.y) <= t.half_m + margin_m
        )
    return inside


def _near_river(x: np.ndarray, y: np.ndarray, gap_m: float = 90.0) -> np.ndarray:
    return np.asarray(np.abs(y - geo.river_y(x)) < gap_m)


def _rural_mesh(b: _Builder, rng: np.random.Generator) -> np.ndarray:
    """Village roads; returns the ids of the mesh's nodes."""
    s = RURAL_SPACING_M
    cols = int(geo.WIDTH_M // s) + 1
    rows = int(geo.HEIGHT_M // s) + 1
    gx, gy = np.meshgrid(np.arange(cols), np.arange(rows), indexing="ij")
    x = -geo.WIDTH_M / 2 + gx * s + rng.uniform(-0.25, 0.25, gx.shape) * s
    y = -geo.HEIGHT_M / 2 + gy * s + rng.uniform(-0.25, 0.25, gy.shape) * s
    keep = ~_inside_town(x.ravel(), y.ravel(), 60.0) & ~_near_river(x.ravel(), y.ravel())
    flat_ids = np.full(cols * rows, -1)
    for index in np.flatnonzero(keep):
        flat_ids[index] = b.node(x.ravel()[index], y.ravel()[index])
    ids = flat_ids.reshape(cols, rows)
    drop = rng.random((cols, rows, 3))
    for i in range(cols):
        for j in range(rows):
            a = int(ids[i, j])
            if a < 0:
                continue
            for (di, dj), chance, k in (((1, 0), 0.28, 0), ((0, 1), 0.28, 1), ((1, 1), 0.93, 2)):
                ni, nj = i + di, j + dj
                if ni >= cols or nj >= rows or ids[ni, nj] < 0:
                    continue
                collector = (di, dj) != (1, 1) and (j % 8 == 0 if dj == 0 else i % 8 == 0)
                if collector:
                    b.road(a, ids[ni, nj], "tertiary")
                elif drop[i, j, k] > chance:
                    b.road(a, ids[ni, nj], "unclassified")
    return ids[ids >= 0]


def _town_grid(b: _Builder, town: geo.Town, rng: np.random.Generator) -> list[int]:
    """A street grid; returns the ids of its border nodes (to tie into the mesh)."""
    k = int(town.half_m // town.spacing_m)
    core = int(k * town.oneway_core)
    ids: dict[tuple[int, int], int] = {}
    for i in range(-k, k + 1):
        for j in range(-k, k + 1):
            x = town.x + i * town.spacing_m + rng.uniform(-8, 8)
            y = town.y + j * town.spacing_m + rng.uniform(-8, 8)
            if not _near_river(np.array([x]), np.array([y]), 60.0)[0]:
                ids[(i, j)] = b.node(x, y)
    for (i, j), a in ids.items():
        for di, dj in ((1, 0), (0, 1)):
            other = ids.get((i + di, j + dj))
            if other is None:
                continue
            line = j if dj == 0 else i  # the street's index across its direction
            main = line % 5 == 0
            oneway = not main and core > 0 and abs(i) <= core and abs(j) <= core
            forward = line % 2 == 0
            u, v = (a, other) if forward else (other, a)
            b.road(u, v, "secondary" if main else "residential", oneway=oneway)
    return [n for (i, j), n in ids.items() if k in (abs(i), abs(j))]


def _tie(
    b: _Builder, nodes: list[int], candidates: np.ndarray, max_m: float, road_class: str
) -> None:
    """Join each node to its nearest candidate node within ``max_m``."""
    cx = np.asarray(b.x)[candidates]
    cy = np.asarray(b.y)[candidates]
    tree = cKDTree(np.column_stack((cx, cy)))
    pts = np.column_stack((np.asarray(b.x)[nodes], np.asarray(b.y)[nodes]))
    dist, idx = tree.query(pts)
    for node, d, i in zip(nodes, dist, idx, strict=True):
        if d <= max_m:
            b.road(node, int(candidates[i]), road_class)


def _arterial(b: _Builder, a: geo.Town, c: geo.Town, road_class: str) -> list[int]:
    """Nodes every ~250 m from town a to town c, through a bridge when they face each other."""
    side_a = 1.0 if a.y > geo.river_y(a.x) else -1.0
    side_c = 1.0 if c.y > geo.river_y(c.x) else -1.0
    legs: list[tuple[tuple[float, float], tuple[float, float], bool]] = []
    if side_a == side_c:
        legs.append(((a.x, a.y), (c.x, c.y), False))
    else:
        xb = min(geo.BRIDGES_X_M, key=lambda xb: abs(xb - (a.x + c.x) / 2))
        yb = float(geo.river_y(xb))
        near_a, near_c = (xb, yb + 150 * side_a), (xb, yb + 150 * side_c)
        legs += [((a.x, a.y), near_a, False), (near_a, near_c, True), (near_c, (c.x, c.y), False)]
    nodes: list[int] = []
    for (x0, y0), (x1, y1), is_bridge in legs:
        steps = max(1, math.ceil(math.hypot(x1 - x0, y1 - y0) / 250.0))
        start = 0 if not nodes else 1
        for s in range(start, steps + 1):
            t = s / steps
            node = b.node(x0 + t * (x1 - x0), y0 + t * (y1 - y0))
            if nodes:
                b.road(nodes[-1], node, road_class, bridge=is_bridge)
            nodes.append(node)
    return nodes


def build_roads(seed: int, speeds: SpeedTable) -> tuple[RoadNetwork, ComponentReport]:
    """The demo road network (largest strongly connected component) and what was dropped."""
    rng = np.random.default_rng(seed)
    b = _Builder()
    mesh = _rural_mesh(b, rng)
    town_nodes: list[int] = []
    for town in geo.TOWNS:
        first = len(b.x)
        border = _town_grid(b, town, rng)
        town_nodes.extend(range(first, len(b.x)))
        _tie(b, border, mesh, 400.0, "tertiary")
    local = np.concatenate((mesh, np.asarray(town_nodes)))
    for start, end, road_class in geo.ARTERIALS:
        nodes = _arterial(b, geo.town(start), geo.town(end), road_class)
        _tie(b, nodes, local, 160.0, "tertiary")
    return _to_network(b, speeds).largest_strong_component()


def _to_network(b: _Builder, speeds: SpeedTable) -> RoadNetwork:
    x, y = np.asarray(b.x), np.asarray(b.y)
    tail, head = np.asarray(b.tail), np.asarray(b.head)
    crosses = geo.river_side(x[tail], y[tail]) != geo.river_side(x[head], y[head])
    keep = ~crosses | np.asarray(b.bridge)
    tail, head = tail[keep], head[keep]
    road_class = np.asarray(b.road_class)[keep]
    lon, lat = geo.projection().to_lonlat(x, y)
    lon, lat = np.round(lon, 7), np.round(lat, 7)
    length_m = haversine_m_arrays(lon[tail], lat[tail], lon[head], lat[head])
    kmh = np.array([speeds.kmh(c) for c in ROAD_CLASSES])[road_class]
    hilly = geo.in_hills((x[tail] + x[head]) / 2, (y[tail] + y[head]) / 2)
    kmh = np.where(hilly, kmh * speeds.hilly_factor, kmh)
    return RoadNetwork.from_edges(
        node_lon=lon,
        node_lat=lat,
        tail=tail,
        head=head,
        travel_time_s=length_m / (kmh / 3.6),
        length_m=length_m,
        road_class=road_class,
        road_classes=ROAD_CLASSES,
    )
