"""Points along and beyond every edge and corner of a region: each is placed on the true
nearest road, or refused with the routing library's own error, and never crashes."""

from __future__ import annotations

import contextlib
from collections import Counter

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routing import LonLat, Region
from routing.errors import PointOutsideRegionError, PointTooFarFromRoadError, RoutingError
from routing.geo import BBox
from tests.conftest import nearest_road_m

REACH_DEG = 0.03  # about 3.3 km either side of an edge: past the snapping distance
HYPOTHESIS = settings(
    max_examples=300, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)  # fmt: skip


@pytest.fixture(params=["demo", "small", "city"])
def region(request: pytest.FixtureRequest, demo: Region, osm_regions: dict[str, Region]) -> Region:
    return demo if request.param == "demo" else osm_regions[request.param]


def near_edges(bbox: BBox, per_side: int, across: int) -> list[LonLat]:
    """A dense band of points along each side (inside and out) and a grid at each corner."""
    points = []
    offsets = np.linspace(-REACH_DEG, REACH_DEG, across)
    for t in np.linspace(0.0, 1.0, per_side):
        lon = bbox.min_lon + t * (bbox.max_lon - bbox.min_lon)
        lat = bbox.min_lat + t * (bbox.max_lat - bbox.min_lat)
        for d in offsets:
            points += [
                LonLat(bbox.min_lon + d, lat), LonLat(bbox.max_lon + d, lat),
                LonLat(lon, bbox.min_lat + d), LonLat(lon, bbox.max_lat + d),
            ]  # fmt: skip
    for corner_lon in (bbox.min_lon, bbox.max_lon):
        for corner_lat in (bbox.min_lat, bbox.max_lat):
            points += [LonLat(corner_lon + a, corner_lat + b) for a in offsets for b in offsets]
    return points


def placed_or_refused(region: Region, point: LonLat) -> str:
    """Snap and rank one point; check the answer against a brute-force nearest road."""
    bbox, limit_m = region.meta.bbox, region.snapper.max_snap_m
    try:
        snap = region.snap(point)
    except PointOutsideRegionError:
        assert not bbox.contains(point)
        return "outside"
    except PointTooFarFromRoadError:
        assert bbox.contains(point)
        assert nearest_road_m(region, point) > limit_m - 1e-6
        return "too far"
    assert bbox.contains(point)
    assert snap.distance_m == pytest.approx(nearest_road_m(region, point), abs=1e-6)
    assert snap.distance_m <= limit_m
    ranking = region.rank_hospitals(point, "general")
    if ranking.best is not None and np.isfinite(ranking.best.eta_s):
        route = region.route_to_hospital(point, ranking.best.hospital.id)
        assert route.travel_time_s == pytest.approx(ranking.best.eta_s, rel=1e-9)
    return "placed"


def test_a_dense_band_along_every_edge_and_corner(region: Region) -> None:
    big = region.network.node_count > 10_000  # the brute-force check costs ms a point there
    points = near_edges(region.meta.bbox, 40 if big else 100, 13 if big else 25)
    outcomes = Counter(placed_or_refused(region, p) for p in points)
    assert outcomes["placed"] > 0 and outcomes["outside"] > 0, outcomes
    if region.meta.name == "city":  # its north-east has no road for kilometres
        assert outcomes["too far"] > 0, outcomes


@HYPOTHESIS
@given(data=st.data())
def test_any_point_near_an_edge_is_placed_or_refused(region: Region, data: st.DataObject) -> None:
    bbox = region.meta.bbox
    side = data.draw(st.sampled_from(["west", "east", "south", "north"]))
    t = data.draw(st.floats(0.0, 1.0))
    d = data.draw(st.floats(-REACH_DEG, REACH_DEG))
    lon = bbox.min_lon + t * (bbox.max_lon - bbox.min_lon)
    lat = bbox.min_lat + t * (bbox.max_lat - bbox.min_lat)
    point = {
        "west": LonLat(bbox.min_lon + d, lat), "east": LonLat(bbox.max_lon + d, lat),
        "south": LonLat(lon, bbox.min_lat + d), "north": LonLat(lon, bbox.max_lat + d),
    }[side]  # fmt: skip
    placed_or_refused(region, point)


@HYPOTHESIS
@given(
    lon=st.floats(allow_nan=True, allow_infinity=True),
    lat=st.floats(allow_nan=True, allow_infinity=True),
    category=st.one_of(st.sampled_from(["stemi", "general", "stroke"]), st.text(max_size=12)),
    hospital_id=st.one_of(st.sampled_from(["rsud-purwa"]), st.text(max_size=12)),
)
def test_only_the_librarys_own_errors_leave_it(
    demo: Region, lon: float, lat: float, category: str, hospital_id: str
) -> None:
    point = LonLat(lon, lat)
    for query in (
        lambda: demo.rank_hospitals(point, category),
        lambda: demo.route_to_hospital(point, hospital_id),
        lambda: demo.eta_to_hospital(point, hospital_id),
        lambda: demo.travel_from_posts(point),
        lambda: demo.route(point, demo.hospitals[0].location),
    ):
        # Refused with a reason the service maps to a clear answer, or answered.
        with contextlib.suppress(RoutingError):
            query()
