"""The public's door: a citizen registers with NIK and phone, confirms the phone with a code
from the (development) outbox, presses the emergency button, and follows only their own call;
operators see it marked as from the app with the verification state; pranks suspend an account
for app calls only; an account can be deleted. SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session, col, select

from app.models import OutboxMessage
from tests.app.conftest import Service
from tests.app.feed_messages import receive

PHONE_POINT = {"lon": 109.2330, "lat": -7.3900, "accuracy_m": 12.0}
NIKS = iter(f"33022641079{n:05d}" for n in range(1, 99999))


def last_code(service: Service) -> str:
    """The code in the newest outbox message (development gateway)."""
    vault = service.app.state.vault
    with Session(service.app.state.engine) as session:
        row = session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id).desc())).first()
    assert row is not None and row.purpose == "citizen_code"
    text = str(vault.decrypt(row.text_ciphertext))
    return text.split(": ", 1)[1].split(".", 1)[0]


def register(service: Service, phone: str, nik: str | None = None) -> tuple[int, str]:
    """A confirmed citizen: their id and key."""
    body = {"nik": nik or next(NIKS), "name": "Siti Aminah", "phone": phone}
    made = service.client.post("/api/public/register", json=body)
    assert made.status_code == 201, made.text
    citizen_id: int = made.json()["citizen_id"]
    assert made.json()["phone_masked"].endswith(phone[-3:]) and phone not in made.text
    confirmed = service.client.post(
        "/api/public/confirm", json={"citizen_id": citizen_id, "code": last_code(service)}
    )
    assert confirmed.status_code == 200, confirmed.text
    return citizen_id, confirmed.json()["key"]


def as_citizen(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def press(service: Service, key: str, **body: Any) -> Any:
    payload = {"kind": "sakit_mendadak", "people_hurt": 1, **PHONE_POINT, **body}
    return service.client.post("/api/public/emergency", json=payload, headers=as_citizen(key))


def test_register_confirm_call_and_follow_only_ones_own_call(service: Service) -> None:
    made = service.client.post(
        "/api/public/register", json={"nik": next(NIKS), "name": "Budi", "phone": "081311112222"}
    )
    citizen_id = made.json()["citizen_id"]
    wrong = service.client.post(
        "/api/public/confirm", json={"citizen_id": citizen_id, "code": "000000"}
    )
    assert wrong.status_code == 422 and "tries left" in wrong.text
    key = service.client.post(
        "/api/public/confirm", json={"citizen_id": citizen_id, "code": last_code(service)}
    ).json()["key"]
    me = service.client.get("/api/public/me", headers=as_citizen(key)).json()
    assert me["nik_masked"].startswith("3302") and "*" in me["nik_masked"]
    with service.client.websocket_connect(f"/ws/feed?token={service.keys['operator']}") as ws:
        receive(ws, "snapshot")
        pressed = press(
            service, key, kind="kecelakaan_lalu_lintas", people_hurt=2, text="motor jatuh"
        )
        assert pressed.status_code == 201, pressed.text
        call_id = pressed.json()["call_id"]
        opened = receive(ws, "call")
        assert opened["call"]["call_id"] == call_id  # on the operators' screens at once
    assert pressed.json()["status"] == "diterima"
    seen = service.client.get(f"/api/calls/{call_id}", headers=service.auth("operator")).json()
    assert seen["source"] == "app" and seen["incident"] == "traffic_accident"
    assert seen["patient_count"] == 2 and seen["caller"]["phone_masked"].endswith("222")
    assert seen["verification"]["status"] in (
        "pending",
        "not_found",
        "verified",
        "registry_unavailable",
    )
    queue = service.client.get(
        "/api/calls",
        params={"source": "app", "status": "received"},
        headers=service.auth("operator"),
    ).json()
    assert call_id in [c["id"] for c in queue]  # the app calls not yet taken
    # The operator dispatches; the citizen sees the ambulance coming, and nothing internal.
    service.client.post(f"/api/calls/{call_id}/dispatch", json={}, headers=service.auth("operator"))
    followed = service.client.get(f"/api/public/calls/{call_id}", headers=as_citizen(key)).json()
    assert followed["status"] == "ambulans_berangkat"
    assert set(followed) == {
        "call_id", "status", "created_at", "status_at", "lon", "lat", "ambulance_lon",
        "ambulance_lat", "ambulance_eta_s", "ambulance_at",
    }  # fmt: skip
    # Another citizen does not see it; an operator's key is not a citizen's.
    _, other = register(service, "081399998888")
    assert (
        service.client.get(f"/api/public/calls/{call_id}", headers=as_citizen(other)).status_code
        == 404
    )
    assert service.client.get("/api/public/calls", headers=as_citizen(other)).json() == []
    assert (
        service.client.get(
            f"/api/public/calls/{call_id}", headers=service.auth("operator")
        ).status_code
        == 403
    )
    service.client.post(
        f"/api/calls/{call_id}/status", json={"status": "cancelled", "reason": "test"},
        headers=service.auth("operator"),
    )  # fmt: skip
    assert (
        service.client.get(f"/api/public/calls/{call_id}", headers=as_citizen(key)).json()["status"]
        == "dibatalkan"
    )


def test_one_nik_one_account(service: Service) -> None:
    nik = next(NIKS)
    register(service, "081322223333", nik)
    elsewhere = service.client.post(
        "/api/public/register", json={"nik": nik, "name": "Siti", "phone": "081344445555"}
    )
    assert elsewhere.status_code == 409
    # The same NIK on the same phone signs in again (a new phone, a reinstalled app).
    again = service.client.post(
        "/api/public/register", json={"nik": nik, "name": "Siti", "phone": "081322223333"}
    )
    assert again.status_code == 201
    bad = service.client.post(
        "/api/public/register", json={"nik": "1234", "name": "X", "phone": "0813"}
    )
    assert bad.status_code == 422


def test_gps_refused_uses_the_district_and_address(service: Service) -> None:
    _, key = register(service, "081355556666")
    pressed = press(service, key, lon=None, lat=None, accuracy_m=None, district_code="330226",
                    address="Jl. Merdeka 5, dekat masjid")  # fmt: skip
    assert pressed.status_code == 201, pressed.text
    seen = service.client.get(
        f"/api/calls/{pressed.json()['call_id']}", headers=service.auth("operator")
    ).json()
    assert (
        seen["location"]["source"] == "district" and seen["location"]["district_code"] == "330226"
    )


def test_repeated_pranks_suspend_app_calls_until_an_admin_reinstates(service: Service) -> None:
    citizen_id, key = register(service, "081366667777")
    for _ in range(3):
        pressed = press(service, key)
        assert pressed.status_code == 201, pressed.text
        marked = service.client.post(
            f"/api/calls/{pressed.json()['call_id']}/prank", json={"reason": "tidak ada kejadian"},
            headers=service.auth("operator"),
        )  # fmt: skip
        assert marked.status_code == 200 and marked.json()["prank"] is True
    refused = press(service, key)
    assert refused.status_code == 403 and "119" in refused.text
    assert service.client.get("/api/public/me", headers=as_citizen(key)).json()["suspended"] is True
    back = service.client.post(
        f"/api/citizens/{citizen_id}/reinstate", headers=service.auth("admin")
    )
    assert back.status_code == 200 and back.json()["suspended"] is False
    events = service.client.get(
        "/api/audit", params={"action": "call.prank"}, headers=service.auth("admin")
    ).json()
    assert any(e["detail"]["account_suspended"] for e in events)


def test_too_many_app_calls_are_refused(service: Service) -> None:
    _, key = register(service, "081377778888")
    answers = [press(service, key).status_code for _ in range(4)]
    assert answers == [201, 201, 201, 429]


def test_an_account_is_deleted_on_request(service: Service) -> None:
    citizen_id, key = register(service, "081388889999")
    assert service.client.delete("/api/public/me", headers=as_citizen(key)).status_code == 204
    assert service.client.get("/api/public/me", headers=as_citizen(key)).status_code == 401
    from app.models import Citizen  # noqa: PLC0415

    with Session(service.app.state.engine) as session:
        gone = session.get(Citizen, citizen_id)
        assert gone is not None and gone.deleted_at is not None
        assert (
            gone.nik_ciphertext is None and gone.phone_ciphertext is None and gone.nik_hash is None
        )
    events = service.client.get(
        "/api/audit", params={"entity": "citizen", "entity_id": str(citizen_id)},
        headers=service.auth("admin"),
    ).json()  # fmt: skip
    assert {e["action"] for e in events} >= {"citizen.registered", "citizen.deleted"}


@pytest.mark.parametrize("kind", ["kecelakaan_lalu_lintas", "ibu_hamil_melahirkan", "kebakaran"])
def test_first_aid_is_given_for_each_kind(service: Service, kind: str) -> None:
    kinds = service.client.get("/api/public/emergency-kinds").json()
    assert kinds["kinds"][kind]["first_aid"] and kinds["review"]
