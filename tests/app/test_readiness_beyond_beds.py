"""A hospital reports its specialists on call and its blood, at the board or from its own
information system (a machine key, role hospital-system): in bulk, idempotently, and used by
rankings like beds. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from app.models import utcnow
from tests.app.conftest import Service

NEAR_PURWA = {"lon": 109.2417, "lat": -7.3600}
EVERYONE = ["obgyn", "surgery", "neurosurgery", "anaesthesia", "cardiology", "paediatrics",
            "internal_medicine"]  # fmt: skip


def push(service: Service, who: str, **body: Any) -> Any:
    return service.client.put(
        f"/api/hospitals/{service.hospital_id}/readiness", json=body, headers=service.auth(who)
    )


def cover(*codes: str, hours: float = 12) -> dict[str, dict[str, str]]:
    start = utcnow() - timedelta(hours=1)
    end = start + timedelta(hours=hours)
    return {c: {"start": start.isoformat(), "end": end.isoformat()} for c in codes}


def reasons_for(service: Service, category: str) -> list[dict[str, Any]]:
    ranked = service.client.post(
        "/api/rankings", json={**NEAR_PURWA, "category": category}, headers=service.auth("operator")
    ).json()
    everyone = ranked["eligible"] + ranked["passed_over"]
    return list(next(h for h in everyone if h["hospital_id"] == service.hospital_id)["reasons"])


def audit_count(service: Service) -> int:
    events = service.client.get(
        "/api/audit", params={"entity": "hospital", "entity_id": service.hospital_id,
                              "action": "readiness.reported", "limit": 1000},
        headers=service.auth("admin"),
    ).json()  # fmt: skip
    return len(events)


def test_a_hospital_system_pushes_its_whole_state_idempotently(service: Service) -> None:
    as_of = utcnow().replace(microsecond=0)
    state = {
        "free_beds": {"igd": 6, "icu": 2}, "on_call": cover(*EVERYONE),
        "blood_units": {"O+": 9, "O-": 3, "A+": 5}, "as_of": as_of.isoformat(),
    }  # fmt: skip
    first = push(service, "hospital_system", **state)
    assert first.status_code == 200, first.text
    readiness = first.json()["readiness"]
    assert set(readiness["on_call"]) == set(EVERYONE)
    assert readiness["blood_units"] == {"O+": 9, "O-": 3, "A+": 5}
    assert not readiness["on_call_stale"] and not readiness["blood_stale"]
    reports = audit_count(service)
    again = push(service, "hospital_system", **state)  # a retry after a lost answer
    assert again.status_code == 200 and again.json()["readiness"] == readiness
    assert audit_count(service) == reports  # nothing new was reported
    older = push(
        service, "hospital_system", **{**state, "as_of": (as_of - timedelta(minutes=5)).isoformat()}
    )
    assert older.status_code == 409 and "newer" in older.text
    assert reasons_for(service, "obstetric_emergency") == []


def test_rankings_use_specialists_and_blood_with_reasons(service: Service) -> None:
    ok = push(service, "hospital", on_call=cover("surgery", "cardiology"), blood_units={"O+": 1})
    assert ok.status_code == 200, ok.text
    obstetric = {(r["code"], r["subject"]) for r in reasons_for(service, "obstetric_emergency")}
    assert obstetric == {("no_specialist", "obgyn"), ("no_specialist", "anaesthesia"),
                         ("low_blood", "O+")}  # fmt: skip
    assert reasons_for(service, "stemi") == []  # the cardiologist is on call
    # A cover starting later says from when.
    later = utcnow() + timedelta(hours=3)
    tonight = {"start": later.isoformat(), "end": (later + timedelta(hours=10)).isoformat()}
    push(service, "hospital", on_call={**cover("surgery", "anaesthesia"), "obgyn": tonight},
         blood_units={"O+": 8})  # fmt: skip
    (waiting,) = reasons_for(service, "obstetric_emergency")
    assert (waiting["code"], waiting["subject"]) == ("no_specialist", "obgyn")
    assert waiting["until"] is not None
    push(service, "hospital", on_call=cover(*EVERYONE), blood_units={"O+": 20})


def test_bad_reports_are_refused_and_change_nothing(service: Service) -> None:
    before = service.client.get(
        f"/api/hospitals/{service.hospital_id}", headers=service.auth("hospital")
    ).json()["readiness"]
    backwards = cover("obgyn")
    backwards["obgyn"] = {"start": backwards["obgyn"]["end"], "end": backwards["obgyn"]["start"]}
    for body, field in [
        ({"on_call": cover("astrologer")}, "astrologer"),
        ({"on_call": backwards}, "obgyn"),
        ({"on_call": cover("obgyn", hours=24 * 30)}, "obgyn"),
        ({"blood_units": {"Z+": 3}}, "blood_units"),
        ({"blood_units": {"O+": -1}}, "blood_units"),
        ({"on_call": {"obgyn": {"start": "tomorrow"}}}, "on_call"),
    ]:
        refused = push(service, "hospital_system", **body)
        assert refused.status_code == 422 and field in refused.text, (body, refused.text)
    after = service.client.get(
        f"/api/hospitals/{service.hospital_id}", headers=service.auth("hospital")
    ).json()["readiness"]
    assert after == before


def test_a_hospital_system_reports_for_its_own_hospital_only(service: Service) -> None:
    other = service.client.put(
        f"/api/hospitals/{service.other_hospital_id}/readiness",
        json={"blood_units": {"O+": 1}}, headers=service.auth("hospital_system"),
    )  # fmt: skip
    assert other.status_code == 404
    feed = service.client.get(
        "/api/hospitals/rsud-purwa/incoming", headers=service.auth("hospital_system")
    )
    assert feed.status_code == 403  # a machine key pushes readiness; it sees no patients
