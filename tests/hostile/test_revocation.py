"""A revoked or expired key stops at once, open sockets included: the crew socket and the feed
opened with it are closed (1008, with the reason) within the key cache time, on the worker
that revoked it and on every other (the broker carries the revocation)."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import httpx2
import pytest
from sqlalchemy import create_engine, text
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.app.conftest import POSTGRES_URL
from tests.app.test_workers import REDIS_URL, two_workers
from tests.hostile.conftest import KEY_CACHE_S, Hostile, fix_message, now_iso
from tests.live_server import LiveServer


async def _closed_within(socket: ClientConnection, limit_s: float) -> tuple[int, str, float]:
    """The close code, reason and seconds it took (the socket being read meanwhile)."""
    started = time.monotonic()
    try:
        while True:
            await asyncio.wait_for(socket.recv(), limit_s)
    except ConnectionClosed as closed:
        code, reason = (closed.rcvd.code, closed.rcvd.reason) if closed.rcvd else (1006, "")
        return code, reason, time.monotonic() - started
    except TimeoutError:
        return 0, "still open", time.monotonic() - started


async def _open_pair(url: str, crew_key: str, hospital_key: str) -> tuple[ClientConnection, ...]:
    ws = url.replace("http", "ws", 1)
    crew = await connect(
        f"{ws}/ws/crew", additional_headers={"Authorization": f"Bearer {crew_key}"}
    )
    await crew.send(fix_message(1, now_iso()))
    assert json.loads(await crew.recv())["type"] == "ack"  # the key works: the socket is live
    feed = await connect(
        f"{ws}/ws/feed", additional_headers={"Authorization": f"Bearer {hospital_key}"}
    )
    assert json.loads(await feed.recv())["type"] == "snapshot"
    return crew, feed


def _revoke(url: str, admin_key: str, *key_ids: int) -> None:
    with httpx2.Client(base_url=url, headers={"Authorization": f"Bearer {admin_key}"}) as admin:
        for key_id in key_ids:
            assert admin.delete(f"/api/keys/{key_id}").status_code == 204


def test_revoked_keys_close_their_open_sockets(hostile: Hostile) -> None:
    hostile.add_user("crew_r", role="crew", ambulance_id=hostile.ambulances["crew7"])
    hostile.add_user("hospital_r", role="hospital", hospital_id="rsud-purwa")

    async def scenario() -> list[tuple[int, str, float]]:
        crew, feed = await _open_pair(
            hostile.server.url, hostile.keys["crew_r"], hostile.keys["hospital_r"]
        )
        await asyncio.to_thread(
            _revoke, hostile.server.url, hostile.keys["admin"],
            hostile.key_ids["crew_r"], hostile.key_ids["hospital_r"],
        )  # fmt: skip
        return list(await asyncio.gather(*(_closed_within(s, 30) for s in (crew, feed))))

    for code, reason, took_s in asyncio.run(scenario()):
        print(f"revoked: closed {code} after {took_s:.2f} s ({reason})")  # for the record
        assert code == 1008 and "revoked" in reason, (code, reason)
        assert took_s <= KEY_CACHE_S, took_s


def test_an_expired_key_closes_its_open_socket(hostile: Hostile) -> None:
    hostile.add_user("crew_e", role="crew", ambulance_id=hostile.ambulances["crew6"])

    async def scenario() -> tuple[int, str, float]:
        ws = hostile.ws("/ws/crew")
        async with connect(ws, additional_headers=hostile.auth("crew_e")) as crew:
            await crew.send(fix_message(1, now_iso()))
            assert json.loads(await crew.recv())["type"] == "ack"
            await asyncio.to_thread(_expire, hostile.database_url, hostile.key_ids["crew_e"])
            return await _closed_within(crew, 30)

    code, reason, took_s = asyncio.run(scenario())
    print(f"expired: closed {code} after {took_s:.2f} s ({reason})")
    assert code == 1008 and "expired" in reason, (code, reason)
    assert took_s <= KEY_CACHE_S


def _expire(database_url: str, key_id: int) -> None:
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text("UPDATE apikey SET expires_at = :at WHERE id = :id"),
                {"at": "2026-01-01 00:00:00+00:00", "id": key_id},
            )
    finally:
        engine.dispose()


@pytest.mark.skipif(
    not (POSTGRES_URL and REDIS_URL),
    reason="needs SATRIA_TEST_POSTGRES_URL and SATRIA_TEST_REDIS_URL (.ci/run sets both)",
)
def test_a_key_revoked_on_one_worker_closes_its_sockets_on_the_other(
    demo_dir: Path, tmp_path: Path
) -> None:
    settings = {"SATRIA_KEY_CACHE_S": str(KEY_CACHE_S), "SATRIA_SPEED_PROFILE": ""}
    with two_workers(demo_dir, tmp_path, **settings) as (_url, worker_a, worker_b):
        admin = worker_b.create_user("Admin", "admin")
        crew_key = worker_a.create_user("Crew", "crew", "--ambulance", "psc119-purwa-1")
        hospital_key = worker_a.create_user("IGD", "hospital", "--hospital", "rsud-purwa")
        ids = _key_ids(worker_b, admin)
        closed = asyncio.run(_revoke_on_b(worker_a, worker_b, admin, crew_key, hospital_key, ids))
    for code, reason, took_s in closed:
        print(f"revoked on the other worker: closed {code} after {took_s:.2f} s ({reason})")
        assert code == 1008 and "revoked" in reason, (code, reason)
        assert took_s <= KEY_CACHE_S, took_s


def _key_ids(worker: LiveServer, admin_key: str) -> list[int]:
    """The ids of the crew's and the hospital's keys (the two newest but the admin's)."""
    with httpx2.Client(base_url=worker.url, headers={"Authorization": f"Bearer {admin_key}"}) as c:
        events = c.get("/api/audit", params={"action": "key.issued", "limit": 10}).json()
    return sorted(int(e["entity_id"]) for e in events)[-2:]


async def _revoke_on_b(
    worker_a: LiveServer,
    worker_b: LiveServer,
    admin_key: str,
    crew_key: str,
    hospital_key: str,
    key_ids: list[int],
) -> list[tuple[int, str, float]]:
    crew, feed = await _open_pair(worker_a.url, crew_key, hospital_key)  # on worker A
    await asyncio.to_thread(_revoke, worker_b.url, admin_key, *key_ids)  # revoked on worker B
    return list(await asyncio.gather(*(_closed_within(s, 30) for s in (crew, feed))))
