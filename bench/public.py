"""Public door benchmark: a disaster surge of citizens pressing the emergency button.

    python -m bench.public [--citizens 500] [--seconds 60] [--poll-every 2]

Starts one `satria serve` on the embedded defaults, registers ``--citizens`` citizens through
the public routes (their codes read from the development outbox, as a test gateway would),
then has each press the button once, at a random moment within ``--seconds``. Measured, on one
clock (this process):

- every call stored: presses acknowledged, and calls from the app the service lists after (the
  lost are the difference);
- press to the operators' feed: from sending the press to its ``call`` message on a console's
  feed, p50/p99;
- the naive baseline in the same window: a console that asks for the app calls every
  ``--poll-every`` seconds instead of being told, press to seen, p50/p99, and the ratio;
- the console's list call (``GET /api/calls`` of the active calls) asked every second during the
  surge: p50/p99/max (it must stay under 200 ms).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx2
from sqlalchemy import create_engine
from sqlmodel import Session, col, select
from websockets.asyncio.client import connect

from app.core.security import PersonalDataVault
from app.models import OutboxMessage
from bench.tracking import percentile
from routing.demo import generate_demo
from routing.pack import DEFAULT_REGIONS_DIR
from tests.live_server import live_server

SECRET = "bench secret, not for production"
ACTIVE = "status=received&status=dispatched&status=en_route&status=on_scene&status=transporting"


@dataclass
class Surge:
    """What the citizens sent and the consoles saw."""

    pressed_at: dict[int, float] = field(default_factory=dict)  # call id -> when pressed (s)
    sent_at: list[float] = field(default_factory=list)
    acknowledged: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    feed_ms: list[float] = field(default_factory=list)
    polled_ms: list[float] = field(default_factory=list)
    list_ms: list[float] = field(default_factory=list)
    fed_at: dict[int, float] = field(default_factory=dict)


def register_all(url: str, database_url: str, count: int) -> list[str]:
    """Citizens' keys: registered over HTTP, each confirmed with the code the outbox kept."""
    vault = PersonalDataVault(SECRET.encode())
    engine = create_engine(database_url)
    keys = []
    with httpx2.Client(base_url=url, timeout=60) as http:
        for i in range(count):
            nik = f"3302264107{900000 + i + 1:06d}"
            made = http.post("/api/public/register", json={
                "nik": nik, "name": f"Warga {i}", "phone": f"0813{i:08d}",
            })  # fmt: skip
            made.raise_for_status()
            with Session(engine) as session:
                row = session.exec(
                    select(OutboxMessage).order_by(col(OutboxMessage.id).desc())
                ).first()
            assert row is not None
            code = vault.decrypt(row.text_ciphertext).split(": ", 1)[1][:6]
            confirmed = http.post("/api/public/confirm", json={
                "citizen_id": made.json()["citizen_id"], "code": code,
            })  # fmt: skip
            confirmed.raise_for_status()
            keys.append(confirmed.json()["key"])
    engine.dispose()
    return keys


async def press(http: httpx2.AsyncClient, key: str, delay_s: float, surge: Surge, i: int) -> None:
    await asyncio.sleep(delay_s)
    rng = random.Random(i)
    body = {
        "kind": rng.choice(["kecelakaan_lalu_lintas", "sakit_mendadak", "kebakaran", "lainnya"]),
        "people_hurt": rng.randint(1, 4), "device": f"bench-{i}",
        "lon": 109.20 + rng.uniform(-0.05, 0.05), "lat": -7.40 + rng.uniform(-0.04, 0.04),
        "accuracy_m": rng.uniform(5, 60),
    }  # fmt: skip
    started = time.time()
    surge.sent_at.append(started)
    try:
        answer = await http.post(
            "/api/public/emergency", json=body, headers={"Authorization": f"Bearer {key}"}
        )
    except httpx2.HTTPError as exc:
        surge.errors[type(exc).__name__] = surge.errors.get(type(exc).__name__, 0) + 1
        return
    if answer.status_code != 201:
        surge.errors[str(answer.status_code)] = surge.errors.get(str(answer.status_code), 0) + 1
        return
    surge.acknowledged += 1
    surge.pressed_at[answer.json()["call_id"]] = started


async def feed(url: str, key: str, surge: Surge, until: float) -> None:
    """A console's feed: when each new call arrives."""
    async with connect(f"{url}/ws/feed?token={key}", max_queue=None) as socket:
        while time.time() < until:
            try:
                raw = await asyncio.wait_for(socket.recv(), timeout=max(until - time.time(), 0.1))
            except TimeoutError:
                return
            message = json.loads(raw)
            if message["type"] == "call":
                surge.fed_at.setdefault(message["call"]["call_id"], time.time())


