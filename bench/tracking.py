"""Tracking benchmark: fixes stored per second and push-to-subscriber latency, live.

    python -m bench.tracking [--ambulances 500] [--rates 1,2,4] [--seconds 30]
                             [--hospital-feeds 50] [--operator-feeds 5]
                             [--workers 2 --postgres URL --redis URL]

For each rate it starts a fresh `satria serve` (SQLite on the embedded defaults with one
worker; PostgreSQL and Redis with several), opens the hospital feeds (spread over the
region's hospitals, several screens per hospital) and the operator consoles, then runs
`satria simulate` in its own process: every crew takes a mission (a call near its post,
dispatched to it and referred to the recommended hospital) and drives it, sending one fix per
1/rate seconds through the crew websocket. The measured window opens once every crew's call
is taken (the intake burst: about 20 calls a second while the first crews already drive;
its own latency is printed apart), then counts the fixes stored in the database over the
window, and every subscriber timestamps each position it receives against the fix's own
time: push-to-subscriber latency includes storing, ETA, arrival detection, the broker and
the feed.

The same run measures the ETA per fix both ways: a read of the call's point table (what the
service does) against a road search per fix (the naive way), and prints the ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
from sqlalchemy import create_engine
from sqlmodel import Session
from websockets.asyncio.client import connect

from app.core import collector
from app.core.config import Settings
from app.main import load_region
from app.models import Role
from app.services import users
from routing import LonLat, Region
from routing.demo import generate_demo
from routing.pack import DEFAULT_REGIONS_DIR
from tests.live_server import LiveServer, column, live_server, postgres_schema


@dataclass
class Listener:
    """What one feed connection saw: position latencies (ms) inside the window."""

    kind: str
    latencies_ms: list[float] = field(default_factory=list)
    intake_latencies_ms: list[float] = field(default_factory=list)
    messages: int = 0
    closed: str | None = None


def percentile(values: list[float], share: float) -> float:
    """The value below which ``share`` of the values fall (nan if none)."""
    return float(np.percentile(values, share * 100)) if values else float("nan")


@dataclass
class Window:
    """The measured window: opened once the calls are taken, closed ``seconds`` later."""

    opens: float = float("inf")
    closes: float = float("inf")

    def holds(self, instant: float) -> bool:
        return self.opens <= instant <= self.closes


async def listen(url: str, listener: Listener, window: Window) -> None:
    """Read a feed until the window closes, timing each position against its fix time (in
    the window, and before it: the intake burst)."""
    try:
        async with connect(url, max_queue=None, compression=None) as socket:
            while (now := time.time()) < window.closes:
                try:
                    raw = await asyncio.wait_for(socket.recv(), timeout=min(window.closes - now, 5))
                except TimeoutError:
                    continue
                now = time.time()
                listener.messages += 1
                if '"type":"position"' not in raw[:40] or now > window.closes:
                    continue
                fix_time = datetime.fromisoformat(json.loads(raw)["fix_time"]).timestamp()
                latency_ms = (now - fix_time) * 1000
                if window.holds(now):
                    listener.latencies_ms.append(latency_ms)
                else:
                    listener.intake_latencies_ms.append(latency_ms)
    except Exception as exc:
        listener.closed = f"{type(exc).__name__}: {exc}"[:120]


def calls_taken(database_url: str) -> int:
    """Calls in the database right now."""
    return int(column(database_url, "SELECT count(*) FROM call")[0])


def fixes_stored(database_url: str) -> int:
    """Rows in the fix table right now."""
    return int(column(database_url, "SELECT count(*) FROM gpsfix")[0])


def feed_keys(server: LiveServer, region: Region, count: int) -> list[str]:
    """One hospital key per hospital, repeated over ``count`` feeds (screens)."""
    settings = Settings()  # the server's settings are in the environment
    engine = create_engine(settings.database)
    keys = []
    with Session(engine) as session:
        for hospital in region.hospitals[:count]:
            new = users.NewUser(f"bench {hospital.id}", Role.HOSPITAL, hospital_id=hospital.id)
            user = users.create_user(session, new)
            keys.append(users.issue_key(session, user_id=user.id or 0, days=1).key)
        session.commit()
    engine.dispose()
    return [keys[i % len(keys)] for i in range(count)]


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """These variables set while the block runs (for Settings() in this process)."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def run_stage(
    args: argparse.Namespace, rate_hz: float, database_url: str, label: str
) -> StageResult:
    """One fresh server, its feeds and the simulator at this rate; prints one result line."""
    with tempfile.TemporaryDirectory() as folder:
        settings = {
            "SATRIA_DATABASE_URL": database_url.format(folder=folder),
            "SATRIA_DATA_DIR": str(Path(folder) / "var"),
            "SATRIA_RATE_LIMIT": "",  # measuring, not limiting
            "SATRIA_REGIONS_DIR": str(args.regions_dir),
            "SATRIA_BROKER_URL": args.redis if args.workers > 1 else "memory://",
        }
        with (
            live_server(settings, Path(folder) / "serve.log", workers=args.workers) as server,
            environment(settings),
            (Path(folder) / "simulate.log").open("w") as simulator_out,
        ):
            region = load_region(Settings())
            hospital_keys = feed_keys(server, region, args.hospital_feeds)
            operator_key = server.create_user("bench console", "operator")
            ws = server.url.replace("http", "ws", 1)
            started = time.time()
            window = Window()
            listeners = [Listener("hospital") for _ in hospital_keys]
            listeners += [Listener("operators") for _ in range(args.operator_feeds)]
            keys = hospital_keys + [operator_key] * args.operator_feeds
            simulator = subprocess.Popen(
                [sys.executable, "-m", "app.cli", "simulate", "--ambulances",
                 str(args.ambulances), "--rate", str(rate_hz), "--duration",
                 str(args.warmup + args.seconds + 2), "--url", server.url,
                 "--tunnel-every", "0", "--bad-fix-share", "0"],
                env=server.env, stdout=simulator_out, stderr=subprocess.STDOUT,
            )  # fmt: skip

            async def watch() -> tuple[int, int]:
                tasks = [
                    asyncio.create_task(listen(f"{ws}/ws/feed?token={key}", listener, window))
                    for key, listener in zip(keys, listeners, strict=True)
                ]
                url = settings["SATRIA_DATABASE_URL"]
                while time.time() < started + args.warmup:
                    if await asyncio.to_thread(calls_taken, url) >= args.ambulances:
                        break
                    await asyncio.sleep(0.5)
                before = await asyncio.to_thread(fixes_stored, url)
                window.opens = time.time()
                window.closes = window.opens + args.seconds
                await asyncio.sleep(args.seconds)
                after = await asyncio.to_thread(fixes_stored, url)
                await asyncio.gather(*tasks)
                return before, after

            collector.settle()  # the listeners' own pauses are not the service's latency
            before, after = asyncio.run(watch())
            simulator.terminate()  # it stops its crews and prints what they sent
            output = finish(simulator, Path(simulator_out.name))
    stats = json.loads(output[output.index("{") :]) if "{" in output else {"output": output}
    stored_per_s = (after - before) / args.seconds
    offered = args.ambulances * rate_hz
    hospital = [v for li in listeners if li.kind == "hospital" for v in li.latencies_ms]
    operators = [v for li in listeners if li.kind == "operators" for v in li.latencies_ms]
    intake = [v for li in listeners if li.kind == "hospital" for v in li.intake_latencies_ms]
    dropped = [li.closed for li in listeners if li.closed]
    print(
        f"  {label}, {args.ambulances} ambulances at {rate_hz:g} Hz (offered {offered:.0f}/s): "
        f"stored {stored_per_s:.0f} fixes/s ({stored_per_s / offered:.0%}); "
        f"hospital push p50 {percentile(hospital, 0.5):.0f} ms p99 "
        f"{percentile(hospital, 0.99):.0f} ms (n={len(hospital)}); operators p50 "
        f"{percentile(operators, 0.5):.0f} ms p99 {percentile(operators, 0.99):.0f} ms "
        f"(n={len(operators)}); feeds lost {len(dropped)}; simulator errors "
        f"{stats.get('errors', stats)}; missions {stats.get('missions_started')}"
    )
    print(
        f"    while the calls were taken ({window.opens - started:.0f} s): hospital push p50 "
        f"{percentile(intake, 0.5):.0f} ms p99 {percentile(intake, 0.99):.0f} ms (n={len(intake)})"
    )
    if dropped:
        print(f"    first lost feed: {dropped[0]}")
    return StageResult(rate_hz, offered, stored_per_s, percentile(hospital, 0.99))


