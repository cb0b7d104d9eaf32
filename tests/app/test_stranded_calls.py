"""Calls no free ambulance can take: the assessment says which busy unit could come soonest
and when; a call can be given another ambulance with a reason; every step of a call (notes
included) reads back as its timeline."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from routing import LonLat
from tests.app.conftest import Service

SCENE = (109.2100, -7.4000)


def post(service: Service, path: str, body: dict[str, Any], status: int = 200) -> Any:
    response = service.client.post(path, json=body, headers=service.auth("operator"))
    assert response.status_code == status, response.text
    return response.json()


@pytest.fixture
def only_two_in_service(service: Service) -> Iterator[None]:
    """Every ambulance but the two crews' out of service (put back afterwards)."""
    admin = service.auth("admin")
    keep = {service.ambulance_id, service.other_ambulance_id}
    others = [a["id"] for a in service.client.get("/api/ambulances", headers=admin).json()]
    others = [a for a in others if a not in keep]
    for ambulance_id in others:
        service.client.patch(f"/api/ambulances/{ambulance_id}", json={"in_service": False},
                             headers=admin)  # fmt: skip
    yield
    for ambulance_id in others:
        service.client.patch(f"/api/ambulances/{ambulance_id}", json={"in_service": True},
                             headers=admin)  # fmt: skip


def test_with_no_unit_free_the_assessment_names_the_busy_one_that_comes_soonest(
    service: Service, only_two_in_service: None
) -> None:
    region = service.app.state.region
    settings = service.app.state.settings
    first = service.call(lon=SCENE[0], lat=SCENE[1])["call"]["id"]
    post(service, f"/api/calls/{first}/dispatch", {"ambulance_id": service.ambulance_id})
    post(service, f"/api/calls/{first}/referral",
         {"hospital_id": "rsud-purwa", "override_reason": "test"})  # fmt: skip
    at = (datetime.now(UTC) - timedelta(seconds=5)).isoformat()
    fixed = service.client.post(
        f"/api/ambulances/{service.ambulance_id}/fixes",
        json={"fixes": [{"lon": SCENE[0], "lat": SCENE[1], "fix_time": at}]},
        headers=service.auth("crew"),
    )
    assert fixed.json()["stored"] == 1
    second = service.call()["call"]["id"]  # no referral and no position yet
    post(service, f"/api/calls/{second}/dispatch", {"ambulance_id": service.other_ambulance_id})

    waiting = service.call(lon=109.2290, lat=-7.3850)
    assessment = waiting["assessment"]
    assert assessment["ambulances"] == []
    busy = assessment["busy_ambulances"]
    assert [b["ambulance_id"] for b in busy] == [service.ambulance_id, service.other_ambulance_id]
    soonest, unknown = busy
    # Its fix at the scene moved it on scene (geofence): the rest of a typical time on scene,
    # the drive to its hospital, the handover; then from that hospital to the waiting call.
    onward_s = region.eta_to_hospital(LonLat(*SCENE), "rsud-purwa")
    expected_free_s = settings.on_scene_s + onward_s + settings.handover_s
    assert soonest["call_id"] == first and soonest["phase"] == "on_scene"
    assert soonest["free_in_s"] == pytest.approx(expected_free_s, abs=300)
    back_s = region.eta_to_hospital(LonLat(109.2290, -7.3850), "rsud-purwa")
    assert soonest["then_to_incident_s"] == pytest.approx(back_s, abs=1)
    assert soonest["reaches_incident_s"] == pytest.approx(
        soonest["free_in_s"] + soonest["then_to_incident_s"], abs=0.2
    )
    assert unknown["free_in_s"] is None and unknown["reaches_incident_s"] is None

    # The first unit frees: the waiting call now gets it.
    post(service, f"/api/calls/{first}/status", {"status": "cancelled", "reason": "test"})
    again = service.client.get(
        f"/api/calls/{waiting['call']['id']}/assessment", headers=service.auth("operator")
    ).json()
    assert [a["ambulance_id"] for a in again["ambulances"]] == [service.ambulance_id]
    assert again["busy_ambulances"] == []
    for call_id in (second, waiting["call"]["id"]):
        post(service, f"/api/calls/{call_id}/status", {"status": "cancelled", "reason": "test"})


def test_a_call_on_its_way_gets_another_ambulance_with_a_reason(service: Service) -> None:
    call = service.call()["call"]
    post(service, f"/api/calls/{call['id']}/dispatch", {"ambulance_id": service.ambulance_id})
    post(service, f"/api/calls/{call['id']}/reassign", {"reason": " "}, status=422)
    moved = post(service, f"/api/calls/{call['id']}/reassign",
                 {"ambulance_id": service.other_ambulance_id, "reason": "ban bocor"})  # fmt: skip
    assert moved["dispatch"]["ambulance_id"] == service.other_ambulance_id
    fleet = {
        a["id"]: a["status"]
        for a in service.client.get("/api/ambulances", headers=service.auth("operator")).json()
    }
    assert fleet[service.ambulance_id] == "available"
    assert fleet[service.other_ambulance_id] == "assigned"
    post(service, f"/api/calls/{call['id']}/reassign",
         {"ambulance_id": service.other_ambulance_id, "reason": "again"}, status=409)  # fmt: skip
    for status in ("en_route", "on_scene"):
        post(service, f"/api/calls/{call['id']}/status", {"status": status})
    post(service, f"/api/calls/{call['id']}/reassign", {"reason": "too late"}, status=409)
    post(service, f"/api/calls/{call['id']}/status", {"status": "cancelled", "reason": "test"})

    steps = service.client.get(
        f"/api/calls/{call['id']}/timeline", headers=service.auth("operator")
    ).json()
    actions = [s["action"] for s in steps]
    assert actions[0] == "call.created" and "call.reassigned" in actions
    reassigned = next(s for s in steps if s["action"] == "call.reassigned")
    assert reassigned["detail"] == {
        "released": service.ambulance_id,
        "ambulance_id": service.other_ambulance_id,
        "reason": "ban bocor",
    }
    assert reassigned["actor_name"]  # who did it, by name


def test_notes_join_the_timeline_and_status_times_are_kept(service: Service) -> None:
    call = service.call()["call"]
    assert call["status_at"] == call["created_at"] or call["status_at"] >= call["created_at"]
    dispatched = post(service, f"/api/calls/{call['id']}/dispatch", {})
    assert dispatched["status_at"] > call["status_at"]
    note = post(service, f"/api/calls/{call['id']}/notes",
                {"text": "penelepon di depan minimarket"}, status=201)  # fmt: skip
    assert (
        note["action"] == "call.note" and note["detail"]["text"] == "penelepon di depan minimarket"
    )
    post(service, f"/api/calls/{call['id']}/notes", {"text": "bad\u0000text"}, status=422)
    steps = service.client.get(
        f"/api/calls/{call['id']}/timeline", headers=service.auth("operator")
    ).json()
    assert [s["action"] for s in steps][-1] == "call.note"
    assert [s["at"] for s in steps] == sorted(s["at"] for s in steps)
    missing = service.client.get("/api/calls/999999/timeline", headers=service.auth("operator"))
    assert missing.status_code == 404
    post(service, f"/api/calls/{call['id']}/status", {"status": "cancelled", "reason": "test"})
