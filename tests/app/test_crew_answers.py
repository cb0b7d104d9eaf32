"""A crew accepts its assignment or refuses it with a reason; the operators hear it at once,
with the ambulance that could go instead; a unit off duty is never recommended."""

from __future__ import annotations

from typing import Any

from tests.app.conftest import Service
from tests.app.feed_messages import receive, receive_all

AJIBARANG = {"lon": 109.0800, "lat": -7.4100}


def dispatched_to(service: Service, ambulance_id: str) -> int:
    call_id: int = service.call(**AJIBARANG)["call"]["id"]
    answer = service.client.post(
        f"/api/calls/{call_id}/dispatch",
        json={"ambulance_id": ambulance_id},
        headers=service.auth("operator"),
    )
    assert answer.status_code == 200, answer.text
    return call_id


def post(service: Service, path: str, who: str, body: dict[str, Any]) -> Any:
    return service.client.post(f"/api/crew/{path}", json=body, headers=service.auth(who))


def cancel(service: Service, call_id: int) -> None:
    service.client.post(
        f"/api/calls/{call_id}/status",
        json={"status": "cancelled", "reason": "test"},
        headers=service.auth("operator"),
    )


def test_an_accepted_assignment_is_shown_to_the_operators(service: Service) -> None:
    call_id = dispatched_to(service, service.ambulance_id)
    with service.client.websocket_connect(f"/ws/feed?token={service.keys['operator']}") as ws:
        receive(ws, "snapshot")
        answer = post(service, "assignment/answer", "crew", {"accept": True})
        assert answer.status_code == 200, answer.text
        told = receive(ws, "crew_answer")
        assert (told["call_id"], told["accepted"]) == (call_id, True)
    call = service.client.get(f"/api/calls/{call_id}", headers=service.auth("operator")).json()
    assert call["dispatch"]["accepted_at"] is not None and call["status"] == "dispatched"
    again = post(service, "assignment/answer", "crew", {"accept": False, "reason": "other"})
    assert again.status_code == 409  # accepted is accepted: the operator reassigns if need be
    cancel(service, call_id)


def test_a_refusal_puts_the_call_back_and_offers_the_next_ambulance(service: Service) -> None:
    call_id = dispatched_to(service, service.ambulance_id)
    with service.client.websocket_connect(f"/ws/feed?token={service.keys['operator']}") as ws:
        receive(ws, "snapshot")
        no_reason = post(service, "assignment/answer", "crew", {"accept": False})
        assert no_reason.status_code == 422 and "reason" in no_reason.text
        vague = post(service, "assignment/answer", "crew", {"accept": False, "reason": "other"})
        assert vague.status_code == 422 and "note" in vague.text
        refused = post(
            service, "assignment/answer", "crew", {"accept": False, "reason": "vehicle_fault"}
        )
        assert refused.status_code == 200, refused.text
        heard = receive_all(ws, "crew_answer", "status")
        told, status = heard["crew_answer"], heard["status"]
        assert told["accepted"] is False and told["reason"] == "vehicle_fault"
        assert told["next"] is not None and told["next"]["ambulance_id"] != service.ambulance_id
        assert told["next"]["eta_s"] > 0
        assert (status["call_id"], status["after"]) == (call_id, "received")
    call = service.client.get(f"/api/calls/{call_id}", headers=service.auth("operator")).json()
    assert call["status"] == "received" and call["dispatch"] is None  # waiting again
    # The unit that refused is off duty for the same reason, and never recommended.
    fleet = service.client.get("/api/ambulances", headers=service.auth("operator")).json()
    mine = next(a for a in fleet if a["id"] == service.ambulance_id)
    assert (mine["status"], mine["off_duty_reason"]) == ("out_of_service", "vehicle_fault")
    assessment = service.client.get(
        f"/api/calls/{call_id}/assessment", headers=service.auth("operator")
    ).json()
    assert service.ambulance_id not in [a["ambulance_id"] for a in assessment["ambulances"]]
    assert post(service, "assignment/answer", "crew", {"accept": True}).status_code == 409
    # Back on duty: recommended again.
    back = post(service, "duty", "crew", {"on_duty": True})
    assert back.json() == {
        "ambulance_id": service.ambulance_id, "status": "available", "off_duty_reason": None,
    }  # fmt: skip
    cancel(service, call_id)


def test_off_duty_needs_a_reason_and_no_call_and_is_told(service: Service) -> None:
    assert post(service, "duty", "crew", {"on_duty": False}).status_code == 422
    assert post(service, "duty", "crew", {"on_duty": False, "reason": "nap"}).status_code == 422
    with service.client.websocket_connect(f"/ws/feed?token={service.keys['operator']}") as ws:
        receive(ws, "snapshot")
        off = post(service, "duty", "crew", {"on_duty": False, "reason": "refuelling"})
        assert off.status_code == 200 and off.json()["status"] == "out_of_service"
        told = receive(ws, "duty")
        assert told == {
            "type": "duty", "ambulance_id": service.ambulance_id, "on_duty": False,
            "reason": "refuelling", "at": told["at"],
        }  # fmt: skip
    assert post(service, "duty", "crew", {"on_duty": True}).status_code == 200
    call_id = dispatched_to(service, service.ambulance_id)
    busy = post(service, "duty", "crew", {"on_duty": False, "reason": "end_of_shift"})
    assert busy.status_code == 409 and "on a call" in busy.text
    cancel(service, call_id)


def test_only_a_crew_answers_and_only_for_its_own_ambulance(service: Service) -> None:
    call_id = dispatched_to(service, service.ambulance_id)
    # The other crew has no assignment: its answer cannot touch this call.
    other = post(service, "assignment/answer", "crew_other", {"accept": False, "reason": "other",
                                                              "note": "x"})  # fmt: skip
    assert other.status_code == 409
    for who in ("operator", "hospital", "agency"):
        assert post(service, "assignment/answer", who, {"accept": True}).status_code == 403
        assert post(service, "duty", who, {"on_duty": False, "reason": "other"}).status_code == 403
    call = service.client.get(f"/api/calls/{call_id}", headers=service.auth("operator")).json()
    assert call["status"] == "dispatched" and call["dispatch"]["accepted_at"] is None
    # An operator cannot push a call back to the queue by hand: only a refusal does.
    back = service.client.post(
        f"/api/calls/{call_id}/status", json={"status": "received"},
        headers=service.auth("operator"),
    )  # fmt: skip
    assert back.status_code == 409
    cancel(service, call_id)
