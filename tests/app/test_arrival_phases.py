"""The receiving hospital sees when the patient reaches its door, in every phase of the call:
an estimate before transport, the drive itself after. A module of its own: its crew's
ambulance starts with no fix and no call."""

from __future__ import annotations

import pytest

from routing import LonLat
from tests.app.conftest import Service
from tests.app.test_feeds import push, receive


def test_the_hospital_sees_when_the_patient_arrives_in_every_phase(service: Service) -> None:
    """The board's number is the arrival at this hospital, not the ETA to the scene: before
    transport an estimate (to the scene + the typical time on scene + scene to hospital),
    then the drive itself; with the phase in each position."""
    region = service.app.state.region
    on_scene_s = service.app.state.settings.on_scene_s
    far = (109.2100, -7.4000)  # a scene some minutes from the hospital
    onward_s = region.eta_to_hospital(LonLat(*far), service.hospital_id)
    auth = service.auth("operator")
    with service.client.websocket_connect(f"/ws/feed?token={service.keys['hospital']}") as board:
        receive(board, "snapshot")
        call_id = service.call(lon=far[0], lat=far[1])["call"]["id"]
        dispatched = service.client.post(
            f"/api/calls/{call_id}/dispatch", json={"ambulance_id": service.ambulance_id},
            headers=auth,
        )  # fmt: skip
        assert dispatched.status_code == 200, dispatched.text
        referred = service.client.post(
            f"/api/calls/{call_id}/referral",
            json={"hospital_id": service.hospital_id, "override_reason": "test"}, headers=auth,
        )  # fmt: skip
        assert referred.status_code == 200, referred.text
        receive(board, "referral")

        post = next(p for p in region.posts if service.ambulance_id.startswith(p.id))
        push(service, post.location.lon, post.location.lat, seconds_ago=1800)
        to_scene = receive(board, "position")
        assert to_scene["phase"] == "to_scene" and to_scene["hospital_eta_estimated"]
        expected = to_scene["eta_s"] + on_scene_s + onward_s
        assert to_scene["hospital_eta_s"] == pytest.approx(expected, abs=1)

        for status in ("en_route", "on_scene", "transporting"):
            moved = service.client.post(
                f"/api/calls/{call_id}/status", json={"status": status}, headers=auth
            )
            assert moved.status_code == 200, moved.text
            if status == "on_scene":
                push(service, far[0], far[1], seconds_ago=20)
                on_scene = receive(board, "position")
                assert on_scene["phase"] == "on_scene" and on_scene["hospital_eta_estimated"]
                assert on_scene["eta_s"] is None  # going nowhere while on scene
                # What is left of the typical time on scene (a second or two went by).
                left = on_scene["hospital_eta_s"] - onward_s
                assert on_scene_s - 5 <= left <= on_scene_s + 0.1  # rounded to 0.1 s
        push(service, far[0], far[1], seconds_ago=10)
        transporting = receive(board, "position")
        assert transporting["phase"] == "to_hospital"
        assert not transporting["hospital_eta_estimated"]
        assert transporting["hospital_eta_s"] == transporting["eta_s"]
        assert transporting["eta_s"] == pytest.approx(onward_s, abs=1)
