"""The service's routing routes over HTTP, on the demo region."""

from __future__ import annotations

import numpy as np
import pytest

from routing import Region
from tests.app.conftest import Service


def test_health_and_region_summary_say_synthetic(service: Service) -> None:
    client = service.client
    assert client.get("/healthz").json() == {"status": "ok"}
    summary = client.get("/api/region").json()
    assert summary["synthetic"] is True and summary["nodes"] >= 50_000


@pytest.mark.any_hour
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


def test_the_road_drawing_has_every_road_once_at_about_a_metre(
    service: Service, demo: Region
) -> None:
    response = service.client.get("/api/region/roads")
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"  # decoded by the client
    layer = response.json()
    network = demo.network
    two_way = int((network.reverse_edge >= 0).sum())
    assert len(layer["lines"]) == network.edge_count - two_way // 2
    classes = [line[0] for line in layer["lines"]]
    assert classes == sorted(classes)  # major roads first
    first = layer["lines"][0]
    lon, lat = first[1] / layer["scale"], first[2] / layer["scale"]
    nearest = np.hypot(network.node_lon - lon, network.node_lat - lat).min()
    assert nearest < 1.5e-5  # the first point is a node, to the metre
    again = service.client.get(
        "/api/region/roads", headers={"If-None-Match": response.headers["etag"]}
    )
    assert again.status_code == 304


@pytest.mark.any_hour
def test_a_route_to_a_hospital_ends_there_and_takes_the_ranked_time(service: Service) -> None:
    auth = service.auth("operator")
    ranking = service.client.post(
        "/api/rankings", json={"lon": 109.233, "lat": -7.39, "category": "stemi"}, headers=auth
    ).json()
    best = ranking["eligible"][0]
    route = service.client.post(
        "/api/routes",
        json={"origin": {"lon": 109.233, "lat": -7.39}, "hospital_id": best["hospital_id"]},
        headers=auth,
    ).json()
    assert route["eta_s"] == pytest.approx(best["eta_s"], abs=1.0)
    end = route["coordinates"][-1]
    assert abs(end[0] - best["lon"]) < 0.01 and abs(end[1] - best["lat"]) < 0.01
    refused = service.client.post(
        "/api/routes", json={"origin": {"lon": 109.233, "lat": -7.39}}, headers=auth
    )
    assert refused.status_code == 422 and "hospital_id" in refused.json()["detail"]


def test_me_names_the_role_and_what_it_is_bound_to(service: Service) -> None:
    me = service.client.get("/api/me", headers=service.auth("hospital")).json()
    assert me["role"] == "hospital" and me["hospital_id"] == service.hospital_id
    assert (
        service.client.get("/api/me", headers={"Authorization": "Bearer nope"}).status_code == 401
    )


# In the demo's north-east corner, 0.5 to 2 km from the nearest road: these crashed the
# snapping (IndexError) and the service answered a plain-text 500.
NEAR_THE_EDGE = [(109.49247, -7.26643), (109.49136, -7.26701), (109.4905, -7.2660)]


@pytest.mark.parametrize(("lon", "lat"), NEAR_THE_EDGE)
@pytest.mark.any_hour
def test_points_near_the_edge_are_ranked_and_routed(
    service: Service, lon: float, lat: float
) -> None:
    operator = service.auth("operator")
    ranking = service.client.post(
        "/api/rankings", json={"lon": lon, "lat": lat, "category": "general"}, headers=operator
    )
    assert ranking.status_code == 200, ranking.text
    best = ranking.json()["eligible"][0]
    route = service.client.post(
        "/api/routes",
        json={"origin": {"lon": lon, "lat": lat}, "hospital_id": best["hospital_id"]},
        headers=operator,
    )
    assert route.status_code == 200, route.text
    assert route.json()["eta_s"] == pytest.approx(best["eta_s"], abs=0.1)


def test_a_band_across_every_edge_of_the_region_never_gets_a_server_error(
    service: Service, demo: Region
) -> None:
    box, operator = demo.meta.bbox, service.auth("operator")
    statuses: dict[int, int] = {}
    for t in np.linspace(0.0, 1.0, 12):
        lon = box.min_lon + t * (box.max_lon - box.min_lon)
        lat = box.min_lat + t * (box.max_lat - box.min_lat)
        for d in (-0.02, -0.001, 0.0, 0.001, 0.01, 0.02):
            for point in ((box.min_lon + d, lat), (box.max_lon + d, lat),
                          (lon, box.min_lat + d), (lon, box.max_lat + d)):  # fmt: skip
                response = service.client.post(
                    "/api/rankings",
                    json={"lon": point[0], "lat": point[1], "category": "stemi"},
                    headers=operator,
                )
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                if response.status_code != 200:
                    assert response.status_code == 422, response.text
                    assert response.headers["content-type"] == "application/problem+json"
    assert statuses.get(200, 0) > 0 and statuses.get(422, 0) > 0, statuses
