"""The region's roads as a drawing for the web pages: no tile server, no download.

Every road is drawn once (a two-way road is one line). Coordinates are integers in units of
1e-5 degree (about 1 m), the first point absolute and the others as differences from the
one before, which keeps the JSON small (and smaller still once gzipped). Lines are grouped
by road class, major roads first, so that a page can leave minor roads out when zoomed out.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from routing.network import RoadNetwork

SCALE = 100_000  # 1e-5 degree per unit


def road_layer(network: RoadNetwork) -> dict[str, Any]:
    """``{"scale", "classes", "lines": [[class index, x0, y0, dx1, dy1, ...], ...]}``."""
    once = (network.reverse_edge < 0) | (np.arange(network.edge_count) < network.reverse_edge)
    edges = np.flatnonzero(once)
    edges = edges[np.argsort(network.road_class[edges], kind="stable")]
    lines: list[list[int]] = []
    for edge in edges.tolist():
        lon, lat = network.edge_points(edge)
        x = np.round(lon * SCALE).astype(np.int64)
        y = np.round(lat * SCALE).astype(np.int64)
        line = np.empty(2 * len(x) + 1, dtype=np.int64)
        line[0] = network.road_class[edge]
        line[1], line[2] = x[0], y[0]
        line[3::2], line[4::2] = np.diff(x), np.diff(y)
        lines.append(line.tolist())
    return {"scale": SCALE, "classes": list(network.road_classes), "lines": lines}
