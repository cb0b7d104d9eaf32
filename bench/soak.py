"""Soak: two workers on PostgreSQL and Redis under the simulator for minutes, with faults.

    python -m bench.soak [--seconds 600] [--ambulances 300] [--hospital-feeds 50]
                         [--postgres URL]

The simulator (crews taking calls, dispatched, referred, driving; GPS noise, tunnels with
backfill, bad fixes) talks to worker A; 50 hospital feeds watch on worker B and fail over to
A when B is gone. An operator takes a call every few seconds (a synthetic NIK each, checked
against a Dukcapil-style registry over HTTP), on B and then on A. Faults, one of each kind,
at 20/40/60/70/80% of the run:

- Redis (a private redis-server) stopped for 5 s and started again;
- PostgreSQL restarted, with ``--restart-postgres "pg_ctlcluster 15 main restart"`` (the
  server is restarted for real: only where nothing else uses it); without it, every database
  connection of the service is dropped (``pg_terminate_backend``), which is what a restart
  does to the clients;
- worker B killed (SIGKILL): its feeds reconnect to A and start from a snapshot;
- the registry slow (every answer after the timeout) for 10% of the run, then down (its port
  closed) for 10%, then back.

At the end it prints calls acknowledged and stored, fixes acknowledged and stored (lost =
acknowledged but not in the table: must be 0 for both), verification outcomes (none left
pending), errors by kind, the p99 of the hospital push latency, feed reconnections, and the
workers' memory at start and end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import httpx2
from sqlalchemy import bindparam, create_engine, text
from sqlmodel import Session
from websockets.asyncio.client import connect

from app.core.config import Settings
from app.models import Role
from app.services import users
from bench.registry import PASSWORD, USER, RegistryServer
from bench.tracking import environment, feed_keys, percentile
from routing.demo import generate_demo
from routing.pack import DEFAULT_REGIONS_DIR
from routing.region import Region
from tests.live_server import (
    LiveServer,
    column,
    free_port,
    live_server,
    postgres_schema,
    start_redis,
    stop_process,
)

APPLICATION = "satria-soak"  # the service's connections, as PostgreSQL names them


@dataclass
class Feed:
    """One hospital's board: what it saw, and how often it had to reconnect."""

    latencies_ms: list[float] = field(default_factory=list)
    snapshots: int = 0
    reconnects: int = 0


async def watch(urls: list[str], key: str, feed: Feed, until: float) -> None:
    """Follow a hospital feed on the first worker that answers, failing over to the next."""
    attempt = 0
    while time.time() < until:
        url = urls[min(attempt, len(urls) - 1)]
        try:
            async with connect(f"{url}/ws/feed?token={key}", open_timeout=10) as socket:
                while time.time() < until:
                    raw = await asyncio.wait_for(socket.recv(), until - time.time())
                    now = time.time()
                    if '"type":"snapshot"' in raw[:30]:
                        feed.snapshots += 1
                    elif '"type":"position"' in raw[:30]:
                        fix_time = datetime.fromisoformat(json.loads(raw)["fix_time"])
                        feed.latencies_ms.append((now - fix_time.timestamp()) * 1000)
        except TimeoutError:
            return
        except Exception:  # the worker went away: try again, then the other one
            feed.reconnects += 1
            attempt += 1
            await asyncio.sleep(0.5)


@dataclass
class Calls:
    """The soak operator's calls: the ids acknowledged (201) and the refusals by kind."""

    acknowledged: list[int] = field(default_factory=list)
    refused: Counter[str] = field(default_factory=Counter)


def synthetic_nik(region: Region, rng: random.Random) -> str:
    """A well-formed NIK of a district of the region, for a SYNTHETIC resident."""
    district = rng.choice(sorted(region.districts))
    day = rng.randint(1, 28) + rng.choice((0, 40))  # women: day + 40
    born = f"{day:02d}{rng.randint(1, 12):02d}{rng.randint(50, 99):02d}"
    return f"{district}{born}{rng.randint(1, 9999):04d}"


async def take_calls(
    urls: list[str],
    key: str,
    region: Region,
    calls: Calls,
    residents: dict[str, str],
    until: float,
    interval_s: float,
) -> None:
    """A call every ``interval_s`` with a caller NIK, on the first worker that answers.

    Half of the callers are residents the registry knows (SYNTHETIC); a call counts as taken
    only when the service answered 201, which it does once the call is stored.
    """
    rng = random.Random(119)
    headers = {"Authorization": f"Bearer {key}"}
    west, south, east, north = region.meta.bbox
    async with httpx2.AsyncClient(timeout=10) as http:
        while time.time() < until:
            nik = synthetic_nik(region, rng)
            if rng.random() < 0.5:
                residents[nik] = "SOAK RESIDENT"
            body = {
                "category": "stemi", "triage": "merah",
                "lon": rng.uniform(west, east), "lat": rng.uniform(south, north),
                "caller": {"nik": nik, "name": "SOAK RESIDENT", "phone": "0812-0000-0119"},
            }  # fmt: skip
            for url in urls:
                try:
                    response = await http.post(f"{url}/api/calls", json=body, headers=headers)
                except httpx2.HTTPError as exc:
                    calls.refused[type(exc).__name__] += 1
                    continue
                if response.status_code == 201:
                    calls.acknowledged.append(response.json()["call"]["id"])
                    break
                calls.refused[f"HTTP {response.status_code}"] += 1
            await asyncio.sleep(interval_s)


