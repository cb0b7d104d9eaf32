"""Coverage on the demo region: isochrone polygons hold exactly the nodes within the limit,
road shares agree with sampled points, and diversion and closures shrink coverage."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely

from routing import Region
from routing.conditions import Restriction
from routing.coverage import covered_road_m, eligible, time_to_nearest
from routing.demo import geography as geo
from routing.ranking import Readiness


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory, demo_dir: Path) -> Region:
    return Region.load(demo_dir)


def test_polygons_contain_exactly_the_nodes_within_the_limit(region: Region) -> None:
    coverage = region.coverage("cath_lab")
    columns, _ = eligible(region.hospitals, "cath_lab", None)
    to_hospital = time_to_nearest(region.view, columns)
    network = region.network
    coords = np.column_stack((network.node_lon, network.node_lat))
    _, first, count = np.unique(coords, axis=0, return_index=True, return_counts=True)
    alone = first[count == 1]  # nodes sharing a place share a cell: judged apart below
    for band in coverage.bands:
        inside = shapely.contains_xy(band.polygon, network.node_lon[alone], network.node_lat[alone])
        assert np.array_equal(inside, to_hospital[alone] <= band.limit_s), band.limit_s
        assert band.nodes == int((to_hospital <= band.limit_s).sum())
    areas = [b.area_km2 for b in coverage.bands]
    assert areas == sorted(areas) and 0 < coverage.bands[0].area_share < 1


def test_road_share_agrees_with_points_sampled_along_the_roads(region: Region) -> None:
    columns, _ = eligible(region.hospitals, "neurosurgery", None)
    to_hospital = time_to_nearest(region.view, columns)
    network = region.network
    rng = np.random.default_rng(7)
    edges = rng.choice(network.edge_count, 4000, p=network.length_m / network.length_m.sum())
    fraction = rng.random(4000)
    w = network.travel_time_s[edges]
    # From a point on a two-way road the ambulance may leave either way.
    ahead = (1 - fraction) * w + to_hospital[network.head[edges]]
    reverse = network.reverse_edge[edges]
    back = np.where(reverse >= 0, fraction * w + to_hospital[network.tail[edges]], np.inf)
    best = np.minimum(ahead, back)
    total_m = covered_road_m(network, np.zeros(network.node_count), 1e12)
    for limit_s in (900.0, 1800.0):
        share = covered_road_m(network, to_hospital, limit_s) / total_m
        assert share == pytest.approx(float((best <= limit_s).mean()), abs=0.03)


def test_diversion_and_a_capability_down_shrink_coverage(region: Region) -> None:
    full = region.coverage("cath_lab")
    first, second = full.hospital_ids[:2]
    readiness = {
        first: Readiness(on_diversion=True, diversion_reason="CT broken"),
        second: Readiness(capabilities_down=frozenset({"cath_lab"})),
    }
    less = region.coverage("cath_lab", readiness)
    assert less.excluded == {first: "on diversion", second: "cath_lab down"}
    assert first not in less.hospital_ids
    for narrow, wide in zip(less.bands, full.bands, strict=True):
        assert narrow.road_km < wide.road_km and narrow.nodes < wide.nodes


def test_a_closed_bridge_shrinks_coverage_across_the_river(demo_dir: Path) -> None:
    region = Region.load(demo_dir)
    before = region.coverage("neurosurgery")
    proj = geo.projection()
    for x_m in geo.BRIDGES_X_M:
        centre = proj.point_to_lonlat(x_m, float(geo.river_y(x_m)))
        area = shapely.Point(centre.lon, centre.lat).buffer(0.004)
        region.update(restrictions=[*region.view.conditions.restrictions,
                                    Restriction(region.edges_in(area))])  # fmt: skip
    after = region.coverage("neurosurgery")
    assert after.view_version > before.view_version
    assert after.bands[-1].road_km < before.bands[-1].road_km
    assert after.bands[-1].population is not None and before.bands[-1].population is not None
    assert after.bands[-1].population < before.bands[-1].population


def test_population_shares_are_nested_and_bounded(region: Region) -> None:
    coverage = region.coverage("ponek")
    assert coverage.total_population and coverage.total_population > 1_000_000
    shares = [b.population_share for b in coverage.bands]
    assert all(s is not None and 0 <= s <= 1 for s in shares)
    assert shares == sorted(shares)


def test_an_unknown_capability_is_refused_by_name(region: Region) -> None:
    with pytest.raises(Exception, match="unknown capability 'teleport'"):
        region.coverage("teleport")
