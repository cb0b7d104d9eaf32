"""Thousands of idle websocket connections against a real `satria serve`: the service keeps
answering everyone else, and drops each idle socket that never said who it is (1008)."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx2
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from app.api.routes.tracking import AUTH_WAIT_S
from routing.pack import DEFAULT_REGIONS_DIR
from tests.live_server import live_server

IDLE = 2000


async def exercise(url: str, crew_key: str) -> tuple[int, float, int]:
    ws_url = url.replace("http", "ws", 1) + "/ws/crew"
    idle: list[ClientConnection] = []
    for _wave in range(0, IDLE, 200):  # opened in waves, as a crowd of broken clients would
        idle += await asyncio.gather(
            *(connect(ws_url, open_timeout=30, ping_interval=None) for _ in range(200))
        )
    # Everyone else is served meanwhile: a crew's fix is stored and acknowledged.
    started = time.perf_counter()
    async with connect(ws_url, additional_headers={"Authorization": f"Bearer {crew_key}"}) as crew:
        fix = {"lon": 109.24, "lat": -7.36, "fix_time": datetime.now(UTC).isoformat()}
        await crew.send(json.dumps({"type": "fix", "seq": 1, "fix": fix}))
        ack = json.loads(await asyncio.wait_for(crew.recv(), 10))
    ack_s = time.perf_counter() - started
    assert ack["type"] == "ack" and ack["stored"] == 1

    async def closed_code(socket: ClientConnection) -> int:
        try:
            await asyncio.wait_for(socket.recv(), AUTH_WAIT_S + 20)
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else 1006
        return 0

    codes = await asyncio.gather(*(closed_code(s) for s in idle))
    return len(idle), ack_s, sum(1 for c in codes if c == 1008)


def test_thousands_of_idle_sockets_do_not_stop_the_service(tmp_path: Path) -> None:
    settings = {
        "SATRIA_DATABASE_URL": f"sqlite:///{tmp_path / 'satria.db'}",
        "SATRIA_DATA_DIR": str(tmp_path / "var"),
        "SATRIA_REGIONS_DIR": str(DEFAULT_REGIONS_DIR),
    }
    with live_server(settings, tmp_path / "serve.log") as server:
        crew_key = server.create_user("crew", "crew", "--ambulance", "psc119-purwa-1")
        opened, ack_s, dropped = asyncio.run(exercise(server.url, crew_key))
        assert httpx2.get(f"{server.url}/readyz", timeout=10).status_code == 200
    print(f"{opened} idle sockets: a fix acknowledged in {ack_s * 1000:.0f} ms meanwhile")
    assert opened == IDLE
    assert dropped == IDLE  # each closed with 1008 (no key), none left hanging