def operator_key() -> str:
    """An operator's key for the soak's calls (the server's settings are in the environment)."""
    engine = create_engine(Settings().database)
    try:
        with Session(engine) as session:
            user = users.create_user(session, users.NewUser("soak operator", Role.OPERATOR))
            key = users.issue_key(session, user_id=user.id or 0, days=1).key
            session.commit()
            return key
    finally:
        engine.dispose()


def rss_mb(pid: int) -> float:
    """Resident memory of a process, MB (from /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def verification_outcomes(database_url: str, call_ids: list[int]) -> dict[str, int]:
    """Verification outcomes of these calls, once none is pending (30 s at most)."""
    if not call_ids:
        return {}
    engine = create_engine(database_url)
    query = text("SELECT verification, count(*) FROM call WHERE id IN :ids GROUP BY 1").bindparams(
        bindparam("ids", expanding=True)
    )
    try:
        deadline = time.time() + 30
        while True:
            with engine.connect() as connection:
                outcomes = dict(connection.execute(query, {"ids": call_ids}).all())
            if "pending" not in outcomes or time.time() > deadline:
                return {str(k): int(v) for k, v in sorted(outcomes.items())}
            time.sleep(0.5)
    finally:
        engine.dispose()


def drop_database_connections(admin_url: str) -> int:
    """Terminate every connection of the service (as a database restart would)."""
    engine = create_engine(admin_url)
    try:
        with engine.begin() as connection:
            rows = connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                     "WHERE application_name = :name"), {"name": APPLICATION},
            )  # fmt: skip
            return len(rows.fetchall())
    finally:
        engine.dispose()


async def inject_faults(
    args: argparse.Namespace, redis_port: int, folder: Path, worker_b: LiveServer, state: dict
) -> None:
    """One fault of each kind, at 20, 40, 60, 70 and 80% of the run."""
    started = time.time()

    async def at(share: float) -> None:
        await asyncio.sleep(max(0.0, started + share * args.seconds - time.time()))

    await at(0.2)
    stop_process(state["redis"])
    print(f"  {time.time() - started:5.0f} s  fault: Redis stopped", flush=True)
    await asyncio.sleep(5)
    state["redis"] = start_redis(redis_port, folder)
    print(f"  {time.time() - started:5.0f} s  Redis started again", flush=True)
    await at(0.4)
    if args.restart_postgres:
        restart = await asyncio.to_thread(
            subprocess.run, args.restart_postgres, shell=True, capture_output=True, text=True,
            check=False,
        )  # fmt: skip
        print(f"  {time.time() - started:5.0f} s  fault: PostgreSQL restarted "
              f"(exit {restart.returncode})", flush=True)  # fmt: skip
    else:
        dropped = drop_database_connections(args.postgres)
        print(f"  {time.time() - started:5.0f} s  fault: {dropped} database connections dropped",
              flush=True)  # fmt: skip
    await at(0.6)
    state["rss_b_end"] = rss_mb(worker_b.pid)
    worker_b.kill()
    print(f"  {time.time() - started:5.0f} s  fault: worker B killed", flush=True)
    registry: RegistryServer = state["registry"]
    await at(0.7)
    registry.mode, registry.delay_s = "slow", 5.0  # the service gives up after 1 s
    print(f"  {time.time() - started:5.0f} s  fault: registry slow", flush=True)
    await at(0.8)
    registry.stop()
    print(f"  {time.time() - started:5.0f} s  fault: registry down", flush=True)
    await at(0.9)
    state["registry"] = RegistryServer(registry.residents, port=registry.port)
    print(f"  {time.time() - started:5.0f} s  registry back", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=600.0)
    parser.add_argument("--ambulances", type=int, default=300)
    parser.add_argument("--hospital-feeds", type=int, default=50)
    parser.add_argument("--call-every", type=float, default=3.0, help="s between the calls")
    parser.add_argument("--postgres", default=os.environ.get("SATRIA_TEST_POSTGRES_URL", ""))
    parser.add_argument("--regions-dir", type=Path, default=DEFAULT_REGIONS_DIR)
    parser.add_argument(
        "--restart-postgres", default="", help="a command that restarts PostgreSQL for real"
    )
    args = parser.parse_args()
    if not args.postgres:
        parser.error("the soak needs --postgres URL (or SATRIA_TEST_POSTGRES_URL)")
    if not (args.regions_dir / "demo" / "roads.npz").is_file():
        generate_demo(args.regions_dir / "demo")
    region = Region.load(args.regions_dir / "demo")
    with tempfile.TemporaryDirectory() as temporary, postgres_schema(args.postgres) as url:
        folder = Path(temporary)
        redis_port = free_port()
        registry = RegistryServer({})
        state: dict = {"redis": start_redis(redis_port, folder), "registry": registry}
        settings = {
            "SATRIA_DATABASE_URL": f"{url}&application_name={APPLICATION}",
            "SATRIA_BROKER_URL": f"redis://127.0.0.1:{redis_port}/0",
            "SATRIA_DATA_DIR": str(folder / "var"),
            "SATRIA_REGIONS_DIR": str(args.regions_dir),
            "SATRIA_RATE_LIMIT": "",  # the simulator's one operator key takes every call
            "SATRIA_LOG_FORMAT": "json",
            "SATRIA_REGISTRY_URL": registry.url,
            "SATRIA_REGISTRY_USER": USER,
            "SATRIA_REGISTRY_PASSWORD": PASSWORD,
            "SATRIA_REGISTRY_TIMEOUT_S": "1",
            "SATRIA_REGISTRY_ATTEMPTS": "1",
        }
        try:
            with (
                live_server(settings, folder / "a.log") as worker_a,
                live_server(settings, folder / "b.log") as worker_b,
                environment(settings),
                (folder / "simulate.log").open("w") as simulator_out,
            ):
                run(args, region, worker_a, worker_b, state, folder, redis_port, simulator_out,
                    settings["SATRIA_DATABASE_URL"])  # fmt: skip
        finally:
            stop_process(state["redis"])
            state["registry"].stop()


def run(
    args: argparse.Namespace,
    region: Region,
    worker_a: LiveServer,
    worker_b: LiveServer,
    state: dict,
    folder: Path,
    redis_port: int,
    simulator_out: object,
    database_url: str,
) -> None:
    rss_start = (rss_mb(worker_a.pid), rss_mb(worker_b.pid))
    keys = feed_keys(worker_a, region, args.hospital_feeds)
    calls = Calls()
    caller_key = operator_key()
    print(f"soak: {args.ambulances} ambulances, {len(keys)} hospital feeds, "
          f"{args.seconds:.0f} s, 2 workers on PostgreSQL and Redis", flush=True)  # fmt: skip
    simulator = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "simulate", "--ambulances", str(args.ambulances),
         "--rate", "1", "--duration", str(args.seconds), "--url", worker_a.url],
        env=worker_a.env, stdout=simulator_out, stderr=subprocess.STDOUT,  # type: ignore[arg-type]
    )  # fmt: skip
    until = time.time() + args.seconds + 5
    feeds = [Feed() for _ in keys]
    urls = [worker_b.url.replace("http", "ws", 1), worker_a.url.replace("http", "ws", 1)]

    async def everything() -> None:
        await asyncio.gather(
            inject_faults(args, redis_port, folder, worker_b, state),
            take_calls(
                [worker_b.url, worker_a.url],
                caller_key,
                region,
                calls,
                state["registry"].residents,
                until - 10,
                args.call_every,
            ),
            *(watch(urls, key, feed, until) for key, feed in zip(keys, feeds, strict=True)),
        )

    asyncio.run(everything())
    try:
        simulator.wait(timeout=120)
    except subprocess.TimeoutExpired:
        simulator.kill()
        simulator.wait()
    output = (folder / "simulate.log").read_text()
    stats = json.loads(output[output.index("{") :]) if "{" in output else {"output": output[-500:]}
    stored = int(column(database_url, "SELECT count(*) FROM gpsfix")[0])
    acknowledged = int(stats.get("fixes_stored", 0))
    latencies = [v for f in feeds for v in f.latencies_ms]
    in_table = set(column(database_url, "SELECT id FROM call"))
    missing = [i for i in calls.acknowledged if i not in in_table]
    calls_acknowledged = len(calls.acknowledged) + int(stats.get("calls_taken", 0))
    outcomes = verification_outcomes(database_url, calls.acknowledged)
    print(
        f"  calls acknowledged {calls_acknowledged} (soak operator {len(calls.acknowledged)}, "
        f"simulator {stats.get('calls_taken')}), in the table {len(in_table)}, lost "
        f"{max(len(missing), calls_acknowledged - len(in_table))}; refused {dict(calls.refused)}\n"
        f"  verification of the soak operator's calls {outcomes}\n"
        f"  fixes acknowledged as stored {acknowledged}, in the table "
        f"{stored}, lost {max(0, acknowledged - stored)}; duplicates {stats.get('duplicates')}; "
        f"rejected {stats.get('rejected')}\n"
        f"  simulator errors by kind {stats.get('errors')}; missions {stats.get('missions_started')}"
        f" started, {stats.get('missions_done')} done; tunnels {stats.get('tunnels')}\n"
        f"  hospital push p50 {percentile(latencies, 0.5):.0f} ms, p99 "
        f"{percentile(latencies, 0.99):.0f} ms (n={len(latencies)}); feed reconnections "
        f"{sum(f.reconnects for f in feeds)}, snapshots {sum(f.snapshots for f in feeds)}\n"
        f"  memory: worker A {rss_start[0]:.0f} -> {rss_mb(worker_a.pid):.0f} MB; worker B "
        f"{rss_start[1]:.0f} -> {state.get('rss_b_end', float('nan')):.0f} MB (when killed)"
    )


if __name__ == "__main__":
    main()
