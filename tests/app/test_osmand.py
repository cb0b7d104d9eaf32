"""Traccar Client's OsmAnd protocol at /osmand: the request formats the app sends (query
string on GET and POST, a form body, the newer JSON body), unknown and revoked devices,
replays, bad values; a position is stored and fanned out as the crew socket's are."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, col, select

from app.models import GpsFix
from app.services import devices
from app.services.osmand import KNOT_MPS, from_json, from_parameters
from tests.app.conftest import Service

NOW = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)
WHERE = {"lat": "-7.3900", "lon": "109.2330"}  # a street of Kota Purwa


@pytest.mark.parametrize(
    "params",
    [
        {"id": "x", **WHERE, "timestamp": "1795921200"},  # Unix seconds
        {"id": "x", **WHERE, "timestamp": "1795921200000"},  # Unix milliseconds
        {"id": "x", **WHERE, "timestamp": "2026-11-29T03:00:00Z"},
        {"id": "x", **WHERE, "timestamp": "2026-11-29T10:00:00+07:00"},  # WIB
        {"id": "x", **WHERE, "timestamp": "2026-11-29 03:00:00"},  # Traccar's form: UTC
        {"deviceid": "x", **WHERE},  # no time: the time it arrived
    ],
)
def test_every_time_format_traccar_sends_is_read(params: dict[str, str]) -> None:
    report = from_parameters(params, received_at=NOW)
    assert report.identifier == "x" and report.fix.fix_time == NOW


def test_values_are_read_in_their_units() -> None:
    report = from_parameters(
        {"id": "x", "location": "-7.39,109.233", "speed": "20", "heading": "370",
         "hacc": "8", "batt": "87.5", "altitude": "120", "rpm": "933"},
        received_at=NOW,
    )  # fmt: skip
    fix = report.fix
    assert (fix.lat, fix.lon) == (-7.39, 109.233)
    assert fix.speed_mps == pytest.approx(20 * KNOT_MPS)  # knots in, m/s stored
    assert fix.heading_deg == pytest.approx(10) and fix.accuracy_m == 8
    assert report.battery_percent == 87.5
    newer = from_json(
        {"device_id": "y", "location": {
            "timestamp": "2026-11-29T03:00:00.000Z", "is_moving": True, "odometer": 0,
            "coords": {"latitude": -7.39, "longitude": 109.233, "speed": -1, "heading": -1,
                       "accuracy": 4.5, "altitude": 100},
            "battery": {"level": 0.82, "is_charging": False}, "activity": {"type": "in_vehicle"},
        }},
        received_at=NOW,
    )  # fmt: skip
    assert newer.identifier == "y" and newer.fix.fix_time == NOW
    assert newer.fix.speed_mps is None and newer.fix.heading_deg is None  # -1: unknown
    assert newer.battery_percent == pytest.approx(82)


def fixes_of(service: Service, ambulance_id: str) -> list[GpsFix]:
    with Session(service.app.state.engine) as session:
        return list(
            session.exec(
                select(GpsFix)
                .where(col(GpsFix.ambulance_id) == ambulance_id)
                .order_by(col(GpsFix.fix_time))
            )
        )


@pytest.fixture
def device(service: Service) -> str:
    with Session(service.app.state.engine) as session:
        return devices.register_device(session, service.other_ambulance_id, label="test phone")


def unix(seconds_ago: float) -> str:
    return str(int((datetime.now(UTC) - timedelta(seconds=seconds_ago)).timestamp()))


def test_traccar_client_requests_are_stored_once_and_fanned_out(
    service: Service, device: str
) -> None:
    client, ambulance_id = service.client, service.other_ambulance_id
    before = len(fixes_of(service, ambulance_id))
    feed = f"/ws/feed?token={service.keys['operator']}"
    with client.websocket_connect(feed) as operators:
        assert json.loads(operators.receive_text())["type"] == "snapshot"
        # The classic client: a POST with every value in the query string, no body.
        params = {"id": device, **WHERE, "timestamp": unix(30), "speed": "10", "bearing": "90",
                  "altitude": "100", "accuracy": "5", "batt": "87"}  # fmt: skip
        answer = client.post("/osmand", params=params)
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"stored": 1, "duplicates": 0, "rejected": {}}
        for _ in range(50):  # the position reaches the operators as a crew socket's does
            message = json.loads(operators.receive_text())
            if message["type"] == "position" and message["ambulance_id"] == ambulance_id:
                break
        else:
            pytest.fail("no position for the device's ambulance")
        assert message["lat"] == pytest.approx(-7.39)
    # A retry of the same position (the app never heard the answer): stored once.
    replay = client.post("/osmand", params=params)
    assert replay.json() == {"stored": 0, "duplicates": 1, "rejected": {}}
    # GET, a form body, and the newer client's JSON.
    assert client.get("/osmand", params={"id": device, "lat": "-7.3905", "lon": "109.2335",
                                         "timestamp": unix(20)}).json()["stored"] == 1  # fmt: skip
    form = {"id": device, "lat": "-7.3910", "lon": "109.2340", "timestamp": unix(10)}
    assert client.post("/osmand", data=form).json()["stored"] == 1
    iso = (datetime.now(UTC) - timedelta(seconds=5)).isoformat().replace("+00:00", "Z")
    body: dict[str, Any] = {"device_id": device, "location": {
        "timestamp": iso, "coords": {"latitude": -7.3915, "longitude": 109.2345, "speed": 8.0,
                                     "heading": 91.0, "accuracy": 6.0}}}  # fmt: skip
    assert client.post("/osmand", json=body).json()["stored"] == 1
    stored = fixes_of(service, ambulance_id)
    assert len(stored) == before + 4
    first = next(f for f in stored if f.lat == pytest.approx(-7.39))
    assert first.speed_mps == pytest.approx(10 * KNOT_MPS) and first.heading_deg == 90


def test_unknown_and_revoked_devices_store_nothing(service: Service) -> None:
    client, ambulance_id = service.client, service.other_ambulance_id
    before = len(fixes_of(service, ambulance_id))
    unknown = client.get("/osmand", params={"id": "123456", **WHERE, "timestamp": unix(3)})
    assert unknown.status_code == 401
    assert unknown.headers["content-type"].startswith("application/problem+json")
    with Session(service.app.state.engine) as session:
        lost = devices.register_device(session, ambulance_id, label="lost phone")
        row = next(d for d in devices.list_devices(session) if d.label == "lost phone")
        devices.revoke_device(session, row.id)
    revoked = client.get("/osmand", params={"id": lost, **WHERE, "timestamp": unix(2)})
    assert revoked.status_code == 401
    assert len(fixes_of(service, ambulance_id)) == before


@pytest.mark.parametrize(
    ("request_args", "field"),
    [
        ({"params": {"id": "d", "lon": "109.2"}}, "lat"),
        ({"params": {"id": "d", "lat": "north", "lon": "109.2"}}, "lat"),
        ({"params": {"id": "d", "lat": "95", "lon": "109.2"}}, "lat"),
        ({"params": {"id": "d", **WHERE, "speed": "900"}}, "speed"),
        ({"params": {"id": "d", **WHERE, "timestamp": "yesterday"}}, "timestamp"),
        ({"params": {"id": "d", **WHERE, "timestamp": "99999999999999999999"}}, "timestamp"),
        ({"params": {"id": "d", "location": "-7.39"}}, "location"),
        ({"params": {**WHERE}}, "id"),
        ({"content": b"{not json", "headers": {"content-type": "application/json"}}, "body"),
        ({"json": {"device_id": "d", "location": {"timestamp": "x"}}}, "location.coords"),
        ({"content": b"{" + b" " * 20_000 + b"}"}, "body"),
    ],
)
def test_bad_positions_get_a_clear_error_naming_the_field(
    service: Service, request_args: dict[str, Any], field: str
) -> None:
    answer = service.client.post("/osmand", **request_args)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert field in answer.text
