"""Hostile and broken clients: each is refused with a clear status or close code, nothing it
sent is stored unacknowledged, and everyone else is served."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, func, select
from starlette.websockets import WebSocketDisconnect

from app.api.routes import tracking
from app.models import GpsFix
from routing import Region
from tests.app.conftest import Service, running_service

START = datetime.now(UTC) - timedelta(minutes=30)


def fix(second: int) -> dict[str, Any]:
    moment = START + timedelta(seconds=second)
    return {"lon": 109.24, "lat": -7.36 + second * 1e-5, "fix_time": moment.isoformat()}


@pytest.fixture
def strict(database_url: str, demo: Region, tmp_path: Path) -> Iterator[Service]:
    """Five requests a minute per key (a second's window rolled over on a loaded machine
    between the fifth request and the ninth); crews two messages a second (bursts of ten)."""
    with running_service(
        database_url, tmp_path, demo, rate_limit="5/minute", crew_messages_per_s=2.0
    ) as service:
        yield service


def test_a_key_over_its_rate_gets_429_and_other_keys_are_served(strict: Service) -> None:
    answers = [
        strict.client.get("/api/calls", headers=strict.auth("operator")).status_code
        for _ in range(8)
    ]
    assert answers[:5] == [200] * 5 and 429 in answers[5:]
    refused = strict.client.get("/api/calls", headers=strict.auth("operator"))
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert int(refused.headers["retry-after"]) >= 1
    assert "too many requests" in refused.json()["detail"]
    assert strict.client.get("/api/calls", headers=strict.auth("admin")).status_code == 200
    metrics = strict.client.get("/metrics", headers=strict.auth("admin")).text
    assert 'satria_rate_limited_total{what="rest"}' in metrics


def test_a_flooding_crew_is_slowed_then_cut_off_and_nothing_refused_is_stored(
    strict: Service,
) -> None:
    acked, refused = 0, 0
    with strict.client.websocket_connect("/ws/crew", headers=strict.auth("crew")) as ws:
        with pytest.raises(WebSocketDisconnect) as closed:
            for seq in range(400):
                ws.send_text(json.dumps({"type": "fix", "seq": seq, "fix": fix(seq)}))
                answer = json.loads(ws.receive_text())
                if answer["type"] == "ack":
                    acked += answer["stored"]
                else:
                    assert "too many messages" in answer["detail"]
                    refused += 1
        assert closed.value.code == 1008 and closed.value.reason == "too many messages"
    assert 10 <= acked < 20  # the burst, and what trickled in meanwhile
    assert refused == tracking.MAX_REFUSED
    with Session(strict.app.state.engine) as session:
        count = session.exec(
            select(func.count()).where(GpsFix.ambulance_id == strict.ambulance_id)
        ).one()
    assert count == acked  # refused fixes were not stored: the crew must send them again
    # Another crew is not slowed by it.
    with strict.client.websocket_connect("/ws/crew", headers=strict.auth("crew_other")) as ws:
        ws.send_text(json.dumps({"type": "fix", "seq": 1, "fix": fix(1)}))
        assert json.loads(ws.receive_text())["type"] == "ack"


def test_broken_messages_get_an_error_and_the_connection_stays(service: Service) -> None:
    with service.client.websocket_connect("/ws/crew", headers=service.auth("crew")) as ws:
        for garbage in ("{not json", '{"type": "fix", "seq": "x"}', '{"type": "launch"}', "[]"):
            ws.send_text(garbage)
            answer = json.loads(ws.receive_text())
            assert answer["type"] == "error" and answer["detail"]
        ws.send_text(json.dumps({"type": "fix", "seq": 7, "fix": fix(900)}))
        assert json.loads(ws.receive_text()) | {"stored": 1} == {
            "type": "ack", "seq": 7, "stored": 1, "duplicates": 0, "rejected": {},
        }  # fmt: skip


def test_an_oversized_message_closes_the_socket_with_1009(service: Service) -> None:
    with service.client.websocket_connect("/ws/crew", headers=service.auth("crew")) as ws:
        ws.send_text("x" * (tracking.MAX_MESSAGE_BYTES + 1))
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_text()
        assert closed.value.code == 1009


def test_a_connection_that_never_says_who_it_is_is_dropped(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tracking, "AUTH_WAIT_S", 0.3)
    with service.client.websocket_connect("/ws/crew") as ws:
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_text()  # it sends nothing
        assert closed.value.code == 1008 and "no key" in closed.value.reason


def test_a_stolen_crew_key_cannot_send_for_another_ambulance(service: Service) -> None:
    response = service.client.post(
        f"/api/ambulances/{service.other_ambulance_id}/fixes",
        json={"fixes": [fix(5)]}, headers=service.auth("crew"),
    )  # fmt: skip
    assert response.status_code == 403
    assert "its own ambulance" in response.json()["detail"]
