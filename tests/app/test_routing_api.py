"""The service's routing routes over HTTP, on the demo region."""

from __future__ import annotations

import pytest

from tests.app.conftest import Service


def test_health_and_region_summary_say_synthetic(service: Service) -> None:
    client = service.client
    assert client.get("/healthz").json() == {"status": "ok"}
    summary = client.get("/api/region").json()
    assert summary["synthetic"] is True and summary["nodes"] >= 50_000


def test_ranking_explains_every_hospital(service: Service) -> None:
    response = service.client.post(
        "/api/rankings",
        json={"lon": 109.233, "lat": -7.39, "category": "stemi"},
        headers=service.auth("operator"),
    )
    assert response.status_code == 200
    body = response.json()
    assert body["synthetic_region"] is True
    assert len(body["eligible"]) + len(body["passed_over"]) == 20
    etas = [h["eta_s"] for h in body["eligible"]]
    assert etas == sorted(etas) and etas[0] > 0
    assert all(h["reasons"] for h in body["passed_over"])
    assert any(r["subject"] == "cath_lab" for h in body["passed_over"] for r in h["reasons"])


@pytest.mark.parametrize(
    ("payload", "status", "needle"),
    [
        ({"lon": 250, "lat": -7.39, "category": "stemi"}, 422, "lon"),
        ({"lon": 109.233, "category": "stemi"}, 422, "lat"),
        ({"lon": 112.0, "lat": -7.39, "category": "stemi"}, 422, "outside the region"),
        ({"lon": 109.233, "lat": -7.39, "category": "sakit"}, 422, "unknown emergency category"),
    ],
)
def test_bad_input_gets_a_clear_error(
    service: Service, payload: dict, status: int, needle: str
) -> None:  # type: ignore[type-arg]
    response = service.client.post("/api/rankings", json=payload, headers=service.auth("operator"))
    assert response.status_code == status
    assert needle in response.text


def test_every_route_has_a_description_in_openapi(service: Service) -> None:
    spec = service.client.get("/openapi.json").json()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            assert operation.get("description") or operation.get("summary"), f"{method} {path}"
            assert operation.get("description"), f"{method.upper()} {path} has no description"
