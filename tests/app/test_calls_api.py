"""The whole call flow over HTTP, on SQLite and PostgreSQL: intake, ranking, ambulance,
dispatch, referral, status changes, hospital handover, transfers, listing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.app.conftest import Service

AJIBARANG = {"lon": 109.036, "lat": -7.392}  # near the crew's ambulance post


def status(service: Service, call_id: int, to: str, who: str = "operator", **extra: Any) -> Any:
    return service.client.post(
        f"/api/calls/{call_id}/status", json={"status": to, **extra}, headers=service.auth(who)
    )


def test_whole_flow_from_call_to_closed(service: Service) -> None:
    created = service.call(
        caller={"nik": "3302264107900001", "phone": "0812-3456-7890", "name": "Siti Aminah"},
        patients=[{"name": "Budi", "age_years": 58, "sex": "male", "condition": "chest pain"}],
    )
    call, assessment = created["call"], created["assessment"]
    assert call["status"] == "received" and call["id"] > 0
    assert call["location"]["district_code"] == "330226"  # nearest district centre (demo)
    # The ranking explains every hospital; the recommendation is the fastest eligible one.
    ranking = assessment["ranking"]
    assert len(ranking["eligible"]) + len(ranking["passed_over"]) == 20
    best = assessment["recommended_hospital"]
    assert best["fallback"] is False
    assert best["hospital"]["hospital_id"] == ranking["eligible"][0]["hospital_id"]
    assert all(h["reasons"] for h in ranking["passed_over"])
    # The ambulance recommendation is the nearest available by road, with its ETA.
    options = assessment["ambulances"]
    assert options and [o["eta_s"] for o in options] == sorted(o["eta_s"] for o in options)
    assert call["recommended_ambulance_id"] == options[0]["ambulance_id"]

    call_id = call["id"]
    auth = service.auth("operator")
    dispatched = service.client.post(f"/api/calls/{call_id}/dispatch", json={}, headers=auth)
    assert dispatched.status_code == 200, dispatched.text
    assert dispatched.json()["status"] == "dispatched"
    assert dispatched.json()["dispatch"]["ambulance_id"] == options[0]["ambulance_id"]
    assert dispatched.json()["dispatch"]["recommended"] is True
    referred = service.client.post(f"/api/calls/{call_id}/referral", json={}, headers=auth)
    assert referred.status_code == 200, referred.text
    assert referred.json()["referral"]["hospital_id"] == best["hospital"]["hospital_id"]
    for to in ("en_route", "on_scene", "transporting", "at_hospital", "closed"):
        moved = status(service, call_id, to)
        assert moved.status_code == 200, moved.text
        assert moved.json()["status"] == to
    # The ambulance is free again, and every step is in the audit log with who did it.
    ambulances = service.client.get("/api/ambulances", headers=auth).json()
    used = next(a for a in ambulances if a["id"] == options[0]["ambulance_id"])
    assert used["status"] == "available"
    events = service.client.get(
        "/api/audit", params={"entity": "call", "entity_id": str(call_id)},
        headers=service.auth("admin"),
    ).json()  # fmt: skip
    actions = [(e["action"], e["detail"].get("after")) for e in reversed(events)]
    assert ("call.created", None) in actions and ("call.referred", None) in actions
    afters = [after for action, after in actions if action == "call.status"]
    assert afters == ["dispatched", "en_route", "on_scene", "transporting", "at_hospital", "closed"]
    assert all(e["actor_user_id"] == service.user_ids["operator"] for e in events
               if e["action"] != "call.verification")  # fmt: skip


def test_illegal_transitions_answer_409_and_change_nothing(service: Service) -> None:
    call_id = service.call()["call"]["id"]
    skipped = status(service, call_id, "on_scene")
    assert skipped.status_code == 409
    assert "received" in skipped.json()["detail"]
    direct = status(service, call_id, "dispatched")
    assert direct.status_code == 409 and "dispatch" in direct.json()["detail"]
    no_reason = status(service, call_id, "cancelled")
    assert no_reason.status_code == 422 and no_reason.json()["field"] == "reason"
    assert (
        status(service, call_id, "cancelled", reason="caller hung up, duplicate").status_code == 200
    )
    again = status(service, call_id, "received")
    assert again.status_code == 409
    got = service.client.get(f"/api/calls/{call_id}", headers=service.auth("operator")).json()
    assert got["status"] == "cancelled"


def test_transport_needs_a_destination_and_a_busy_ambulance_cannot_be_taken(
    service: Service,
) -> None:
    auth = service.auth("operator")
    first = service.call(**AJIBARANG)["call"]["id"]
    second = service.call(**AJIBARANG)["call"]["id"]
    taken = service.client.post(
        f"/api/calls/{first}/dispatch", json={"ambulance_id": service.ambulance_id}, headers=auth
    )
    assert taken.status_code == 200
    busy = service.client.post(
        f"/api/calls/{second}/dispatch", json={"ambulance_id": service.ambulance_id}, headers=auth
    )
    assert busy.status_code == 409 and "not available" in busy.json()["detail"]
    # The recommendation skips the busy ambulance.
    options = service.client.get(f"/api/calls/{second}/assessment", headers=auth).json()
    assert service.ambulance_id not in [o["ambulance_id"] for o in options["ambulances"]]
    for to in ("en_route", "on_scene"):
        assert status(service, first, to).status_code == 200
    no_destination = status(service, first, "transporting")
    assert no_destination.status_code == 409 and "hospital" in no_destination.json()["detail"]
    assert status(service, first, "closed").status_code == 200  # treated on scene
    status(service, second, "cancelled", reason="test")


def test_overriding_the_recommended_hospital_needs_a_reason_and_is_audited(
    service: Service,
) -> None:
    created = service.call()
    call_id = created["call"]["id"]
    recommended = created["assessment"]["recommended_hospital"]["hospital"]["hospital_id"]
    other = next(
        h["hospital_id"]
        for h in created["assessment"]["ranking"]["eligible"]
        if h["hospital_id"] != recommended
    )
    auth = service.auth("operator")
    refused = service.client.post(
        f"/api/calls/{call_id}/referral", json={"hospital_id": other}, headers=auth
    )
    assert refused.status_code == 422 and refused.json()["field"] == "override_reason"
    accepted = service.client.post(
        f"/api/calls/{call_id}/referral",
        json={"hospital_id": other, "override_reason": "family asks for their own cardiologist"},
        headers=auth,
    )
    assert accepted.status_code == 200
    referral = accepted.json()["referral"]
    assert referral["hospital_id"] == other and referral["recommended_hospital_id"] == recommended
    events = service.client.get(
        "/api/audit", params={"action": "call.referred", "entity_id": str(call_id)},
        headers=service.auth("admin"),
    ).json()  # fmt: skip
    assert events[0]["detail"]["overridden"] is True
    assert events[0]["detail"]["override_reason"] == "family asks for their own cardiologist"
    status(service, call_id, "cancelled", reason="test")


def test_a_call_with_only_a_district_is_taken_and_ranked_from_its_centre(
    service: Service,
) -> None:
    created = service.call(lon=None, lat=None, district_code="330219", address="Jl. Raya 5")
    assert created["call"]["location"]["source"] == "district"
    assert created["call"]["location"]["district_name"] == "Sokaraja"
    assert "approximate" in created["assessment"]["location_note"]
    assert created["assessment"]["ranking"]["eligible"]
    # A district the demo region has no centre for: stored, and the operator is told why.
    unknown = service.call(lon=None, lat=None, district_code="330201")
    assert unknown["call"]["status"] == "received"
    assert unknown["assessment"]["ranking"] is None
    assert "locate the caller" in unknown["assessment"]["location_note"]


def test_bad_input_gets_a_clear_error_that_names_the_field(service: Service) -> None:
    auth = service.auth("operator")
    post = service.client.post
    base = {"category": "stemi", "triage": "merah", "lon": 109.233, "lat": -7.39}
    cases = [
        ({**base, "lat": -97.0}, "body.lat"),
        ({**base, "triage": "red"}, "body.triage"),
        ({**base, "patients": [{"age_years": 300}]}, "body.patients.0.age_years"),
        ({k: v for k, v in base.items() if k != "category"}, "body.category"),
    ]
    for body, fault in cases:
        response = post("/api/calls", json=body, headers=auth)
        assert response.status_code == 422, body
        assert response.headers["content-type"] == "application/problem+json"
        assert fault in [e["field"] for e in response.json()["errors"]]
    unknown_category = post("/api/calls", json={**base, "category": "alien"}, headers=auth)
    assert unknown_category.status_code == 422 and "alien" in unknown_category.json()["detail"]
    nowhere = post("/api/calls", json={"category": "stemi", "triage": "merah"}, headers=auth)
    assert nowhere.status_code == 422 and nowhere.json()["field"] == "lon"
    bad_district = post("/api/calls", json={**base, "district_code": "999999"}, headers=auth)
    assert bad_district.status_code == 422 and bad_district.json()["field"] == "district_code"
    not_json = service.client.post(
        "/api/calls", content=b"{not json", headers={**auth, "content-type": "application/json"}
    )
    assert not_json.status_code == 422


def test_a_point_outside_the_region_is_still_a_stored_call(service: Service) -> None:
    created = service.call(lon=110.4, lat=-7.0)  # Semarang: far outside the demo region
    assert created["call"]["status"] == "received"
    assert created["assessment"]["ranking"] is None
    assert "cannot route" in created["assessment"]["location_note"]


def test_readiness_reports_change_the_ranking_and_carry_their_times(service: Service) -> None:
    hospital = service.auth("hospital")
    where = {"lon": 109.2417, "lat": -7.3600}  # next to RSUD Purwa
    before = service.call(**where)["assessment"]
    assert before["recommended_hospital"]["hospital"]["hospital_id"] == service.hospital_id
    diverted = service.client.put(
        f"/api/hospitals/{service.hospital_id}/readiness",
        json={"on_diversion": True, "diversion_reason": "IGD full", "free_beds": {"icu": 0}},
        headers=hospital,
    )
    assert diverted.status_code == 200, diverted.text
    readiness = diverted.json()["readiness"]
    assert readiness["on_diversion"] is True and readiness["diversion_since"] is not None
    assert readiness["beds"]["icu"]["free"] == 0 and readiness["beds"]["icu"]["stale"] is False
    after = service.call(**where)["assessment"]
    assert after["recommended_hospital"]["hospital"]["hospital_id"] != service.hospital_id
    entry = next(
        h for h in after["ranking"]["passed_over"] if h["hospital_id"] == service.hospital_id
    )
    codes = {r["code"] for r in entry["reasons"]}
    assert {"on_diversion", "no_free_bed"} <= codes
    assert any("IGD full" in r["message"] for r in entry["reasons"])
    # A partial report changes only what it names: the diversion stays.
    beds = service.client.put(
        f"/api/hospitals/{service.hospital_id}/readiness",
        json={"free_beds": {"icu": 3}},
        headers=hospital,
    ).json()["readiness"]
    assert beds["on_diversion"] is True and beds["beds"]["icu"]["free"] == 3
    off = service.client.put(
        f"/api/hospitals/{service.hospital_id}/readiness",
        json={"on_diversion": False},
        headers=hospital,
    )
    assert off.json()["readiness"]["on_diversion"] is False
    again = service.call(**where)["assessment"]
    assert again["recommended_hospital"]["hospital"]["hospital_id"] == service.hospital_id
    going = service.client.put(
        f"/api/hospitals/{service.hospital_id}/readiness",
        json={"on_diversion": True},
        headers=hospital,
    )
    assert going.status_code == 422 and going.json()["field"] == "diversion_reason"
    wrong_kind = service.client.put(
        f"/api/hospitals/{service.hospital_id}/readiness",
        json={"free_beds": {"helipad": 1}},
        headers=hospital,
    )
    assert wrong_kind.status_code == 422 and wrong_kind.json()["field"] == "free_beds.helipad"


def test_the_hospital_sees_its_incoming_patient_and_acknowledges(service: Service) -> None:
    created = service.call(
        lon=109.2417, lat=-7.3600,
        caller={"nik": "3302264107900001", "name": "Siti Aminah"},
        patients=[{"name": "Budi Santoso", "age_years": 61, "sex": "male", "condition": "STEMI"}],
    )  # fmt: skip
    call_id = created["call"]["id"]
    service.client.post(
        f"/api/calls/{call_id}/referral",
        json={"hospital_id": service.hospital_id, "override_reason": "test"},
        headers=service.auth("operator"),
    )
    incoming = service.client.get(
        f"/api/hospitals/{service.hospital_id}/incoming", headers=service.auth("hospital")
    )
    assert incoming.status_code == 200
    mine = next(i for i in incoming.json() if i["call_id"] == call_id)
    assert mine["triage"] == "merah" and mine["patients"][0]["condition"] == "STEMI"
    assert "Budi" not in incoming.text and "Siti" not in incoming.text  # no names, no NIK
    assert "3302264107900001" not in incoming.text
    # Another hospital sees neither the patient nor the referral.
    other = service.client.get(
        f"/api/hospitals/{service.other_hospital_id}/incoming",
        headers=service.auth("hospital_other"),
    )
    assert call_id not in [i["call_id"] for i in other.json()]
    stolen = service.client.post(
        f"/api/referrals/{mine['referral_id']}/acknowledgement",
        headers=service.auth("hospital_other"),
    )
    assert stolen.status_code == 404
    ack = service.client.post(
        f"/api/referrals/{mine['referral_id']}/acknowledgement", headers=service.auth("hospital")
    )
    assert ack.status_code == 200 and ack.json()["acknowledged_at"] is not None
    seen = service.client.get(f"/api/calls/{call_id}", headers=service.auth("operator")).json()
    assert seen["referral"]["acknowledged_at"] is not None  # the operator sees the acknowledgement
    status(service, call_id, "cancelled", reason="test")


def test_the_crew_moves_its_own_call_only(service: Service) -> None:
    call_id = service.call(**AJIBARANG)["call"]["id"]
    service.client.post(
        f"/api/calls/{call_id}/dispatch",
        json={"ambulance_id": service.ambulance_id},
        headers=service.auth("operator"),
    )
    assignment = service.client.get("/api/crew/assignment", headers=service.auth("crew")).json()
    assert assignment["call"]["id"] == call_id
    assert status(service, call_id, "en_route", who="crew_other").status_code == 403
    assert status(service, call_id, "en_route", who="crew").status_code == 200
    assert status(service, call_id, "closed", who="crew").status_code == 403
    assert status(service, call_id, "cancelled", reason="test").status_code == 200
    after = service.client.get("/api/crew/assignment", headers=service.auth("crew")).json()
    assert after["call"] is None


def test_a_facility_requests_a_transfer_from_its_own_location(service: Service) -> None:
    response = service.client.post(
        "/api/transfers",
        json={"category": "obstetric_emergency", "triage": "kuning",
              "patients": [{"age_years": 27, "sex": "female", "condition": "pre-eclampsia"}]},
        headers=service.auth("facility"),
    )  # fmt: skip
    assert response.status_code == 201, response.text
    call = response.json()["call"]
    assert call["transfer"] is True and call["location"]["source"] == "facility"
    assert (call["location"]["lon"], call["location"]["lat"]) == (109.05, -7.41)
    assert response.json()["assessment"]["recommended_hospital"] is not None
    mine = service.client.get("/api/transfers", headers=service.auth("facility")).json()
    assert call["id"] in [c["id"] for c in mine]
    status(service, call["id"], "cancelled", reason="test")


def test_only_the_handling_operator_reads_personal_data_until_another_takes_over(
    service: Service,
) -> None:
    created = service.call(
        caller={"nik": "3302264107900003", "phone": "0812-3333-0003", "name": "Sari"},
        address="Jl. Gatot Subroto 12",
    )["call"]
    call_id = created["id"]
    assert created["handled_by"] == service.user_ids["operator"]
    assert created["caller"]["nik_masked"] == "330226********03"

    def personal(who: str) -> Any:
        return service.client.get(f"/api/calls/{call_id}/personal", headers=service.auth(who))

    mine = personal("operator")
    assert mine.status_code == 200 and mine.json()["caller_nik"] == "3302264107900003"
    for who in ("operator_other", "admin"):
        refused = personal(who)
        assert refused.status_code == 403, who
        assert "take it over" in refused.json()["detail"]
        assert "3302264107900003" not in refused.text and "Sari" not in refused.text

    taken = service.client.post(
        f"/api/calls/{call_id}/take-over", headers=service.auth("operator_other")
    )
    assert (
        taken.status_code == 200
        and taken.json()["handled_by"] == service.user_ids["operator_other"]
    )
    assert taken.json()["caller"]["nik_masked"] == "330226********03"
    assert personal("operator_other").json()["address"] == "Jl. Gatot Subroto 12"
    assert personal("operator").status_code == 403  # the previous handler lost access

    audit = service.client.get(
        "/api/audit", params={"entity": "call", "entity_id": call_id},
        headers=service.auth("admin"),
    ).json()  # fmt: skip
    actions = [(e["action"], e["actor_user_id"]) for e in audit]
    assert ("call.taken_over", service.user_ids["operator_other"]) in actions
    assert actions.count(("call.personal_data_read", service.user_ids["operator"])) == 1
    status(service, call_id, "cancelled", reason="test")


def test_a_transfer_request_is_handled_by_whoever_takes_it_over(service: Service) -> None:
    response = service.client.post(
        "/api/transfers",
        json={"category": "obstetric_emergency", "triage": "kuning",
              "patients": [{"name": "Ny. Wati", "age_years": 31, "sex": "female"}]},
        headers=service.auth("facility"),
    )  # fmt: skip
    call = response.json()["call"]
    assert call["handled_by"] is None
    refused = service.client.get(
        f"/api/calls/{call['id']}/personal", headers=service.auth("operator")
    )
    assert refused.status_code == 403 and "handled by no one yet" in refused.json()["detail"]
    service.client.post(f"/api/calls/{call['id']}/take-over", headers=service.auth("operator"))
    readable = service.client.get(
        f"/api/calls/{call['id']}/personal", headers=service.auth("operator")
    )
    assert readable.json()["patient_names"] == ["Ny. Wati"]
    status(service, call["id"], "cancelled", reason="test")


def test_calls_are_listed_and_filtered(service: Service) -> None:
    auth = service.auth("operator")
    started = datetime.now(UTC)
    sokaraja = service.call(lon=109.3517, lat=-7.4269)["call"]["id"]
    purwa = service.call()["call"]["id"]
    status(service, purwa, "cancelled", reason="test")
    listed = service.client.get(
        "/api/calls", params={"since": started.isoformat()}, headers=auth
    ).json()
    assert [c["id"] for c in listed][:2] == [purwa, sokaraja]  # newest first
    by_district = service.client.get(
        "/api/calls", params={"district_code": "330219", "since": started.isoformat()}, headers=auth
    ).json()
    assert [c["id"] for c in by_district] == [sokaraja]
    cancelled = service.client.get(
        "/api/calls",
        params=[("status", "cancelled"), ("status", "closed"), ("since", started.isoformat())],
        headers=auth,
    ).json()
    assert [c["id"] for c in cancelled] == [purwa]
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert service.client.get("/api/calls", params={"since": future}, headers=auth).json() == []
    earlier = service.client.get("/api/calls", params={"until": started.isoformat()}, headers=auth)
    assert sokaraja not in [c["id"] for c in earlier.json()]
    status(service, sokaraja, "cancelled", reason="test")


def test_a_known_number_is_recognised_and_its_nik_checked(service: Service) -> None:
    registered = service.client.post(
        "/api/callers",
        json={"nik": "3302264107900002", "phone": "+62 812 9999 0001", "name": "Rina"},
        headers=service.auth("operator"),
    )
    assert registered.status_code == 201
    assert registered.json()["nik_masked"] == "330226********02"
    created = service.call(caller={"phone": "0812-9999-0001"})
    assert created["caller_known"] is True
    assert created["call"]["caller"]["nik_masked"] == "330226********02"
    assert created["call"]["verification"]["status"] in {"pending", "not_found"}
    stranger = service.call(caller={"phone": "0812-9999-0002"})
    assert stranger["caller_known"] is False
    assert stranger["call"]["verification"]["status"] == "not_given"
    bad = service.client.post(
        "/api/callers", json={"nik": "3302264107900000", "phone": "0812"},
        headers=service.auth("operator"),
    )  # fmt: skip
    assert bad.status_code == 422


def test_an_id_beyond_the_database_integer_is_a_clear_422(service: Service) -> None:
    # Found by the fuzzer: such an id overflowed SQLite and PostgreSQL integers (a 500).
    for path in ("/api/calls/29823074342036676608", "/api/calls/2147483648/assessment"):
        response = service.client.get(path, headers=service.auth("operator"))
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"].endswith("call_id")
