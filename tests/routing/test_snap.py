"""Snapping finds the true nearest road edge and refuses points it cannot place."""

from __future__ import annotations

import numpy as np
import pytest

from routing.errors import PointOutsideRegionError, PointTooFarFromRoadError, SnapError
from routing.geo import LonLat, haversine_m
from routing.region import Region
from tests.conftest import nearest_road_m, random_points


def test_snap_distance_equals_brute_force_over_all_edges(demo: Region) -> None:
    for point in random_points(demo, 300, seed=21):
        snap = demo.snap(point)
        assert snap.distance_m == pytest.approx(nearest_road_m(demo, point), abs=1e-6)
        # The reported point on the road is that far from the query (to projection accuracy).
        assert haversine_m(point, snap.on_road) == pytest.approx(
            snap.distance_m, rel=1e-3, abs=0.05
        )


def test_a_point_on_a_two_way_road_can_go_both_ways(demo: Region) -> None:
    net = demo.network
    edge = int(np.flatnonzero(net.reverse_edge >= 0)[1000])
    lon, lat = net.edge_points(edge)
    point = LonLat(lon[0] + 0.3 * (lon[-1] - lon[0]), lat[0] + 0.3 * (lat[-1] - lat[0]))
    snap = demo.snap(point)
    assert snap.distance_m < 0.5
    edges = {p.edge: p.fraction for p in snap.placements}
    assert edges.keys() == {edge, int(net.reverse_edge[edge])}
    assert edges[edge] == pytest.approx(0.3, abs=1e-3)
    assert edges[int(net.reverse_edge[edge])] == pytest.approx(0.7, abs=1e-3)


def test_a_point_on_a_one_way_street_has_one_direction(demo: Region) -> None:
    net = demo.network
    edge = int(np.flatnonzero(net.reverse_edge < 0)[0])
    lon, lat = net.edge_points(edge)
    snap = demo.snap(LonLat((lon[0] + lon[-1]) / 2, (lat[0] + lat[-1]) / 2))
    assert [p.edge for p in snap.placements] == [edge]
    assert snap.placements[0].fraction == pytest.approx(0.5, abs=1e-3)


def test_partial_edge_time_counts_in_the_eta(demo: Region) -> None:
    # Two points on the same one-way edge, near its head and near its tail: the one near the
    # tail needs most of the edge's time more to reach any hospital.
    net = demo.network
    edge = int(np.flatnonzero(net.reverse_edge < 0)[0])
    lon, lat = net.edge_points(edge)
    near_tail = LonLat(lon[0] + 0.1 * (lon[-1] - lon[0]), lat[0] + 0.1 * (lat[-1] - lat[0]))
    near_head = LonLat(lon[0] + 0.9 * (lon[-1] - lon[0]), lat[0] + 0.9 * (lat[-1] - lat[0]))
    eta_tail, _ = demo.travel_to_hospitals(near_tail)
    eta_head, _ = demo.travel_to_hospitals(near_head)
    assert eta_tail - eta_head == pytest.approx(0.8 * net.travel_time_s[edge], rel=1e-3)


def test_outside_the_region_is_a_clear_error(demo: Region) -> None:
    with pytest.raises(PointOutsideRegionError, match="outside the region"):
        demo.snap(LonLat(110.5, -7.0))


@pytest.mark.parametrize(
    "point", [LonLat(float("nan"), -7.4), LonLat(200.0, -7.4), LonLat(109.2, -95.0)]
)
def test_invalid_coordinates_are_refused(demo: Region, point: LonLat) -> None:
    with pytest.raises(SnapError):
        demo.snap(point)


def test_too_far_from_any_road_is_a_clear_error(demo_dir) -> None:  # type: ignore[no-untyped-def]
    # The demo has roads almost everywhere; with a 5 m limit most points are too far.
    strict = Region.load(demo_dir, max_snap_m=5.0)
    errors = 0
    for point in random_points(strict, 50, seed=22):
        try:
            strict.snap(point)
        except PointTooFarFromRoadError as exc:
            assert "the limit is 5 m" in str(exc)
            errors += 1
    assert errors > 40