async def poll(http: httpx2.AsyncClient, every_s: float, surge: Surge, until: float) -> None:
    """The naive console: asks for the app calls every ``every_s`` seconds."""
    seen: dict[int, float] = {}
    while time.time() < until:
        answer = await http.get(f"/api/calls?{ACTIVE}&source=app&limit=500")
        now = time.time()
        for c in answer.json():
            seen.setdefault(c["id"], now)
        await asyncio.sleep(every_s)
    surge.polled_ms.extend((seen[i] - t) * 1000 for i, t in surge.pressed_at.items() if i in seen)


async def console_list(http: httpx2.AsyncClient, surge: Surge, until: float) -> None:
    """The console's own list call, once a second, timed."""
    while time.time() < until:
        started = time.perf_counter()
        (await http.get(f"/api/calls?{ACTIVE}&limit=200")).raise_for_status()
        surge.list_ms.append((time.perf_counter() - started) * 1000)
        await asyncio.sleep(1.0)


async def run_surge(url: str, operator: str, keys: list[str], args: argparse.Namespace) -> Surge:
    surge = Surge()
    until = time.time() + args.seconds + 15
    limits = httpx2.Limits(max_connections=200, max_keepalive_connections=200)
    headers = {"Authorization": f"Bearer {operator}"}
    async with (
        httpx2.AsyncClient(base_url=url, timeout=60, limits=limits) as citizens,
        httpx2.AsyncClient(base_url=url, timeout=60, headers=headers) as console,
    ):
        ws = url.replace("http", "ws", 1)
        listening = asyncio.create_task(feed(ws, operator, surge, until))
        await asyncio.sleep(0.5)  # the feed's snapshot first
        polling = asyncio.create_task(poll(console, args.poll_every, surge, until))
        listing = asyncio.create_task(console_list(console, surge, until))
        rng = random.Random(119)
        await asyncio.gather(*(
            press(citizens, key, rng.uniform(0, args.seconds), surge, i) for i, key in enumerate(keys)
        ))  # fmt: skip
        await asyncio.gather(listening, polling, listing)
    surge.feed_ms = [
        (surge.fed_at[i] - t) * 1000 for i, t in surge.pressed_at.items() if i in surge.fed_at
    ]
    return surge


def stored_from_app(url: str, operator: str) -> int:
    with httpx2.Client(base_url=url, timeout=60) as http:
        calls = http.get(
            "/api/calls", params={"source": "app", "limit": 500},
            headers={"Authorization": f"Bearer {operator}"},
        ).json()  # fmt: skip
    return len(calls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--citizens", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--poll-every", type=float, default=2.0)
    parser.add_argument("--regions-dir", type=Path, default=DEFAULT_REGIONS_DIR)
    args = parser.parse_args()
    if not (args.regions_dir / "demo" / "roads.npz").is_file():
        generate_demo(args.regions_dir / "demo")
    with tempfile.TemporaryDirectory() as folder:
        database_url = f"sqlite:///{folder}/satria.db"
        settings = {
            "SATRIA_DATABASE_URL": database_url, "SATRIA_DATA_DIR": folder,
            "SATRIA_RATE_LIMIT": "", "SATRIA_REGIONS_DIR": str(args.regions_dir),
            "SATRIA_SECRET_KEY": SECRET,
        }  # fmt: skip
        with live_server(settings, Path(folder) / "serve.log") as server:
            operator = server.create_user("bench operator", "operator")
            began = time.perf_counter()
            keys = register_all(server.url, database_url, args.citizens)
            print(f"{len(keys)} citizens registered and confirmed in "
                  f"{time.perf_counter() - began:.1f} s (SQLite, one worker)")  # fmt: skip
            surge = asyncio.run(run_surge(server.url, operator, keys, args))
            stored = stored_from_app(server.url, operator)
    feed_p50, feed_p99 = percentile(surge.feed_ms, 0.5), percentile(surge.feed_ms, 0.99)
    poll_p50, poll_p99 = percentile(surge.polled_ms, 0.5), percentile(surge.polled_ms, 0.99)
    print(
        f"surge: {len(keys)} presses within {args.seconds:.0f} s; acknowledged "
        f"{surge.acknowledged}, stored {stored}, lost {len(keys) - stored}; errors {surge.errors}"
    )
    print(
        f"press to the operators' feed: p50 {feed_p50:.0f} ms, p99 {feed_p99:.0f} ms "
        f"({len(surge.feed_ms)} calls)"
    )
    print(
        f"naive console polling every {args.poll_every:.0f} s: p50 {poll_p50:.0f} ms, "
        f"p99 {poll_p99:.0f} ms; pushed is {poll_p50 / feed_p50:.1f}x faster at the median"
    )
    print(f"console list during the surge: p50 {percentile(surge.list_ms, 0.5):.0f} ms, "
          f"p99 {percentile(surge.list_ms, 0.99):.0f} ms, max {max(surge.list_ms):.0f} ms "
          f"({len(surge.list_ms)} asks)")  # fmt: skip


if __name__ == "__main__":
    main()
