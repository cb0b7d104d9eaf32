"""What a hostile or careless client sends never leaks: keys hidden however they are spelled in
a URL; a call keeps what its caller said; the database file is private; a crew's reading of an
address is audited (live server, both databases)."""

from __future__ import annotations

import asyncio
import json
import stat
from pathlib import Path
from urllib.parse import quote

import httpx2
import pytest
from websockets.asyncio.client import connect

from tests.hostile.conftest import Hostile


def test_keys_never_reach_the_log_however_they_are_spelled(hostile: Hostile) -> None:
    key = hostile.add_user("hospital_log", role="hospital", hospital_id="rsud-purwa")
    spelled = [
        f"?%74oken={key}",  # "token", percent-encoded: it authenticates
        f"?token={quote(key)}",
        f"?auth={key}",
        f"?k={key}",
        f"?Authorization={quote('Bearer ' + key)}",
        f"?api_key={key}&x=1",
    ]

    async def feeds() -> str:
        async with connect(hostile.ws("/ws/feed" + spelled[0])) as feed:
            return str(json.loads(await feed.recv())["type"])

    assert asyncio.run(feeds()) == "snapshot"  # the encoded name is still a key...
    with httpx2.Client(base_url=hostile.server.url, timeout=30) as client:
        for query in spelled:
            client.get("/api/calls" + query)
    log = hostile.log()
    assert "/api/calls?" in log  # the requests were logged...
    for form in (key, quote(key), key[4:20]):
        assert form not in log  # ...without the key, in any form


def test_a_call_keeps_the_name_its_caller_gave(hostile: Hostile) -> None:
    # A phone shared by a family: the second caller on it gives another name.
    names = []
    with hostile.client("operator") as operator:
        for name in ("Siti Aminah", "Budi Santoso"):
            body = {
                "category": "general", "triage": "hijau", "lon": 109.233, "lat": -7.39,
                "caller": {"phone": "0812 7777 0001", "name": name},
            }  # fmt: skip
            call_id = operator.post("/api/calls", json=body).json()["call"]["id"]
            names.append(operator.get(f"/api/calls/{call_id}/personal").json()["caller_name"])
    assert names == ["Siti Aminah", "Budi Santoso"]


def test_the_database_file_is_private(hostile: Hostile) -> None:
    if hostile.backend != "sqlite":
        pytest.skip("PostgreSQL keeps its files itself")
    database = Path(hostile.database_url.removeprefix("sqlite:///"))
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    assert stat.S_IMODE(database.parent.stat().st_mode) & 0o077 == 0
    data_dir = Path(hostile.server.env["SATRIA_DATA_DIR"])
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700


def test_a_crew_reading_the_address_is_audited(hostile: Hostile) -> None:
    crew = "crew4"
    with hostile.client("operator") as operator:
        body = {
            "category": "general", "triage": "kuning", "lon": 109.233, "lat": -7.39,
            "address": "Jl. Kenanga 12 RT 03",
        }  # fmt: skip
        call_id = operator.post("/api/calls", json=body).json()["call"]["id"]
        dispatched = operator.post(
            f"/api/calls/{call_id}/dispatch", json={"ambulance_id": hostile.ambulances[crew]}
        )
        assert dispatched.status_code == 200, dispatched.text
    with hostile.client(crew) as client:
        assignment = client.get("/api/crew/assignment").json()
    assert assignment["address"] == "Jl. Kenanga 12 RT 03"
    with hostile.client("admin") as admin:
        events = admin.get("/api/audit", params={"action": "call.address_read_by_crew"}).json()
    assert any(e["entity_id"] == str(call_id) for e in events)
    assert "Kenanga" not in hostile.log()
