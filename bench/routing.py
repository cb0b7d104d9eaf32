"""Routing benchmark on the demo region: ranking latency against a naive networkx baseline.

    python -m bench.routing [--incidents 2000] [--baseline 5]

Prints region load and table precomputation time, ranking latency (median, p99) over random
incidents with every hospital and a full readiness board, the naive baseline (one networkx
shortest_path_length per hospital) on a sample of the same incidents, their ratio, the
bounded reverse search for ambulances, point-to-point routes, and peak memory (RSS).
"""

from __future__ import annotations

import argparse
import gc
import resource
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

import networkx as nx
import numpy as np

from routing.demo import generate_demo
from routing.errors import SnapError
from routing.geo import LonLat
from routing.pack import DEFAULT_REGIONS_DIR
from routing.ranking import Readiness
from routing.region import Region


def rss_mib() -> float:
    """Peak resident memory of this process so far, MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile_us(samples: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(samples) * 1e6, q))


def incidents(region: Region, count: int, seed: int) -> list[LonLat]:
    """Uniform random points in the region's box that lie within reach of a road."""
    rng = np.random.default_rng(seed)
    box = region.meta.bbox
    found: list[LonLat] = []
    while len(found) < count:
        point = LonLat(
            float(rng.uniform(box.min_lon, box.max_lon)),
            float(rng.uniform(box.min_lat, box.max_lat)),
        )
        try:
            region.snap(point)
        except SnapError:
            continue
        found.append(point)
    return found


def time_calls(fn, items) -> list[float]:  # type: ignore[no-untyped-def]
    samples = []
    for item in items:
        started = time.perf_counter()
        fn(item)
        samples.append(time.perf_counter() - started)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=2000)
    parser.add_argument("--baseline", type=int, default=5, help="incidents for the naive baseline")
    parser.add_argument("--regions-dir", type=Path, default=DEFAULT_REGIONS_DIR)
    args = parser.parse_args()

    if not (args.regions_dir / "demo" / "roads.npz").is_file():
        print("generating the demo region (SYNTHETIC) ...")
        generate_demo(args.regions_dir / "demo")
    started = time.perf_counter()
    region = Region.load("demo", regions_dir=args.regions_dir)
    load_s = time.perf_counter() - started
    t = region.timings
    print(f"region: {region.meta.title}")
    print(
        f"  {region.network.node_count:,} nodes, {region.network.edge_count:,} edges, {len(region.hospitals)} hospitals"
    )
    print(
        f"  load {load_s:.2f} s  (files {t.files_s:.2f} s, snapping index {t.snapper_s:.2f} s, "
        f"hospital tables {t.tables_s:.2f} s; tables {region.tables.nbytes / 2**20:.1f} MiB)"
    )

    now = datetime.now(UTC)
    board = region.readiness_board(
        {h.id: Readiness(free_beds=dict(h.beds), beds_updated_at=now) for h in region.hospitals}
    )
    points = incidents(region, args.incidents, seed=119)
    categories = list(region.taxonomy.categories)
    # Warm up for a second: per-category caches, and this VM's CPU, which runs the first
    # hundreds of milliseconds of a burst measurably slower.
    warm_until = time.perf_counter() + 1.0
    while time.perf_counter() < warm_until:
        for point in points[:50]:
            for category in categories:
                region.rank_hospitals(point, category, board, now=now)
    gc.collect()
    jobs = [(p, categories[i % len(categories)]) for i, p in enumerate(points)]
    rank_s = time_calls(lambda job: region.rank_hospitals(job[0], job[1], board, now=now), jobs)
    snap_s = time_calls(region.snap, points)
    fast_median = statistics.median(rank_s)
    print(
        f"ranking ({len(points)} random incidents, all {len(region.hospitals)} hospitals, readiness board):"
    )
    print(
        f"  median {fast_median * 1e6:.1f} us   p99 {percentile_us(rank_s, 99):.1f} us   "
        f"max {max(rank_s) * 1e6:.0f} us"
    )
    print(
        f"  of which snapping: median {statistics.median(snap_s) * 1e6:.1f} us   p99 {percentile_us(snap_s, 99):.1f} us"
    )
    rss_fast = rss_mib()

    targets = points[: 1 + 24]
    ambulance_s = time_calls(
        lambda incident: region.travel_times_to(incident, targets[1:], limit_s=3600), targets[:20]
    )
    route_s = time_calls(
        lambda pair: region.route(*pair), list(zip(points[:20], points[20:40], strict=True))
    )
    print(
        f"ambulances -> incident (24 ambulances, bounded reverse Dijkstra, 1 h): median {statistics.median(ambulance_s) * 1e3:.1f} ms"
    )
    print(f"route with geometry, point to point: median {statistics.median(route_s) * 1e3:.1f} ms")

    print(
        f"naive baseline: one networkx shortest_path_length per hospital, {args.baseline} incidents ..."
    )
    graph = region.network.to_networkx()
    nodes, _ = region.snapper.nearest_nodes(
        np.array([p.lon for p in points[: args.baseline]]),
        np.array([p.lat for p in points[: args.baseline]]),
    )

    def naive(node: int) -> list[float]:
        lengths = []
        for hospital in region.hospitals:
            try:
                lengths.append(
                    nx.shortest_path_length(graph, int(node), hospital.node, weight="travel_time_s")
                )
            except nx.NetworkXNoPath:
                lengths.append(float("inf"))
        return lengths

    naive_s = time_calls(naive, nodes)
    naive_median = statistics.median(naive_s)
    print(f"  median {naive_median * 1e3:.0f} ms per ranking")
    print(f"speed-up (median naive / median fast): {naive_median / fast_median:,.0f}x")
    print(
        f"peak RSS: {rss_fast:.0f} MiB with the region loaded and ranked; "
        f"{rss_mib():.0f} MiB after building the networkx graph for the baseline"
    )


if __name__ == "__main__":
    main()
