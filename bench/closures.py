"""Closures: time from a closure posted to the first ranking that reflects it.

    python -m bench.closures [--repeat 3] [--regions-dir DIR]

Against a live `satria serve` on the demo region (SQLite, the embedded defaults): for each
bridge over the river (and a town-centre area), POST a closure, then ask for the ranking at
a point 800 m from the bridge, back to back, until it changes; then lift the closure and wait
until the ranking is back. Prints, per closure, the seconds to the first changed ranking, the
tables recomputed, and the seconds back after the lift.

In the same run, in process: the incremental rebuild (only the affected tables) against the
naive one (every hospital and post table), with the ratio. Target: under 2 s from the POST
to the first ranking that reflects it.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2
import numpy as np
import shapely

from routing.conditions import Restriction, build_view
from routing.demo import generate_demo
from routing.demo import geography as geo
from routing.geo import LonLat
from routing.pack import DEFAULT_REGIONS_DIR
from routing.region import Region
from tests.live_server import live_server


def bank(x_m: float, offset_m: float) -> LonLat:
    return geo.projection().point_to_lonlat(x_m, float(geo.river_y(x_m)) + offset_m)


def closures(region: Region) -> list[tuple[str, dict[str, Any], LonLat]]:
    """(name, GeoJSON polygon, where to rank) for every bridge the roads use, and a town."""
    found = []
    for x_m in geo.BRIDGES_X_M:
        centre = bank(x_m, 0)
        area = shapely.Point(centre.lon, centre.lat).buffer(0.004)
        edges = region.edges_in(area)
        x, y = geo.projection().to_xy(region.network.node_lon, region.network.node_lat)
        side = geo.river_side(x, y)
        if (side[region.network.tail[edges]] != side[region.network.head[edges]]).any():
            found.append((f"bridge at x={x_m / 1000:+.1f} km", area, bank(x_m, 800)))
    town = region.hospitals[0].location
    found.append((
        f"area of 1 km around {region.hospitals[0].name}",
        shapely.Point(town.lon, town.lat).buffer(0.009), bank(geo.BRIDGES_X_M[1], 800),
    ))  # fmt: skip
    return [(name, shapely.geometry.mapping(area), point) for name, area, point in found]


def top(http: httpx2.Client, point: LonLat) -> tuple[tuple[str, float], ...]:
    body = http.post("/api/rankings", json={"lon": point.lon, "lat": point.lat,
                                            "category": "general"}).json()  # fmt: skip
    return tuple((h["hospital_id"], h["eta_s"]) for h in body["eligible"])


def wait_for_change(
    http: httpx2.Client, point: LonLat, before: object, started: float, limit_s: float = 30.0
) -> float:
    """Seconds from ``started`` to the first ranking different from ``before``."""
    while time.perf_counter() - started < limit_s:
        if top(http, point) != before:
            return time.perf_counter() - started
    return float("inf")


def live(args: argparse.Namespace, region: Region) -> list[float]:
    seconds = []
    with tempfile.TemporaryDirectory() as folder:
        settings = {
            "SATRIA_DATA_DIR": folder,
            "SATRIA_RATE_LIMIT": "",
            "SATRIA_REGIONS_DIR": str(args.regions_dir),
        }
        with live_server(settings, Path(folder) / "serve.log") as server:
            key = server.create_user("bench operator", "operator")
            headers = {"Authorization": f"Bearer {key}"}
            with httpx2.Client(base_url=server.url, headers=headers, timeout=30) as http:
                print(f"live server, demo region (SYNTHETIC), period "
                      f"{http.get('/api/region/conditions').json()['period']!r}")  # fmt: skip
                for _ in range(args.repeat):
                    for name, geometry, point in closures(region):
                        before = top(http, point)
                        expires = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
                        started = time.perf_counter()
                        posted = http.post("/api/road-restrictions", json={
                            "kind": "closure", "geometry": geometry, "reason": "bench",
                            "expires_at": expires,
                        })  # fmt: skip
                        posted.raise_for_status()
                        reflected = wait_for_change(http, point, before, started)
                        conditions = http.get("/api/region/conditions").json()
                        recomputed = conditions["tables_recomputed"]
                        closed = top(http, point)
                        started = time.perf_counter()
                        http.delete(f"/api/road-restrictions/{posted.json()['id']}")
                        back = wait_for_change(http, point, closed, started)
                        seconds.append(reflected)
                        print(f"  {name:45s} first ranking with it {reflected:6.2f} s, "
                              f"{recomputed:2d} of {len(region.hospitals) + len(region.posts)} "
                              f"tables recomputed; lifted, back in {back:5.2f} s")  # fmt: skip
    return seconds


def in_process(region: Region) -> None:
    """Incremental (subtrees solved again) against a naive full rebuild, in the same run."""
    name, geometry, _ = closures(region)[0]
    network = region.network
    residential = np.flatnonzero(network.road_class == network.road_classes.index("residential"))
    used = np.intersect1d(residential, np.unique(region.view.tables.next_edge))
    street = int(np.random.default_rng(119).choice(used))  # a street some fastest path takes
    cases = [
        (name, region.edges_in(shapely.geometry.shape(geometry))),
        ("one residential street", np.array([street, int(network.reverse_edge[street])])),
    ]
    nodes = [h.node for h in region.hospitals]
    tables = len(region.hospitals) + len(region.posts)
    for label, edges in cases:
        conditions = region.conditions(restrictions=[Restriction(edges[edges >= 0])])
        incremental, full = [], []
        for _ in range(3):
            started = time.perf_counter()
            view = build_view(network, conditions, hospital_nodes=nodes,
                              post_nodes=region.post_nodes, version=1, previous=region.view)  # fmt: skip
            incremental.append(time.perf_counter() - started)
            started = time.perf_counter()
            build_view(network, conditions, hospital_nodes=nodes, post_nodes=region.post_nodes,
                       version=1)  # fmt: skip
            full.append(time.perf_counter() - started)
        a, b = statistics.median(incremental), statistics.median(full)
        print(f"in process, {label}: incremental {a * 1000:.0f} ms ({view.tables_recomputed} of "
              f"{tables} tables recomputed); naive full rebuild {b * 1000:.0f} ms; "
              f"ratio {b / a:.1f}x")  # fmt: skip
    started = time.perf_counter()
    region.swap(region.prepare(region.conditions(restrictions=[Restriction(cases[0][1])])))
    region.swap(region.prepare(region.conditions(restrictions=[])))
    print(f"in process, closure lifted again: back to the recent view in "
          f"{region.view.build_s * 1000:.1f} ms ({region.view.tables_recomputed} tables "
          f"recomputed; closing and lifting took {(time.perf_counter() - started):.2f} s)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--regions-dir", type=Path, default=DEFAULT_REGIONS_DIR)
    args = parser.parse_args()
    if not (args.regions_dir / "demo" / "roads.npz").is_file():
        generate_demo(args.regions_dir / "demo")
    region = Region.load(args.regions_dir / "demo")
    in_process(region)
    seconds = live(args, region)
    print(
        f"closure posted -> first ranking that reflects it: median {statistics.median(seconds):.2f}"
        f" s, max {max(seconds):.2f} s over {len(seconds)} closures (target < 2 s)"
    )


if __name__ == "__main__":
    main()
