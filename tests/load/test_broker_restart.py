"""Redis stopped and started under a running service: feeds recover by themselves, and each
starts again from a fresh snapshot (what happened while Redis was down is in it).

The test runs its own redis-server on a free port, so that it can stop and start it without
touching anyone else's.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx2
import pytest
from websockets.sync.client import ClientConnection, connect

from routing.pack import DEFAULT_REGIONS_DIR
from tests.live_server import free_port, live_server, stop_process
from tests.live_server import start_redis as bench_start_redis
from tests.waiting import wait_until

HOSPITAL = "rsud-purwa"
AMBULANCE = "psc119-purwa-1"


def start_redis(port: int, folder: Path) -> subprocess.Popen[bytes]:
    if shutil.which("redis-server") is None:
        if os.environ.get("SATRIA_TEST_REDIS_URL"):
            pytest.fail("CI asked for Redis, but there is no redis-server to start and stop")
        pytest.skip("no redis-server")
    return bench_start_redis(port, folder)


def next_of(feed: ClientConnection, kind: str, timeout_s: float = 30.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        message: dict[str, Any] = json.loads(feed.recv(timeout=deadline - time.monotonic()))
        if message["type"] == kind:
            return message
    msg = f"no {kind} within {timeout_s} s"
    raise AssertionError(msg)


def test_feeds_recover_from_a_redis_restart_with_a_fresh_snapshot(tmp_path: Path) -> None:
    port = free_port()
    settings = {
        "SATRIA_DATABASE_URL": f"sqlite:///{tmp_path / 'satria.db'}",
        "SATRIA_DATA_DIR": str(tmp_path / "var"),
        "SATRIA_REGIONS_DIR": str(DEFAULT_REGIONS_DIR),
        "SATRIA_BROKER_URL": f"redis://127.0.0.1:{port}/0",
    }
    redis = start_redis(port, tmp_path)
    try:
        with live_server(settings, tmp_path / "serve.log") as server:
            operator = {"Authorization": f"Bearer {server.create_user('op', 'operator')}"}
            hospital_key = server.create_user("igd", "hospital", "--hospital", HOSPITAL)
            http = httpx2.Client(base_url=server.url, headers=operator, timeout=30)
            call_id = http.post("/api/calls", json={
                "category": "stemi", "triage": "merah", "lon": 109.229, "lat": -7.385,
            }).json()["call"]["id"]  # fmt: skip
            http.post(f"/api/calls/{call_id}/dispatch", json={"ambulance_id": AMBULANCE})
            http.post(f"/api/calls/{call_id}/referral",
                      json={"hospital_id": HOSPITAL, "override_reason": "test"})  # fmt: skip
            ws_url = server.url.replace("http", "ws", 1)
            with connect(f"{ws_url}/ws/feed?token={hospital_key}") as feed:
                first = next_of(feed, "snapshot")
                assert [i["status"] for i in first["incoming"]] == ["dispatched"]

                stop_process(redis)  # Redis goes away
                wait_until(
                    lambda: http.get("/readyz").status_code == 503, "readyz to say not ready"
                )
                # Meanwhile the call moves on; the event cannot reach the feed now.
                moved = http.post(f"/api/calls/{call_id}/status", json={"status": "en_route"})
                assert moved.status_code == 200

                redis = start_redis(port, tmp_path)  # Redis is back
                fresh = next_of(feed, "snapshot")
                assert [i["status"] for i in fresh["incoming"]] == ["en_route"]
                wait_until(lambda: http.get("/readyz").status_code == 200, "readyz to be ready")

                # And live events flow again, on the same socket.
                fix = {"lon": 109.23, "lat": -7.384, "fix_time": datetime.now(UTC).isoformat()}
                crew = server.create_user("crew", "crew", "--ambulance", AMBULANCE)
                stored = httpx2.post(
                    f"{server.url}/api/ambulances/{AMBULANCE}/fixes", json={"fixes": [fix]},
                    headers={"Authorization": f"Bearer {crew}"}, timeout=30,
                )  # fmt: skip
                assert stored.json()["stored"] == 1
                position = next_of(feed, "position")
                assert position["ambulance_id"] == AMBULANCE and position["eta_s"] is not None
            http.close()
    finally:
        stop_process(redis)