@dataclass(frozen=True)
class StageResult:
    """One rate's outcome, for the sustained-rate summary."""

    rate_hz: float
    offered_per_s: float
    stored_per_s: float
    hospital_p99_ms: float

    def sustained(self, p99_limit_ms: float) -> bool:
        """Kept up: nearly everything offered stored, and pushes still on time."""
        return (
            self.stored_per_s >= 0.95 * self.offered_per_s and self.hospital_p99_ms <= p99_limit_ms
        )


def finish(simulator: subprocess.Popen[bytes], log: Path, timeout_s: float = 120) -> str:
    """The simulator's output once it ends; if it hangs, where its tasks wait, then kill it."""
    try:
        simulator.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        simulator.send_signal(signal.SIGUSR1)  # it prints its tasks' stacks
        time.sleep(2)
        simulator.kill()
        simulator.wait()
        print(f"  the simulator hung; its tasks waited at:\n{log.read_text()[-3000:]}")
    return log.read_text()


def eta_per_fix(regions_dir: Path, fixes: int = 300) -> None:
    """ETA to the incident per fix: a point-table read (fast path) against a search per fix."""
    region = Region.load(regions_dir / "demo")
    rng = np.random.default_rng(5)
    nodes = rng.integers(0, region.network.node_count, size=fixes + 1)
    points = [
        LonLat(float(region.network.node_lon[n]), float(region.network.node_lat[n])) for n in nodes
    ]
    incident, origins = points[0], points[1:]
    started = time.perf_counter()
    table = region.table_to(incident)
    build_ms = (time.perf_counter() - started) * 1000
    fast = []
    for origin in origins:
        t0 = time.perf_counter()
        region.eta_to_point(origin, table)
        fast.append((time.perf_counter() - t0) * 1e6)
    naive = []
    for origin in origins[:50]:
        t0 = time.perf_counter()
        region.route(origin, incident)
        naive.append((time.perf_counter() - t0) * 1e6)
    fast_us, naive_us = statistics.median(fast), statistics.median(naive)
    print(
        f"  ETA per fix: point table {fast_us:.0f} us (median; table built once per call in "
        f"{build_ms:.0f} ms) vs a road search per fix {naive_us / 1000:.1f} ms: "
        f"{naive_us / fast_us:,.0f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ambulances", type=int, default=500)
    parser.add_argument("--rates", default="1", help="fixes per second per crew, e.g. 1,2,4")
    parser.add_argument("--seconds", type=float, default=30.0, help="measured window")
    parser.add_argument(
        "--warmup", type=float, default=90.0, help="longest wait for every crew's call to be taken"
    )
    parser.add_argument("--hospital-feeds", type=int, default=50)
    parser.add_argument("--operator-feeds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--postgres", default=os.environ.get("SATRIA_TEST_POSTGRES_URL", ""))
    parser.add_argument(
        "--redis", default=os.environ.get("SATRIA_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    parser.add_argument("--regions-dir", type=Path, default=DEFAULT_REGIONS_DIR)
    parser.add_argument(
        "--p99-limit-ms", type=float, default=250.0, help="latency counted as degraded"
    )
    args = parser.parse_args()
    if not (args.regions_dir / "demo" / "roads.npz").is_file():
        generate_demo(args.regions_dir / "demo")
    eta_per_fix(args.regions_dir)
    rates = [float(r) for r in args.rates.split(",")]
    if args.workers > 1 and not args.postgres:
        parser.error("several workers need --postgres URL (and --redis URL)")
    results = []
    for rate in rates:
        if args.workers == 1:
            results.append(
                run_stage(args, rate, "sqlite:///{folder}/satria.db", "SQLite, 1 worker")
            )
            continue
        with postgres_schema(args.postgres) as url:
            label = f"PostgreSQL + Redis, {args.workers} workers"
            results.append(run_stage(args, rate, url, label))
    sustained = [r for r in results if r.sustained(args.p99_limit_ms)]
    best = max(sustained, key=lambda r: r.stored_per_s, default=None)
    print(
        f"  maximum sustained ingest (stored >= 95% of offered, hospital p99 <= "
        f"{args.p99_limit_ms:.0f} ms): "
        + (f"{best.stored_per_s:.0f} fixes/s (at {best.rate_hz:g} Hz)" if best else "none")
    )


if __name__ == "__main__":
    main()
