"""GPS from the crews over REST and websocket: stored before acknowledged, idempotent,
filtered with counted reasons; ETA from the tables on every fix; arrival by geofence."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, col, select
from starlette.websockets import WebSocketDisconnect

from app.models import Ambulance, GpsFix
from app.services.live import after_fixes
from routing import LonLat
from tests.app.conftest import Service
from tracking.fixes import Fix, StoredFix

AJIBARANG = (109.036, -7.392)


def fix(
    seconds_ago: float, lon: float = AJIBARANG[0], lat: float = AJIBARANG[1], **extra: Any
) -> dict[str, Any]:
    moment = datetime.now(UTC) - timedelta(seconds=seconds_ago)
    return {"lon": lon, "lat": lat, "fix_time": moment.isoformat(), **extra}


def stored_fixes(service: Service, ambulance_id: str) -> list[GpsFix]:
    with Session(service.app.state.engine) as session:
        query = select(GpsFix).where(GpsFix.ambulance_id == ambulance_id)
        return list(session.exec(query.order_by(col(GpsFix.fix_time))))


def test_backfill_in_any_order_is_stored_once_in_fix_time_order(service: Service) -> None:
    ambulance = service.other_ambulance_id
    # A drive of ten minutes west along the road, one fix every 2 s, sent shuffled.
    track = [fix(900 - 2 * i, lon=AJIBARANG[0] - 0.00003 * i) for i in range(300)]
    shuffled = random.Random(7).sample(track, len(track))
    url = f"/api/ambulances/{ambulance}/fixes"
    first = service.client.post(url, json={"fixes": shuffled}, headers=service.auth("crew_other"))
    assert first.status_code == 200, first.text
    assert first.json() == {"stored": 300, "duplicates": 0, "rejected": {}}
    again = service.client.post(url, json={"fixes": track}, headers=service.auth("crew_other"))
    assert again.json() == {"stored": 0, "duplicates": 300, "rejected": {}}
    rows = stored_fixes(service, ambulance)
    assert len(rows) == 300
    assert [r.fix_time for r in rows] == sorted(r.fix_time for r in rows)
    with Session(service.app.state.engine) as session:
        row = session.get(Ambulance, ambulance)
        assert row is not None and row.position_at == rows[-1].fix_time  # the newest wins
    # An older batch arriving late does not move the ambulance back.
    late = service.client.post(
        url, json={"fixes": [fix(3000, lon=109.03)]}, headers=service.auth("crew_other")
    )
    assert late.json()["stored"] == 1
    with Session(service.app.state.engine) as session:
        row = session.get(Ambulance, ambulance)
        assert row is not None and row.lon == rows[-1].lon


def test_every_filter_rule_is_applied_and_counted(service: Service) -> None:
    ambulance = service.other_ambulance_id
    blurred = fix(16, accuracy_m=500.0)
    batch = [
        fix(20),  # good
        fix(19, lon=181.0),  # out of range
        fix(18, lon=110.4, lat=-7.0),  # far outside the region
        fix(-600),  # ten minutes in the future
        fix(3 * 86_400),  # three days old
        fix(17, lon=AJIBARANG[0] + 0.1),  # 11 km in 3 s: an outlier, stored but unused
        blurred,  # low accuracy: stored and used, marked
        dict(blurred),  # the same fix time again in the batch: a duplicate
    ]
    response = service.client.post(
        f"/api/ambulances/{ambulance}/fixes", json={"fixes": batch},
        headers=service.auth("crew_other"),
    )  # fmt: skip
    assert response.json() == {
        "stored": 3,
        "duplicates": 1,
        "rejected": {"out_of_range": 1, "outside_region": 1, "future": 1, "too_old": 1},
    }
    rows = {r.fix_time.timestamp(): r for r in stored_fixes(service, ambulance)}
    outliers = [r for r in rows.values() if r.outlier]
    assert len(outliers) == 1 and outliers[0].lon == pytest.approx(AJIBARANG[0] + 0.1)
    assert any(r.low_accuracy and not r.outlier for r in rows.values())
    counts = service.client.get(
        f"/api/ambulances/{ambulance}/fix-rejections", headers=service.auth("operator")
    ).json()
    for reason in ("out_of_range", "outside_region", "future", "too_old", "duplicate"):
        assert counts[reason] >= 1, reason
    # The ambulance did not jump to the outlier.
    with Session(service.app.state.engine) as session:
        row = session.get(Ambulance, ambulance)
        assert row is not None and row.lon != pytest.approx(AJIBARANG[0] + 0.1)


def test_a_crew_sends_for_its_own_ambulance_only(service: Service) -> None:
    response = service.client.post(
        f"/api/ambulances/{service.ambulance_id}/fixes", json={"fixes": [fix(1)]},
        headers=service.auth("crew_other"),
    )  # fmt: skip
    assert response.status_code == 403
    hospital = service.client.post(
        f"/api/ambulances/{service.ambulance_id}/fixes", json={"fixes": [fix(1)]},
        headers=service.auth("hospital"),
    )  # fmt: skip
    assert hospital.status_code == 403


def test_websocket_fixes_are_acknowledged_after_they_are_stored(service: Service) -> None:
    ambulance = service.ambulance_id
    key = service.keys["crew"]
    with service.client.websocket_connect(f"/ws/crew?token={key}") as ws:
        ws.send_text(json.dumps({"type": "fix", "seq": 1, "fix": fix(30)}))
        ack = json.loads(ws.receive_text())
        assert ack == {"type": "ack", "seq": 1, "stored": 1, "duplicates": 0, "rejected": {}}
        # Acknowledged means stored: it is in the database now.
        assert len(stored_fixes(service, ambulance)) >= 1
        batch = [fix(29 - i, lon=AJIBARANG[0] + 0.00002 * i) for i in range(20)]
        ws.send_text(json.dumps({"type": "fixes", "seq": 2, "fixes": batch}))
        assert json.loads(ws.receive_text())["stored"] == 20
        ws.send_text("{not json")
        error = json.loads(ws.receive_text())
        assert error["type"] == "error" and error["detail"]
        ws.send_text(json.dumps({"type": "fix", "seq": 3, "fix": {"lon": 109.0}}))
        assert "fix.lat" in json.loads(ws.receive_text())["detail"]
        ws.send_text(json.dumps({"type": "fixes", "seq": 4, "fixes": batch}))  # a replay
        assert json.loads(ws.receive_text())["duplicates"] == 20


def test_websocket_auth_by_first_message_and_refusals(service: Service) -> None:
    with service.client.websocket_connect("/ws/crew") as ws:
        ws.send_text(json.dumps({"type": "auth", "key": service.keys["crew"]}))
        ws.send_text(json.dumps({"type": "fix", "seq": 9, "fix": fix(40)}))
        assert json.loads(ws.receive_text())["seq"] == 9
    for url, first in (
        ("/ws/crew?token=sat_wrong", None),
        (f"/ws/crew?token={service.keys['operator']}", None),  # not a crew key
        ("/ws/crew", json.dumps({"type": "fix", "seq": 1, "fix": fix(1)})),  # no auth first
    ):
        with service.client.websocket_connect(url) as ws:
            if first is not None:
                ws.send_text(first)
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive_text()
            assert closed.value.code == 1008


def test_eta_falls_on_the_way_and_the_geofence_moves_the_call(service: Service) -> None:
    auth = service.auth("operator")
    incident = (109.0405, -7.3895)
    call_id = service.call(lon=incident[0], lat=incident[1])["call"]["id"]
    service.client.post(
        f"/api/calls/{call_id}/dispatch", json={"ambulance_id": service.ambulance_id},
        headers=auth,
    )  # fmt: skip
    state = service.app.state
    region = state.region
    post = next(p for p in region.posts if service.ambulance_id.startswith(p.id))
    route = region.route(post.location, LonLat(*incident))
    coords = list(route.geometry.coords)
    picks = [coords[int(i * (len(coords) - 1) / 6)] for i in range(7)]
    etas = []
    for i, (lon, lat) in enumerate(picks):
        sent = fix(8 - i, lon=lon, lat=lat)  # newer than any fix of the earlier tests
        body = {"fixes": [sent]}
        response = service.client.post(
            f"/api/ambulances/{service.ambulance_id}/fixes", json=body,
            headers=service.auth("crew"),
        )  # fmt: skip
        assert response.json()["stored"] == 1
        with Session(state.engine) as session:
            row = session.exec(
                select(GpsFix).where(
                    GpsFix.ambulance_id == service.ambulance_id,
                    GpsFix.fix_time == datetime.fromisoformat(sent["fix_time"]),
                )
            ).one()
        if i < len(picks) - 1:
            placed = StoredFix(row.ambulance_id, Fix(row.lon, row.lat, row.fix_time))
            messages = after_fixes(state.engine, state.services.announcer, [placed])
            position = json.loads(messages[0].payload)
            assert position["destination"] == "incident" and position["call_id"] == call_id
            etas.append(position["eta_s"])
    assert etas == sorted(etas, reverse=True) and etas[0] > etas[-1] > 0
    call = service.client.get(f"/api/calls/{call_id}", headers=auth).json()
    assert call["status"] == "on_scene"  # the last fix entered the scene's geofence
    events = service.client.get(
        "/api/audit", params={"entity": "call", "entity_id": str(call_id), "action": "call.status"},
        headers=service.auth("admin"),
    ).json()  # fmt: skip
    geofenced = [e for e in events if e["detail"].get("by") == "geofence"]
    assert {e["detail"]["after"] for e in geofenced} == {"en_route", "on_scene"}
    assert all(e["actor_user_id"] is None for e in geofenced)
    service.client.post(
        f"/api/calls/{call_id}/status", json={"status": "cancelled", "reason": "test"},
        headers=auth,
    )  # fmt: skip
