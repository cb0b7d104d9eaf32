"""Crew app benchmark: crews over the app's own protocol, phone to board.

    python -m bench.crew [--crews 200] [--seconds 30] [--vitals-every 10] [--poll-every 2]

Starts `satria serve` on the embedded defaults, gives every crew a call (taken, dispatched to
its ambulance and referred to the recommended hospital) and then, as the crew app does, sends
one GPS fix a second over the crew socket (acknowledged) and a set of vital signs every few
seconds through the care route. Each receiving hospital has a board on its feed; the latency
of an entry is the time from its sending to its arrival on that board (one clock: this
process). The naive baseline runs in the same window: a board that asks for each patient's
record every ``--poll-every`` seconds instead of being told; both are printed, with the ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx2
from sqlalchemy import create_engine
from sqlmodel import Session
from websockets.asyncio.client import connect

from app.core.config import Settings
from app.main import load_region
from app.models import Role
from app.services import users
from app.services.simulation import prepare_fleet
from bench.tracking import environment, percentile
from routing.pack import DEFAULT_REGIONS_DIR
from tests.live_server import column, live_server
from tracking.simulated_care import vitals


@dataclass
class Run:
    """What the crews sent and the boards saw, within the measured window."""

    window: tuple[float, float]
    sent_at: dict[str, float] = field(default_factory=dict)  # recorded_at -> when sent (s)
    pushed_ms: list[float] = field(default_factory=list)
    polled_ms: list[float] = field(default_factory=list)
    fixes_acked: int = 0
    errors: int = 0


async def crew_loop(
    http: httpx2.AsyncClient, ws_url: str, key: str, call_id: int, run: Run, every_s: float
) -> None:
    """One crew: a fix a second on the socket, vital signs every ``every_s`` seconds."""
    headers = {"Authorization": f"Bearer {key}"}
    async with connect(ws_url, additional_headers=headers, compression=None) as socket:
        seq, next_vitals = 0, time.time() + every_s * (call_id % 10) / 10
        while time.time() < run.window[1]:
            seq += 1
            fix = {"lon": 109.2 + (call_id % 100) * 1e-4, "lat": -7.4 + seq * 1e-5,
                   "fix_time": datetime.now(UTC).isoformat()}  # fmt: skip
            await socket.send(json.dumps({"type": "fix", "seq": seq, "fix": fix}))
            answer = json.loads(await socket.recv())
            run.fixes_acked += answer.get("type") == "ack"
            if time.time() >= next_vitals:
                next_vitals += every_s
                recorded_at = datetime.now(UTC).isoformat()
                run.sent_at[recorded_at] = time.time()
                body = {"recorded_at": recorded_at, "vitals": vitals(random.Random(seq), "merah")}
                response = await http.post(f"/api/calls/{call_id}/care", json=body, headers=headers)
                run.errors += response.status_code != 201
            await asyncio.sleep(max(0.0, 1.0 - (time.time() % 1.0)))


async def board(ws_url: str, run: Run) -> None:
    """A hospital's board: each care entry's arrival against its sending."""
    async with connect(ws_url, max_queue=None, compression=None) as socket:
        while time.time() < run.window[1]:
            try:
                raw = await asyncio.wait_for(socket.recv(), timeout=run.window[1] - time.time())
            except TimeoutError:
                return
            if '"type":"care"' not in raw[:30]:
                continue
            message = json.loads(raw)
            sent = run.sent_at.get(_iso(message["recorded_at"]))
            if sent is not None and run.window[0] <= sent:
                run.pushed_ms.append((time.time() - sent) * 1000)


async def poller(
    http: httpx2.AsyncClient, key: str, call_ids: list[int], run: Run, every_s: float
) -> None:
    """The naive board: asks for each patient's record every ``every_s`` seconds."""
    seen: set[str] = set()
    headers = {"Authorization": f"Bearer {key}"}
    while time.time() < run.window[1]:
        for call_id in call_ids:
            response = await http.get(f"/api/calls/{call_id}/care", headers=headers)
            for entry in response.json() if response.status_code == 200 else []:
                stamp = _iso(entry["recorded_at"])
                sent = run.sent_at.get(stamp)
                if stamp not in seen and sent is not None and run.window[0] <= sent:
                    run.polled_ms.append((time.time() - sent) * 1000)
                seen.add(stamp)
        await asyncio.sleep(every_s)


