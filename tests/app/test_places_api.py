"""Place search over HTTP: by village and by street, the nearest place, the map's labels."""

from __future__ import annotations

from tests.app.conftest import Service


def search(service: Service, query: str, **params: object) -> list[dict]:  # type: ignore[type-arg]
    response = service.client.get(
        "/api/places", params={"q": query, **params}, headers=service.auth("operator")
    )
    assert response.status_code == 200, response.text
    found: list[dict] = response.json()  # type: ignore[type-arg]
    return found


def test_an_operator_finds_a_village_and_a_street_in_a_town(service: Service) -> None:
    village = search(service, "karangsari")
    assert village[0]["kind"] == "village" and village[0]["name"] == "Karangsari"
    assert village[0]["area"]  # its district, to read back to the caller
    street = search(service, "jl sudirman kota purwa")
    assert (street[0]["name"], street[0]["area"]) == ("Jl. Jend. Sudirman", "Kota Purwa")
    assert -7.6 < street[0]["lat"] < -7.2 and 108.9 < street[0]["lon"] < 109.6
    assert search(service, "sudirman", limit=3, kind="street")[0]["kind"] == "street"
    assert len(search(service, "sudirman", limit=3)) == 3
    assert search(service, "tidak ada tempat seperti ini qqq") == []


def test_the_nearest_place_is_read_back_with_its_distance(service: Service) -> None:
    pasar = search(service, "pasar kota purwa")[0]
    response = service.client.get(
        "/api/places/nearest",
        params={"lon": pasar["lon"] + 0.0002, "lat": pasar["lat"]},
        headers=service.auth("operator"),
    )
    assert response.status_code == 200
    near = response.json()
    assert near["name"] == "Pasar Kota Purwa" and 10 < near["distance_m"] < 40
    outside = service.client.get(
        "/api/places/nearest", params={"lon": 112.0, "lat": -7.4}, headers=service.auth("operator")
    )
    assert outside.status_code == 200 and outside.json() is None


def test_bad_queries_and_other_roles_are_refused_clearly(service: Service) -> None:
    client, operator = service.client, service.auth("operator")
    assert client.get("/api/places", params={"q": ""}, headers=operator).status_code == 422
    assert client.get("/api/places", params={"q": "x" * 101}, headers=operator).status_code == 422
    bad_kind = client.get("/api/places", params={"q": "a", "kind": "river"}, headers=operator)
    assert bad_kind.status_code == 422
    assert bad_kind.headers["content-type"].startswith("application/problem+json")
    assert client.get("/api/places", params={"q": "pasar"}).status_code == 401
    refused = client.get("/api/places", params={"q": "pasar"}, headers=service.auth("hospital"))
    assert refused.status_code == 403


def test_the_map_overlay_names_places_and_draws_the_river(service: Service) -> None:
    response = service.client.get("/api/region/overlay")
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"  # the client unzipped it
    body = response.json()
    kinds = {kind for kind, *_ in body["labels"]}
    assert {"district", "village", "street", "landmark"} <= kinds
    assert "hospital" not in kinds  # drawn as hospitals, with their readiness
    assert body["features"]["synthetic"] is True
    assert any(f["properties"]["kind"] == "river" for f in body["features"]["features"])
    again = service.client.get(
        "/api/region/overlay", headers={"If-None-Match": response.headers["etag"]}
    )
    assert again.status_code == 304
