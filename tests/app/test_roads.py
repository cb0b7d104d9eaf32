"""Road closures over HTTP, on SQLite and PostgreSQL: a closure reaches the rankings within
seconds, ends by itself at its expiry, survives a restart, is listed, lifted and audited;
bad shapes and dates are refused clearly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import shapely

from routing import LonLat, Region
from routing.demo import geography as geo
from routing.speed_profile import DEFAULT_PROFILE_PATH, FREE_FLOW, SpeedProfile
from tests.app.conftest import Service, running_service
from tests.waiting import wait_until

BRIDGE_X_M = 9_500.0


def bank(offset_m: float) -> dict[str, float]:
    point = geo.projection().point_to_lonlat(BRIDGE_X_M, float(geo.river_y(BRIDGE_X_M)) + offset_m)
    return {"lon": point.lon, "lat": point.lat}


def bridge_polygon() -> dict[str, Any]:
    centre = bank(0)
    return shapely.geometry.mapping(shapely.Point(centre["lon"], centre["lat"]).buffer(0.004))


@pytest.fixture
def region(demo_dir: Path) -> Region:
    """A region of its own: these tests close its roads."""
    return Region.load(demo_dir)


def best(service: Service) -> tuple[str, float]:
    ranking = service.client.post(
        "/api/rankings", json={**bank(800), "category": "general"},
        headers=service.auth("operator"),
    ).json()  # fmt: skip
    first = ranking["eligible"][0]
    return first["hospital_id"], first["eta_s"]


def close_bridge(service: Service, expires_in_s: float, **extra: Any) -> Any:
    expires = datetime.now(UTC) + timedelta(seconds=expires_in_s)
    return service.client.post(
        "/api/road-restrictions",
        json={"kind": "closure", "geometry": bridge_polygon(), "reason": "landslide on the "
              "bridge approach", "expires_at": expires.isoformat(), **extra},
        headers=service.auth("operator"),
    )  # fmt: skip


@pytest.mark.any_hour
def test_a_closure_reaches_rankings_within_seconds_and_ends_at_its_expiry(
    database_url: str, region: Region, tmp_path: Path
) -> None:
    with running_service(database_url, tmp_path, region) as service:
        open_best = best(service)
        posted = close_bridge(service, expires_in_s=6)
        assert posted.status_code == 201, posted.text
        body = posted.json()
        assert body["active"] is True and body["edge_count"] >= 2
        closed_best = wait_until(
            lambda: (b := best(service))[0] != open_best[0] and b, "the closure", timeout_s=3
        )
        assert closed_best[1] > open_best[1]
        listed = service.client.get("/api/road-restrictions", headers=service.auth("operator"))
        assert [r["id"] for r in listed.json()] == [body["id"]]
        conditions = service.client.get(
            "/api/region/conditions", headers=service.auth("operator")
        ).json()
        assert conditions["restrictions_in_force"] == 1 and conditions["closed_edges"] >= 2
        # At its expiry the bridge opens again by itself.
        wait_until(lambda: best(service) == open_best, "the expiry", timeout_s=12)
        assert (
            service.client.get("/api/road-restrictions", headers=service.auth("operator")).json()
            == []
        )
        past = service.client.get(
            "/api/road-restrictions", params={"include_past": True},
            headers=service.auth("operator"),
        ).json()  # fmt: skip
        assert past[0]["id"] == body["id"] and past[0]["active"] is False
        audit = service.client.get(
            "/api/audit", params={"action": "road.restricted"}, headers=service.auth("admin")
        ).json()
        assert audit[0]["entity_id"] == str(body["id"])
        assert audit[0]["detail"]["reason"] == "landslide on the bridge approach"


def test_a_closure_survives_a_restart_and_lifting_it_is_audited(
    database_url: str, demo_dir: Path, tmp_path: Path
) -> None:
    with running_service(database_url, tmp_path, Region.load(demo_dir)) as service:
        open_best = best(service)
        restriction_id = close_bridge(service, expires_in_s=3600).json()["id"]
    # A new process: the closure is applied before the first request is served.
    with running_service(database_url, tmp_path, Region.load(demo_dir)) as service:
        assert best(service)[0] != open_best[0]
        lifted = service.client.delete(
            f"/api/road-restrictions/{restriction_id}", headers=service.auth("operator")
        )
        assert lifted.status_code == 200 and lifted.json()["active"] is False
        wait_until(lambda: best(service) == open_best, "the lift", timeout_s=3)
        actions = [
            e["action"]
            for e in service.client.get(
                "/api/audit", params={"entity": "road_restriction"},
                headers=service.auth("admin"),
            ).json()
        ]  # fmt: skip
        assert actions[:2] == ["road.lifted", "road.restricted"]


def test_a_slowdown_slows_without_closing(
    database_url: str, region: Region, tmp_path: Path
) -> None:
    with running_service(database_url, tmp_path, region) as service:
        before = best(service)
        slowed = close_bridge(service, expires_in_s=600, kind="slowdown", factor=20)
        assert slowed.status_code == 201, slowed.text
        wait_until(lambda: best(service) != before, "the slowdown", timeout_s=3)
        conditions = service.client.get(
            "/api/region/conditions", headers=service.auth("operator")
        ).json()
        assert conditions["closed_edges"] == 0 and conditions["restrictions_in_force"] == 1


BAD_REQUESTS: list[tuple[dict[str, Any], str, str]] = [
    ({"geometry": {"type": "Point"}}, "geometry", "GeoJSON"),
    ({"geometry": {"type": "Point", "coordinates": [120.0, -7.4]}}, "geometry", "inside"),
    # In the river, 227 m from the nearest road.
    ({"geometry": {"type": "Point", "coordinates": [108.99326, -7.41395]}}, "geometry", "road"),
    ({"expires_at": "2020-01-01T00:00:00Z"}, "expires_at", "future"),
    ({"expires_at": "2099-01-01T00:00:00Z"}, "expires_at", "30 days"),
    ({"kind": "slowdown"}, "factor", "factor above 1"),
    ({"factor": 2.0}, "factor", "no factor"),
    ({"reason": ""}, "reason", "at least 3"),
]


def test_bad_restrictions_are_refused_with_the_field_named(
    database_url: str, region: Region, tmp_path: Path
) -> None:
    with running_service(database_url, tmp_path, region) as service:
        for change, field, needle in BAD_REQUESTS:
            body = {
                "kind": "closure", "geometry": bridge_polygon(), "reason": "test",
                "expires_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat(), **change,
            }  # fmt: skip
            response = service.client.post(
                "/api/road-restrictions", json=body, headers=service.auth("operator")
            )
            assert response.status_code == 422, (change, response.text)
            assert response.headers["content-type"] == "application/problem+json"
            assert field in response.text and needle in response.text, (change, response.text)
        listed = service.client.get("/api/road-restrictions", headers=service.auth("operator"))
        assert listed.json() == []
        assert region.view.version == 0  # nothing reached the roads


@pytest.mark.any_hour
def test_rankings_for_a_departure_at_rush_hour_and_at_night_differ_as_the_profile_says(
    database_url: str, region: Region, tmp_path: Path
) -> None:
    profile = str(DEFAULT_PROFILE_PATH)
    with running_service(database_url, tmp_path, region, speed_profile=profile) as service:

        def etas(departure: str) -> dict[str, float]:
            ranking = service.client.post(
                "/api/rankings", headers=service.auth("operator"),
                json={**bank(3000), "category": "general", "departure_at": departure},
            ).json()  # fmt: skip
            return {h["hospital_id"]: h["eta_s"] for h in ranking["eligible"]}

        rush = etas("2026-11-23T07:30:00+07:00")  # a Monday
        night = etas("2026-11-23T02:00:00+07:00")
        assert rush.keys() == night.keys()
        for hospital, seconds in rush.items():
            # Slower at rush hour, by at most the slowest rush factor (0.65) against the
            # fastest night factor (1.15).
            assert 1.0 < seconds / night[hospital] <= 1.15 / 0.65 + 1e-6
        conditions = service.client.get(
            "/api/region/conditions", headers=service.auth("operator")
        ).json()
        assert conditions["profile"][0]["name"] == "weekday morning rush"


@pytest.mark.any_hour
def test_a_ranking_now_runs_on_the_roads_of_this_hour(
    database_url: str, region: Region, tmp_path: Path, pinned_clock: datetime | None
) -> None:
    # Under each pinned instant (rush, midday, Saturday evening, night) and the real clock.
    profile = SpeedProfile.load(DEFAULT_PROFILE_PATH)
    with running_service(
        database_url, tmp_path, region, speed_profile=str(DEFAULT_PROFILE_PATH)
    ) as service:
        now = datetime.now(UTC)
        period = profile.period_at(now)
        conditions = service.client.get(
            "/api/region/conditions", headers=service.auth("operator")
        ).json()
        assert conditions["period"] == (period.name if period else FREE_FLOW)
        ranking = service.client.post(
            "/api/rankings", headers=service.auth("operator"),
            json={**bank(3000), "category": "general"},
        ).json()  # fmt: skip
        expected = region.travel_to_hospitals(
            LonLat(bank(3000)["lon"], bank(3000)["lat"]), view=region.view_at(now)
        )[0]
        for entry in ranking["eligible"]:
            index = next(i for i, h in enumerate(region.hospitals) if h.id == entry["hospital_id"])
            assert entry["eta_s"] == pytest.approx(expected[index], abs=0.1)
