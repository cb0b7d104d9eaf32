"""Careless and hostile input gets a clear, short problem, never a 500, and never costs the
connection or the next request: dates, integers, long strings, binary frames, bodies sent
without a key, methods nobody serves (live server, both databases)."""

from __future__ import annotations

import asyncio
import json

import httpx2
import pytest
from websockets.asyncio.client import connect

from tests.hostile.conftest import Hostile, fix_message, now_iso

PROBLEM = "application/problem+json"
BAD_DATES = [
    "2026-11-28",  # a date only
    "2026-11-28T07:00:00",  # no zone
    "0001-01-01T00:00:00+14:00",  # before year 1 once in UTC
    "9999-12-31T23:59:59-12:00",  # after year 9999 once in UTC
    "1970-01-01T00:00:00Z",  # a real instant, but no call or road was ever at it
]


def _refused(response, *needles: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    assert "x-request-id" in response.headers
    assert all(n in response.text for n in needles), response.text


@pytest.mark.parametrize("value", BAD_DATES)
def test_every_date_input_refuses_times_without_a_zone_or_out_of_bounds(
    hostile: Hostile, value: str
) -> None:
    # One rule for every date-time a client sends: ISO 8601 with a zone, years 2000-2099.
    with hostile.client("admin") as admin:
        for path, name in (
            ("/api/calls", "since"),
            ("/api/calls", "until"),
            ("/api/audit", "since"),
        ):
            _refused(admin.get(path, params={name: value}), name)
        restriction = {
            "kind": "closure", "reason": "landslide", "expires_at": value,
            "geometry": {"type": "Point", "coordinates": [109.306, -7.4366]},
        }  # fmt: skip
        _refused(admin.post("/api/road-restrictions", json=restriction), "expires_at")
        ranking = {"lon": 109.233, "lat": -7.39, "category": "stemi", "departure_at": value}
        _refused(admin.post("/api/rankings", json=ranking), "departure_at")
        # The same with a zone is fine.
        assert admin.get("/api/calls", params={"since": "2026-11-28T07:00:00+07:00"}).is_success


def test_integers_beyond_any_page_are_refused(hostile: Hostile) -> None:
    with hostile.client("admin") as admin:
        for path in ("/api/calls", "/api/audit"):
            for offset in (2**63, 2**63 - 1, 10**30, -1):
                _refused(admin.get(path, params={"offset": offset}), "offset")
        _refused(admin.get("/api/calls/99999999999999999999"), "call_id")


def test_long_strings_are_refused_without_being_echoed(hostile: Hostile) -> None:
    long = "X" * 100_000
    with hostile.client("operator") as operator:
        answers = [
            operator.post("/api/calls", json={"category": long, "triage": "merah",
                                              "lon": 109.233, "lat": -7.39}),
            operator.post("/api/calls", json={"category": "stemi", "triage": "merah",
                                              "district_code": long}),
            operator.get("/api/calls", params={"district_code": long[:5000]}),
            operator.post("/api/rankings", json={"lon": 109.233, "lat": -7.39, "category": long}),
        ]  # fmt: skip
    for answer in answers:
        _refused(answer)
        assert len(answer.content) < 2_000 and "XXXXXXXXXX" not in answer.text


def test_control_characters_and_coerced_values_are_refused(hostile: Hostile) -> None:
    # PostgreSQL cannot store NUL: found by Schemathesis as a 500 on POST /api/users.
    with hostile.client("admin") as admin:

        def call(**fields: object) -> httpx2.Response:
            body = {"category": "stemi", "triage": "merah", "lon": 109.233, "lat": -7.39}
            return admin.post("/api/calls", json={**body, **fields})

        crew = {"name": "Crew\u0000", "role": "crew", "ambulance_id": "psc119-purwa-1"}
        _refused(admin.post("/api/users", json=crew), "name")
        _refused(call(address="Jl. Gatot\u0000"), "address")
        _refused(admin.get("/api/hospitals/rsud%00"), "hospital_id")
        _refused(admin.get("/api/audit", params={"entity": "call\u0000"}), "entity")
        # JSON's false is not a latitude, nor "2" a count.
        _refused(call(lat=False), "lat")
        _refused(call(patient_count="2"), "patient_count")
        # Line breaks belong in an address; a tab or a newline is kept.
        taken = call(address="Jl. Gatot Subroto 12\nRT 3/RW 2")
        assert taken.status_code == 201, taken.text


def test_a_bad_request_does_not_cost_the_connection(hostile: Hostile) -> None:
    # The same keep-alive connection: a body that is not JSON, then a good request.
    with hostile.client("operator") as operator:
        bad = operator.post(
            "/api/calls", content=b"{not json", headers={"content-type": "application/json"}
        )
        assert bad.status_code == 422 and bad.headers["content-type"] == PROBLEM
        assert operator.get("/api/calls").status_code == 200


def test_without_a_valid_key_a_bad_body_is_not_read(hostile: Hostile) -> None:
    with hostile.client() as anonymous:
        for headers in ({}, {"Authorization": "Bearer sat_forged"}):
            answer = anonymous.post(
                "/api/calls", content=b"{not json",
                headers={"content-type": "application/json", **headers},
            )  # fmt: skip
            assert answer.status_code == 401, answer.text
            assert answer.headers["content-type"] == PROBLEM


def test_a_method_nobody_serves_names_the_ones_served(hostile: Hostile) -> None:
    with hostile.client("operator") as operator:
        for method in ("TRACE", "PUT", "DELETE"):
            answer = operator.request(method, "/api/calls")
            assert answer.status_code == 405 and answer.headers["content-type"] == PROBLEM
            assert answer.headers["allow"] == "GET, HEAD, POST"


def test_a_binary_frame_gets_an_error_and_the_socket_stays_open(hostile: Hostile) -> None:
    async def scenario() -> tuple[dict, dict]:  # type: ignore[type-arg]
        async with connect(
            hostile.ws("/ws/crew"), additional_headers=hostile.auth("crew5")
        ) as crew:
            await crew.send(b"\x00\x01binary")
            error = json.loads(await asyncio.wait_for(crew.recv(), 10))
            await crew.send(fix_message(1, now_iso()))
            return error, json.loads(await asyncio.wait_for(crew.recv(), 10))

    error, ack = asyncio.run(scenario())
    assert error["type"] == "error" and "binary" in error["detail"]
    assert ack["type"] == "ack" and ack["stored"] == 1


def test_what_is_public_and_what_is_not(hostile: Hostile) -> None:
    with hostile.client() as anonymous:
        for path in ("/healthz", "/readyz", "/api/region", "/api/categories", "/openapi.json"):
            assert anonymous.get(path).status_code == 200, path
        assert anonymous.get("/metrics").status_code == 401  # calls per category: not public
        docs = anonymous.get("/docs")
        assert docs.status_code == 200
        # Swagger UI from this origin only: the page's policy would block a CDN.
        assert "https://" not in docs.text
        for asset in ("/docs-assets/swagger-ui-bundle.js", "/docs-assets/swagger-ui.css"):
            assert anonymous.get(asset).status_code == 200
