"""API benchmark: calls created per second and POST /api/calls latency, under concurrency.

    python -m bench.api [--clients 50] [--seconds 20] [--postgres URL] [--workers 1]

Starts a real `satria serve` (SQLite on the embedded defaults; PostgreSQL too when a URL is
given, or SATRIA_TEST_POSTGRES_URL is set), creates an operator key, then runs N concurrent
clients, each posting calls one after another: a STEMI at a random road point with a caller
NIK and phone and one patient, so that every call is stored, ranked against all hospitals
with the readiness board, given its nearest ambulances, and queued for NIK verification.

First one client alone, the latency an operator sees on a quiet shift; then, for scale, the
same clients against GET /healthz (the HTTP floor of the same server) and POST /api/rankings
(ranking without storing), and the ratios. The load generator runs on the same machine and
takes its share of the CPU. The naive routing baseline (networkx
per hospital) is in bench.routing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import numpy as np

from routing.demo import generate_demo
from routing.network import RoadNetwork
from routing.pack import DEFAULT_REGIONS_DIR
from tests.live_server import live_server, postgres_schema

NIKS = ("3302264107900001", "3302190101850003", "3302014107900001")


@dataclass(frozen=True)
class Result:
    """Throughput and latency of one run."""

    name: str
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def per_s(self) -> float:
        return self.requests / self.seconds

    def line(self) -> str:
        lat = sorted(self.latencies_ms)
        p50 = statistics.median(lat)
        p99 = lat[min(len(lat) - 1, int(0.99 * len(lat)))]
        return (
            f"{self.name:<34} {self.per_s:8.1f} req/s   p50 {p50:7.1f} ms   p99 {p99:7.1f} ms"
            f"   ({self.requests} requests, {self.errors} errors)"
        )


def road_points(regions_dir: Path, count: int, seed: int = 7) -> list[tuple[float, float]]:
    """Random points near the region's roads (node positions, jittered by up to ~50 m)."""
    network = RoadNetwork.load(regions_dir / "demo" / "roads.npz")
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, network.node_count, count)
    jitter = rng.uniform(-0.0004, 0.0004, (count, 2))
    return [
        (float(network.node_lon[i] + dx), float(network.node_lat[i] + dy))
        for i, (dx, dy) in zip(picks.tolist(), jitter.tolist(), strict=True)
    ]


async def load(
    url: str,
    key: str,
    request: Callable[[int], tuple[str, str, dict[str, Any] | None]],
    *,
    clients: int,
    seconds: float,
    name: str,
) -> Result:
    """``clients`` tasks sending requests back to back for ``seconds``."""
    latencies: list[float] = []
    errors = 0
    counter = iter(range(10**9))
    limits = httpx2.Limits(max_connections=clients, max_keepalive_connections=clients)
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx2.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=60) as http:
        stop_at = time.perf_counter() + seconds

        async def client() -> None:
            nonlocal errors
            while time.perf_counter() < stop_at:
                method, path, body = request(next(counter))
                started = time.perf_counter()
                response = await http.request(method, path, json=body)
                latencies.append((time.perf_counter() - started) * 1000)
                if response.status_code >= 400:
                    errors += 1

        began = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
        elapsed = time.perf_counter() - began
    return Result(name, len(latencies), errors, elapsed, latencies)


def call_body(points: list[tuple[float, float]]) -> Callable[[int], tuple[str, str, Any]]:
    def make(i: int) -> tuple[str, str, dict[str, Any]]:
        lon, lat = points[i % len(points)]
        return "POST", "/api/calls", {
            "category": "stemi", "triage": "merah", "lon": lon, "lat": lat,
            "caller": {"nik": NIKS[i % len(NIKS)], "phone": f"0812{i % 10**8:08d}"},
            "patients": [{"age_years": 40 + i % 40, "sex": "male", "condition": "chest pain"}],
        }  # fmt: skip

    return make


def rank_body(points: list[tuple[float, float]]) -> Callable[[int], tuple[str, str, Any]]:
    def make(i: int) -> tuple[str, str, dict[str, Any]]:
        lon, lat = points[i % len(points)]
        return "POST", "/api/rankings", {"lon": lon, "lat": lat, "category": "stemi"}

    return make


def run_backend(
    label: str, database_url: str, args: argparse.Namespace, points: list[tuple[float, float]]
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        settings = {
            "SATRIA_DATABASE_URL": database_url.replace("{folder}", folder),
            "SATRIA_DATA_DIR": folder,
            "SATRIA_RATE_LIMIT": "",  # measuring, not limiting
            "SATRIA_REGIONS_DIR": str(args.regions_dir),
        }
        log = Path(folder) / "serve.log"
        with live_server(settings, log, workers=args.workers) as server:
            key = server.create_user("bench operator", "operator")
            print(f"\n{label}: {args.workers} worker(s), {args.clients} concurrent clients, "
                  f"{args.seconds:.0f} s per run")  # fmt: skip

            def go(name: str, request: Callable[[int], tuple[str, str, Any]]) -> Result:
                return asyncio.run(
                    load(server.url, key, request, clients=args.clients, seconds=args.seconds,
                         name=name)
                )  # fmt: skip

            # First, on a quiet server: after the load runs, thousands of NIK checks are
            # still being stored, and a quiet shift has no such backlog.
            alone = asyncio.run(
                load(server.url, key, call_body(points[::-1]), clients=1,
                     seconds=min(args.seconds, 5.0), name="POST /api/calls, one operator")
            )  # fmt: skip
            floor = go("GET /healthz (HTTP floor)", lambda _i: ("GET", "/healthz", None))
            ranking = go("POST /api/rankings (no write)", rank_body(points))
            calls = go("POST /api/calls (stored, ranked)", call_body(points))
            for result in (floor, ranking, calls, alone):
                print("  " + result.line())
            print(f"  calls created per second: {calls.per_s:.1f}; "
                  f"{calls.per_s / floor.per_s:.2f}x the HTTP floor, "
                  f"{calls.per_s / ranking.per_s:.2f}x ranking alone")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--postgres", default=os.environ.get("SATRIA_TEST_POSTGRES_URL", ""))
    parser.add_argument("--regions-dir", type=Path, default=DEFAULT_REGIONS_DIR)
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    if not (args.regions_dir / "demo" / "roads.npz").is_file():
        generate_demo(args.regions_dir / "demo")
    points = road_points(args.regions_dir, 5000)
    run_backend("SQLite (embedded default)", "sqlite:///{folder}/satria.db", args, points)
    if args.postgres and not args.sqlite_only:
        with postgres_schema(args.postgres) as url:
            run_backend("PostgreSQL", url, args, points)


if __name__ == "__main__":
    main()
