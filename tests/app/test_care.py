"""The patient record en route: the crew records vitals and interventions; out-of-range values
are refused, alarming ones flagged; the receiving hospital and the operators get each entry at
once, nobody else reads it; a resent entry is stored once; the handover sheet is a PDF."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.app.conftest import Service
from tests.app.feed_messages import receive

NEAR_PURWA = {"lon": 109.233, "lat": -7.39}


@pytest.fixture
def call_id(service: Service) -> Iterator[int]:
    """A call with the crew's ambulance, referred to the test hospital."""
    made: int = service.call(**NEAR_PURWA)["call"]["id"]
    operator = service.auth("operator")
    sent = service.client.post(
        f"/api/calls/{made}/dispatch", json={"ambulance_id": service.ambulance_id}, headers=operator
    )
    assert sent.status_code == 200, sent.text
    referred = service.client.post(
        f"/api/calls/{made}/referral",
        json={"hospital_id": service.hospital_id, "override_reason": "test"},
        headers=operator,
    )
    assert referred.status_code == 200, referred.text
    yield made
    service.client.post(
        f"/api/calls/{made}/status",
        json={"status": "cancelled", "reason": "test"},
        headers=operator,
    )


def entry(at_s: float = 0, **body: Any) -> dict[str, Any]:
    when = datetime(2026, 11, 29, 3, 0, tzinfo=UTC) + timedelta(seconds=at_s)
    return {"recorded_at": when.isoformat(), **body}


def post(service: Service, call_id: int, who: str, body: dict[str, Any]) -> Any:
    return service.client.post(f"/api/calls/{call_id}/care", json=body, headers=service.auth(who))


def test_vitals_reach_the_receiving_hospital_at_once_with_alarms(
    service: Service, call_id: int
) -> None:
    feed = "/ws/feed?token={}"
    with (
        service.client.websocket_connect(feed.format(service.keys["hospital"])) as hospital,
        service.client.websocket_connect(feed.format(service.keys["hospital_other"])) as other,
    ):
        receive(hospital, "snapshot"), receive(other, "snapshot")
        vitals = {"systolic_mmhg": 85, "diastolic_mmhg": 50, "pulse_bpm": 128,
                  "respiratory_rate": 26, "spo2_percent": 88, "gcs_eye": 2, "gcs_verbal": 2,
                  "gcs_motor": 4, "glucose_mg_dl": 140}  # fmt: skip
        answer = post(service, call_id, "crew", entry(0, vitals=vitals))
        assert answer.status_code == 201, answer.text
        stored = answer.json()
        assert stored["alarms"] == ["spo2_low", "systolic_low", "gcs_low"]
        assert stored["duplicate"] is False
        told = receive(hospital, "care")
        assert told["call_id"] == call_id and told["data"]["spo2_percent"] == 88
        assert told["alarms"] == ["spo2_low", "systolic_low", "gcs_low"]
        # The other hospital hears nothing of it: its first care message is its own patient's.
        drug = {"kind": "drug", "drug": {"name": "Adrenalin", "dose": 1, "unit": "mg",
                                         "route": "iv"}}  # fmt: skip
        assert post(service, call_id, "crew", entry(60, intervention=drug)).status_code == 201
        assert receive(hospital, "care")["data"]["drug"]["name"] == "Adrenalin"
    # Sent again after a dropped link: stored once.
    again = post(service, call_id, "crew", entry(0, vitals=vitals))
    assert again.status_code == 201 and again.json()["duplicate"] is True
    record = service.client.get(f"/api/calls/{call_id}/care", headers=service.auth("hospital"))
    assert [e["kind"] for e in record.json()] == ["vitals", "intervention"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"vitals": {"spo2_percent": 101}}, "spo2_percent"),
        ({"vitals": {"pulse_bpm": 400}}, "pulse_bpm"),
        ({"vitals": {"systolic_mmhg": 80, "diastolic_mmhg": 90}}, "diastolic"),
        ({"vitals": {"gcs_eye": 2}}, "GCS"),
        ({"vitals": {"temperature_c": 51.0}}, "temperature_c"),
        ({"vitals": {}}, "at least one"),
        ({"vitals": {"pulse_bpm": "80"}}, "pulse_bpm"),
        ({"intervention": {"kind": "drug"}}, "drug"),
        ({"intervention": {"kind": "other"}}, "detail"),
        (
            {
                "intervention": {
                    "kind": "drug",
                    "drug": {"name": "x", "dose": -1, "unit": "mg", "route": "iv"},
                }
            },
            "dose",
        ),
        ({"triage": "ungu"}, "triage"),
        ({"note": "a", "triage": "merah"}, "exactly one"),
    ],
)
def test_impossible_values_are_refused_by_name(
    service: Service, call_id: int, body: dict[str, Any], field: str
) -> None:
    answer = post(service, call_id, "crew", entry(5, **body))
    assert answer.status_code == 422, answer.text
    assert field in answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")


def test_only_the_crew_the_operators_and_the_receiving_hospital_see_it(
    service: Service, call_id: int
) -> None:
    note = entry(10, note="pasien sadar, mengeluh nyeri dada")
    assert post(service, call_id, "crew_other", note).status_code == 404
    assert post(service, call_id, "hospital", note).status_code == 403
    assert post(service, call_id, "agency", note).status_code == 403
    assert post(service, call_id, "operator", note).status_code == 201
    for who, status in (("crew", 200), ("operator", 200), ("hospital", 200),
                        ("hospital_other", 404), ("crew_other", 404), ("agency", 403),
                        ("facility", 403)):  # fmt: skip
        seen = service.client.get(f"/api/calls/{call_id}/care", headers=service.auth(who))
        assert seen.status_code == status, (who, seen.text)


def test_a_retriage_changes_the_call_and_the_sheet_is_a_pdf(service: Service, call_id: int) -> None:
    assert post(service, call_id, "crew", entry(20, triage="kuning")).status_code == 201
    call = service.client.get(f"/api/calls/{call_id}", headers=service.auth("operator")).json()
    assert call["triage"] == "kuning"
    vitals = {"systolic_mmhg": 120, "diastolic_mmhg": 80, "pulse_bpm": 90, "spo2_percent": 97}
    post(service, call_id, "crew", entry(30, vitals=vitals))
    sheet = service.client.get(
        f"/api/calls/{call_id}/handover.pdf", headers=service.auth("hospital")
    )
    assert sheet.status_code == 200 and sheet.headers["content-type"] == "application/pdf"
    assert sheet.content.startswith(b"%PDF")
    assert b"Serah Terima" in sheet.content and b"120/80" in sheet.content
    assert b"triase ulang: KUNING" in sheet.content
    refused = service.client.get(
        f"/api/calls/{call_id}/handover.pdf", headers=service.auth("hospital_other")
    )
    assert refused.status_code == 404
