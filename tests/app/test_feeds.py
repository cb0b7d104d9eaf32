"""Live feeds: a hospital gets a snapshot, then its own incoming ambulance with a falling
ETA, the arrival, and can acknowledge; another hospital sees none of it; operators see all."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from sqlmodel import Session
from starlette.websockets import WebSocketDisconnect

from app.models import Role
from app.services import events
from app.services.users import Principal
from routing import LonLat, Region
from tests.app.conftest import Service
from tests.app.feed_messages import receive

INCIDENT = (109.2417, -7.3600)  # next to RSUD Purwa


def push(service: Service, lon: float, lat: float, seconds_ago: float, crew: str = "crew") -> None:
    ambulance_id = service.ambulance_id if crew == "crew" else service.other_ambulance_id
    moment = (datetime.now(UTC) - timedelta(seconds=seconds_ago)).isoformat()
    response = service.client.post(
        f"/api/ambulances/{ambulance_id}/fixes",
        json={"fixes": [{"lon": lon, "lat": lat, "fix_time": moment}]},
        headers=service.auth(crew),
    )
    assert response.json()["stored"] == 1, response.text


def test_a_hospital_follows_its_incoming_ambulance(service: Service) -> None:
    hospital_key, other_key = service.keys["hospital"], service.keys["hospital_other"]
    with (
        service.client.websocket_connect(f"/ws/feed?token={hospital_key}") as hospital,
        service.client.websocket_connect(f"/ws/feed?token={other_key}") as other,
        service.client.websocket_connect(
            "/ws/feed", headers={"Authorization": f"Bearer {service.keys['operator']}"}
        ) as operators,
    ):
        snapshot = receive(hospital, "snapshot")
        assert snapshot["feed"] == f"hospital:{service.hospital_id}"
        assert receive(other, "snapshot")["feed"] == f"hospital:{service.other_hospital_id}"
        assert receive(operators, "snapshot")["feed"] == "operators"

        created = service.call(
            lon=INCIDENT[0], lat=INCIDENT[1],
            caller={"nik": "3302264107900001", "name": "Siti Aminah"},
            patients=[{"name": "Budi Santoso", "age_years": 61, "sex": "male",
                       "condition": "crushing chest pain"}],
        )  # fmt: skip
        call_id = created["call"]["id"]
        auth = service.auth("operator")
        service.client.post(
            f"/api/calls/{call_id}/dispatch", json={"ambulance_id": service.ambulance_id},
            headers=auth,
        )  # fmt: skip
        service.client.post(
            f"/api/calls/{call_id}/referral",
            json={"hospital_id": service.hospital_id, "override_reason": "test"}, headers=auth,
        )  # fmt: skip
        referral = receive(hospital, "referral")
        incoming = referral["incoming"]
        assert incoming["call_id"] == call_id and incoming["triage"] == "merah"
        assert incoming["patients"] == [
            {"age_years": 61, "sex": "male", "condition": "crushing chest pain"}
        ]
        text = json.dumps(referral)
        assert "Budi" not in text and "Siti" not in text and "3302264107900001" not in text

        # The crew drives from its post to the scene at 15 m/s along the road: the hospital
        # sees the ETA fall, and the last fix, at the scene, is an arrival.
        region = service.app.state.region
        post = next(p for p in region.posts if service.ambulance_id.startswith(p.id))
        route = region.route(post.location, LonLat(*INCIDENT))
        fractions = [0, 1 / 6, 2 / 6, 3 / 6, 4 / 6, 1]
        points = [route.geometry.interpolate(f, normalized=True) for f in fractions]
        seconds = [f * route.length_m / 15 for f in fractions]
        etas = []
        for point, at_s in zip(points, seconds, strict=True):
            push(service, point.x, point.y, seconds_ago=seconds[-1] - at_s + 1)
            if point is points[-1]:
                break
            position = receive(hospital, "position")
            assert position["ambulance_id"] == service.ambulance_id
            assert position["destination"] == "incident"
            etas.append(position["eta_s"])
        assert etas == sorted(etas, reverse=True) and etas[-1] < etas[0]
        arrived = receive(hospital, "arrived")
        assert arrived["at_place"] == "scene" and arrived["call_id"] == call_id

        # The hospital acknowledges on its feed; the operators are told.
        hospital.send_text(json.dumps({"type": "acknowledge",
                                       "referral_id": incoming["referral_id"]}))  # fmt: skip
        ack = receive(operators, "acknowledged")
        assert ack["referral_id"] == incoming["referral_id"]
        call = service.client.get(f"/api/calls/{call_id}", headers=auth).json()
        assert call["referral"]["acknowledged_at"] is not None

        # The other hospital saw nothing of this patient: its first event is its own referral.
        second = service.call(lon=INCIDENT[0], lat=INCIDENT[1])["call"]["id"]
        service.client.post(
            f"/api/calls/{second}/referral",
            json={"hospital_id": service.other_hospital_id, "override_reason": "test"},
            headers=auth,
        )  # fmt: skip
        first_event = json.loads(other.receive_text())
        assert first_event["type"] == "referral"
        assert first_event["incoming"]["call_id"] == second
        for finished in (call_id, second):
            service.client.post(
                f"/api/calls/{finished}/status", json={"status": "cancelled", "reason": "test"},
                headers=auth,
            )  # fmt: skip


def test_a_new_connection_starts_from_the_snapshot(service: Service) -> None:
    auth = service.auth("operator")
    call_id = service.call(lon=INCIDENT[0], lat=INCIDENT[1])["call"]["id"]
    service.client.post(
        f"/api/calls/{call_id}/referral",
        json={"hospital_id": service.hospital_id, "override_reason": "test"}, headers=auth,
    )  # fmt: skip
    with service.client.websocket_connect(f"/ws/feed?token={service.keys['hospital']}") as ws:
        snapshot = receive(ws, "snapshot")
        assert call_id in [i["call_id"] for i in snapshot["incoming"]]
        # The pages mark positions stale by the service's own setting, not a copy of it.
        setting = service.app.state.settings.position_stale_after_s
        assert snapshot["position_stale_after_s"] == setting
    service.client.post(
        f"/api/calls/{call_id}/status", json={"status": "cancelled", "reason": "test"},
        headers=auth,
    )  # fmt: skip
    with service.client.websocket_connect(f"/ws/feed?token={service.keys['hospital']}") as ws:
        assert call_id not in [i["call_id"] for i in receive(ws, "snapshot")["incoming"]]


def test_an_agency_sees_only_the_incidents_it_follows(service: Service) -> None:
    """Police and fire: their incident kinds' calls, with where the ambulance is; no caller,
    no patient, and nothing of other calls."""
    auth = service.auth("operator")
    medical = service.call(lon=INCIDENT[0], lat=INCIDENT[1])["call"]["id"]
    with service.client.websocket_connect(f"/ws/feed?token={service.keys['agency']}") as agency:
        snapshot = receive(agency, "snapshot")
        assert snapshot["feed"] == "incident:fire,incident:traffic_accident"
        assert medical not in [c["call_id"] for c in snapshot["calls"]]
        assert snapshot["incoming"] == []

        crash = service.call(
            lon=INCIDENT[0], lat=INCIDENT[1], category="major_trauma",
            incident="traffic_accident", caller={"nik": "3302264107900001", "name": "Siti"},
            patients=[{"name": "Budi Santoso", "age_years": 30, "condition": "open fracture"}],
        )["call"]["id"]  # fmt: skip
        opened = json.loads(agency.receive_text())  # the medical call above was not sent
        assert opened["type"] == "call"
        assert (
            opened["call"]["call_id"] == crash and opened["call"]["incident"] == "traffic_accident"
        )
        assert opened["call"]["lon"] == INCIDENT[0] and opened["call"]["triage"] == "merah"
        text = json.dumps(opened)
        assert "Budi" not in text and "Siti" not in text and "fracture" not in text

        # The other crew has sent no fix yet in this module: its first one cannot be an outlier.
        service.client.post(
            f"/api/calls/{medical}/dispatch", json={"ambulance_id": service.ambulance_id},
            headers=auth,
        )  # fmt: skip
        service.client.post(
            f"/api/calls/{crash}/dispatch", json={"ambulance_id": service.other_ambulance_id},
            headers=auth,
        )  # fmt: skip
        status = json.loads(agency.receive_text())  # not the medical call's dispatch
        assert status["type"] == "status" and status["call_id"] == crash
        assert status["after"] == "dispatched"
        push(service, INCIDENT[0] + 0.005, INCIDENT[1], seconds_ago=1, crew="crew_other")
        position = receive(agency, "position")
        assert position["call_id"] == crash and position["destination"] == "incident"
        assert position["eta_s"] is not None and position["eta_s"] > 0

        for finished in (medical, crash):
            service.client.post(
                f"/api/calls/{finished}/status", json={"status": "cancelled", "reason": "test"},
                headers=auth,
            )  # fmt: skip
    with service.client.websocket_connect(f"/ws/feed?token={service.keys['agency']}") as agency:
        assert crash not in [c["call_id"] for c in receive(agency, "snapshot")["calls"]]


def test_operators_are_told_of_every_new_call(service: Service) -> None:
    with service.client.websocket_connect(f"/ws/feed?token={service.keys['operator']}") as ws:
        assert receive(ws, "snapshot")["feed"] == "operators"
        call_id = service.call(lon=INCIDENT[0], lat=INCIDENT[1])["call"]["id"]
        opened = receive(ws, "call")
        assert opened["call"]["call_id"] == call_id and opened["call"]["incident"] == "medical"
        assert opened["call"]["district_name"] == "Purwokerto Timur"
    with service.client.websocket_connect(f"/ws/feed?token={service.keys['operator']}") as ws:
        assert call_id in [c["call_id"] for c in receive(ws, "snapshot")["calls"]]
    service.client.post(
        f"/api/calls/{call_id}/status", json={"status": "cancelled", "reason": "test"},
        headers=service.auth("operator"),
    )  # fmt: skip


def test_a_readiness_report_reaches_the_operators_map_and_not_other_hospitals(
    service: Service,
) -> None:
    """The console recolours a hospital when it reports (a hospital on diversion once stayed
    green until the page was reloaded)."""
    feed = "/ws/feed?token={}"
    with (
        service.client.websocket_connect(feed.format(service.keys["operator"])) as operator,
        service.client.websocket_connect(feed.format(service.keys["hospital_other"])) as other,
    ):
        receive(operator, "snapshot"), receive(other, "snapshot")
        response = service.client.put(
            f"/api/hospitals/{service.hospital_id}/readiness",
            json={"on_diversion": False, "free_beds": {"igd": 4}},
            headers=service.auth("hospital"),
        )
        assert response.status_code == 200, response.text
        told = receive(operator, "readiness")
        assert told["hospital_id"] == service.hospital_id and told["at"]
        # The other hospital's first readiness message is about its own report, not this one.
        service.client.put(
            f"/api/hospitals/{service.other_hospital_id}/readiness",
            json={"free_beds": {"igd": 2}},
            headers=service.auth("hospital_other"),
        )
        assert receive(other, "readiness")["hospital_id"] == service.other_hospital_id
        assert receive(operator, "readiness")["hospital_id"] == service.other_hospital_id


@pytest.mark.parametrize("who", ["crew", "facility"])
def test_roles_without_a_feed_are_refused(service: Service, who: str) -> None:
    with service.client.websocket_connect(f"/ws/feed?token={service.keys[who]}") as ws:
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_text()
        assert closed.value.code == 1008


class EtaDefect:
    """The demo region with a defect in its ETA code: every ETA raises."""

    def __init__(self, region: Region) -> None:
        self._region = region

    def __getattr__(self, name: str) -> Any:
        return getattr(self._region, name)

    def eta_to_point(self, *_args: Any, **_kwargs: Any) -> float:
        raise RuntimeError("a defect in the ETA")

    eta_to_hospital = eta_to_point


def test_one_ambulances_failing_eta_degrades_its_position_not_the_snapshot(
    service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    auth = service.auth("operator")
    call_id = service.call(lon=INCIDENT[0], lat=INCIDENT[1])["call"]["id"]
    service.client.post(
        f"/api/calls/{call_id}/dispatch", json={"ambulance_id": service.ambulance_id},
        headers=auth,
    )  # fmt: skip
    push(service, 109.2300, -7.3650, seconds_ago=1)
    state = service.app.state
    principal = Principal(user_id=1, name="op", role=Role.OPERATOR)
    with Session(state.engine) as session, caplog.at_level(logging.ERROR, "satria.live"):
        view = events.FeedView(
            cast(Region, EtaDefect(state.region)), state.services.feed_view.tables, 120.0
        )
        snapshot = events.snapshot(session, view, principal)
    [summary] = [c for c in snapshot.calls if c.call_id == call_id]
    assert summary.position is not None  # where the ambulance is: still shown...
    assert summary.position.eta_s is None and summary.position.eta_failed  # ...flagged
    assert any("ETA failed" in r.getMessage() and r.exc_info for r in caplog.records)
    service.client.post(
        f"/api/calls/{call_id}/status", json={"status": "cancelled", "reason": "test"},
        headers=auth,
    )  # fmt: skip
