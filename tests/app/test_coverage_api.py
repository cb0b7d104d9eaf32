"""GET /api/coverage: bands with shares and GeoJSON polygons; a hospital on diversion stops
counting at once; bad capabilities and limits are refused by name."""

from __future__ import annotations

import shapely

from tests.app.conftest import Service


def coverage(service: Service, **params: object) -> dict:  # type: ignore[type-arg]
    response = service.client.get(
        "/api/coverage", params={"capability": "cath_lab", **params},
        headers=service.auth("operator"),
    )  # fmt: skip
    assert response.status_code == 200, response.text
    body: dict = response.json()  # type: ignore[type-arg]
    return body


def test_coverage_has_nested_bands_with_polygons(service: Service) -> None:
    body = coverage(service)
    assert body["synthetic_region"] is True and body["period"] == "free flow"
    assert [b["limit_min"] for b in body["bands"]] == [15, 30, 60]
    for key in ("area_km2", "road_share", "population_share"):
        values = [b[key] for b in body["bands"]]
        assert values == sorted(values) and values[0] > 0, key
    assert all(b["road_share"] <= 1 and b["population_share"] <= 1 for b in body["bands"])
    polygon = shapely.geometry.shape(body["bands"][0]["geometry"])
    assert polygon.geom_type in {"Polygon", "MultiPolygon"} and polygon.is_valid
    hospital = service.app.state.region.hospital(body["hospital_ids"][0]).location
    assert polygon.contains(shapely.Point(hospital.lon, hospital.lat))
    assert [b["limit_min"] for b in coverage(service, limits_min=[10])["bands"]] == [10]


def test_a_hospital_on_diversion_stops_counting(service: Service) -> None:
    before = coverage(service)
    hospital_id = service.hospital_id  # rsud-purwa, which has a cath lab
    assert hospital_id in before["hospital_ids"]
    diverted = service.client.put(
        f"/api/hospitals/{hospital_id}/readiness",
        json={"on_diversion": True, "diversion_reason": "cath lab team away"},
        headers=service.auth("hospital"),
    )
    assert diverted.status_code == 200, diverted.text
    try:
        after = coverage(service)
        assert after["excluded"] == {hospital_id: "on diversion"}
        assert after["bands"][0]["road_km"] < before["bands"][0]["road_km"]
    finally:
        service.client.put(
            f"/api/hospitals/{hospital_id}/readiness", json={"on_diversion": False},
            headers=service.auth("hospital"),
        )  # fmt: skip


def test_bad_capability_and_limits_are_refused_by_name(service: Service) -> None:
    auth = service.auth("operator")
    unknown = service.client.get("/api/coverage", params={"capability": "x"}, headers=auth)
    assert unknown.status_code == 422 and "unknown capability" in unknown.json()["detail"]
    too_long = service.client.get(
        "/api/coverage", params={"capability": "nicu", "limits_min": 500}, headers=auth
    )
    assert too_long.status_code == 422 and "limits_min" in too_long.json()["detail"]