def _iso(text: str) -> str:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC).isoformat()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--crews", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--vitals-every", type=float, default=10.0)
    parser.add_argument("--poll-every", type=float, default=2.0)
    parser.add_argument("--regions-dir", type=Path, default=DEFAULT_REGIONS_DIR)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        settings = {
            "SATRIA_DATABASE_URL": f"sqlite:///{folder}/satria.db",
            "SATRIA_DATA_DIR": str(Path(folder) / "var"),
            "SATRIA_RATE_LIMIT": "",  # measuring, not limiting
            "SATRIA_REGIONS_DIR": str(args.regions_dir),
        }
        with live_server(settings, Path(folder) / "serve.log") as server, environment(settings):
            asyncio.run(_bench(args, server.url, settings["SATRIA_DATABASE_URL"]))


async def _bench(args: argparse.Namespace, url: str, database_url: str) -> None:
    region = load_region(Settings())
    engine = create_engine(database_url)
    with Session(engine) as session:
        crews, operator_key = prepare_fleet(session, region, count=args.crews)
    engine.dispose()
    operator = {"Authorization": f"Bearer {operator_key}"}
    async with httpx2.AsyncClient(base_url=url, timeout=60) as http:
        calls: list[tuple[int, str, str]] = []  # call, crew key, hospital
        for crew in crews:
            made = await http.post("/api/calls", json={"category": "general", "triage": "merah",
                                                      "lon": crew.home.lon, "lat": crew.home.lat},
                                   headers=operator)  # fmt: skip
            call_id = made.json()["call"]["id"]
            unit = {"ambulance_id": crew.ambulance_id}
            await http.post(f"/api/calls/{call_id}/dispatch", json=unit, headers=operator)
            referred = await http.post(f"/api/calls/{call_id}/referral", json={}, headers=operator)
            calls.append((call_id, crew.key, referred.json()["referral"]["hospital_id"]))
        hospitals = sorted({h for _, _, h in calls})
        keys = dict(zip(hospitals, feed_keys_for(hospitals), strict=True))
        start = time.time() + 3
        run = Run((start, start + args.seconds))
        ws = url.replace("http", "ws", 1)
        tasks = [asyncio.create_task(board(f"{ws}/ws/feed?token={keys[h]}", run))
                 for h in hospitals]  # fmt: skip
        tasks += [asyncio.create_task(poller(http, keys[h], [c for c, _, hh in calls if hh == h], run,
                                             args.poll_every)) for h in hospitals]  # fmt: skip
        before = int(column(database_url, "SELECT count(*) FROM gpsfix")[0])
        await asyncio.gather(*[crew_loop(http, f"{ws}/ws/crew", key, call_id, run, args.vitals_every)
                               for call_id, key, _ in calls], *tasks, return_exceptions=True)  # fmt: skip
        after = int(column(database_url, "SELECT count(*) FROM gpsfix")[0])
    push50, poll50 = percentile(run.pushed_ms, 0.5), percentile(run.polled_ms, 0.5)
    print(
        f"{args.crews} crews, {len(hospitals)} hospital boards, {args.seconds:g} s: fixes stored "
        f"{(after - before) / (args.seconds + 3):.0f}/s (acknowledged {run.fixes_acked}); vital "
        f"signs phone to board, pushed: p50 {push50:.0f} ms p99 {percentile(run.pushed_ms, 0.99):.0f} "
        f"ms (n={len(run.pushed_ms)}); polled every {args.poll_every:g} s (naive): p50 "
        f"{poll50:.0f} ms p99 {percentile(run.polled_ms, 0.99):.0f} ms (n={len(run.polled_ms)}); "
        f"push {poll50 / push50:.1f}x sooner at p50; errors {run.errors}"
    )


def feed_keys_for(hospitals: list[str]) -> list[str]:
    """A board key for each of these hospitals."""
    engine = create_engine(Settings().database)
    keys = []
    with Session(engine) as session:
        for hospital_id in hospitals:
            new = users.NewUser(
                f"bench board {hospital_id}", Role.HOSPITAL, hospital_id=hospital_id
            )
            user = users.create_user(session, new)
            keys.append(users.issue_key(session, user_id=user.id or 0, days=1).key)
        session.commit()
    engine.dispose()
    return keys


if __name__ == "__main__":
    main()
