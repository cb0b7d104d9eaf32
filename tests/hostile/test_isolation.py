"""One client's bad input never hurts another: a fix where the roads end breaks no feed, and a
crew sending impossible timestamps fails no other crew's fixes (live server, both databases)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

from websockets.asyncio.client import connect

from tests.hostile.conftest import Hostile, fix_message, now_iso

EDGE_POINT = (109.4905, -7.2660)  # the demo's north-east corner, 0.5-2 km from any road
GOOD_CREWS = [f"crew{i}" for i in range(8)]  # and crew8 sends the impossible times
BAD_TIMES = [
    "2026-11-23T07:30:00",  # no zone
    "0001-01-01T00:00:00+14:00",  # before year 1 in UTC
    "9999-12-31T23:00:00-12:00",  # after year 9999 in UTC
    "2026-11-23",  # a date, not a time
]


def _dispatched_to_purwa(hostile: Hostile, crew: str) -> int:
    """A call taken, this crew's ambulance dispatched, the patient referred to RSUD Purwa."""
    with hostile.client("operator") as operator:
        call = operator.post(
            "/api/calls",
            json={"category": "general", "triage": "kuning", "lon": 109.233, "lat": -7.39},
        ).json()["call"]
        call_id = call["id"]
        dispatched = operator.post(
            f"/api/calls/{call_id}/dispatch", json={"ambulance_id": hostile.ambulances[crew]}
        )
        assert dispatched.status_code == 200, dispatched.text
        referred = operator.post(
            f"/api/calls/{call_id}/referral",
            json={"hospital_id": "rsud-purwa", "override_reason": "hostile test"},
        )
        assert referred.status_code == 200, referred.text
    return int(call_id)


async def _snapshot(hostile: Hostile, who: str) -> dict:  # type: ignore[type-arg]
    async with connect(hostile.ws("/ws/feed"), additional_headers=hostile.auth(who)) as feed:
        return json.loads(await asyncio.wait_for(feed.recv(), 20))  # type: ignore[no-any-return]


def test_a_fix_where_the_roads_end_breaks_no_feed(hostile: Hostile) -> None:
    call_id = _dispatched_to_purwa(hostile, "crew0")

    async def scenario() -> list[dict]:  # type: ignore[type-arg]
        async with connect(
            hostile.ws("/ws/crew"), additional_headers=hostile.auth("crew0")
        ) as crew:
            await crew.send(fix_message(1, now_iso(), *EDGE_POINT))
            ack = json.loads(await asyncio.wait_for(crew.recv(), 10))
            assert ack["type"] == "ack" and ack["stored"] == 1, ack
        # Every new feed still opens with its snapshot (it used to drop without a close frame).
        return [await _snapshot(hostile, who) for who in ("operator", "hospital", "operator")]

    snapshots = asyncio.run(scenario())
    for snapshot in snapshots:
        assert snapshot["type"] == "snapshot"
    operators = [c for c in snapshots[0]["calls"] if c["call_id"] == call_id]
    assert operators and operators[0]["position"]["lon"] == EDGE_POINT[0]
    incoming = [i for i in snapshots[1]["incoming"] if i["call_id"] == call_id]
    assert incoming and incoming[0]["position"]["lat"] == EDGE_POINT[1]


async def _crew(hostile: Hostile, crew: str, times: list[str]) -> list[dict]:  # type: ignore[type-arg]
    """Send one fix per message along a road, as a phone does; the acknowledgements."""
    acks = []
    async with connect(hostile.ws("/ws/crew"), additional_headers=hostile.auth(crew)) as socket:
        for seq, fix_time in enumerate(times, start=1):
            await socket.send(fix_message(seq, fix_time, 109.24 + seq * 1e-4, -7.36))
        while len(acks) < len(times):
            acks.append(json.loads(await asyncio.wait_for(socket.recv(), 20)))
    return acks


def test_a_crew_sending_impossible_times_fails_no_other_crew(hostile: Hostile) -> None:
    start = datetime.now(UTC) - timedelta(minutes=5)
    good_times = [(start + timedelta(seconds=s)).isoformat() for s in range(30)]
    bad_times = [BAD_TIMES[i % len(BAD_TIMES)] for i in range(30)]

    async def everyone() -> list[list[dict]]:  # type: ignore[type-arg]
        crews = [_crew(hostile, crew, good_times) for crew in GOOD_CREWS]
        return await asyncio.gather(_crew(hostile, "crew8", bad_times), *crews)

    bad, *good = asyncio.run(everyone())
    for crew, acks in zip(GOOD_CREWS, good, strict=True):
        assert all(a["type"] == "ack" for a in acks), (crew, acks)
        assert sum(a["stored"] for a in acks) == len(good_times), (crew, acks)
    # The bad crew's fixes are rejected by name, one by one, and acknowledged as such.
    assert all(a["type"] == "ack" and a["stored"] == 0 for a in bad), bad
    assert sum(a["rejected"].get("bad_time", 0) for a in bad) == len(bad_times)
    stored = hostile.scalars(
        "SELECT ambulance_id FROM gpsfix WHERE ambulance_id IN ("
        + ",".join(f"'{hostile.ambulances[c]}'" for c in [*GOOD_CREWS, "crew8"])
        + ")"
    )
    for crew in GOOD_CREWS:
        assert stored.count(hostile.ambulances[crew]) >= len(good_times), crew
    assert hostile.ambulances["crew8"] not in stored
    with hostile.client("admin") as admin:  # nothing was counted as a storage failure
        metrics = admin.get("/metrics").text
    assert "satria_fix_storage_failures_total 0.0" in metrics


def test_the_offline_batch_refuses_impossible_times_by_position(hostile: Hostile) -> None:
    ambulance = hostile.ambulances["crew8"]
    fixes = [{"lon": 109.24, "lat": -7.36, "fix_time": t} for t in [now_iso(), *BAD_TIMES]]
    with hostile.client("crew8") as crew:
        refused = crew.post(f"/api/ambulances/{ambulance}/fixes", json={"fixes": fixes})
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert "positions [1, 2, 3, 4]" in refused.json()["detail"]
        fine = crew.post(f"/api/ambulances/{ambulance}/fixes", json={"fixes": fixes[:1]})
        assert fine.status_code == 200 and fine.json()["stored"] == 1
