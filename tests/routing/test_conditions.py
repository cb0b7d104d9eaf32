"""Closures, slowdowns and time-of-day speeds on the demo region: rankings follow the roads
in force, views swap whole, and only the tables a change can affect are recomputed."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
import shapely

from routing import LonLat, Region
from routing.conditions import Restriction, affected_columns
from routing.demo import geography as geo
from routing.engine import SourceTables, TargetTables
from routing.errors import TaxonomyError
from routing.speed_profile import SpeedProfile

BRIDGE_X_M = 9_500.0  # the only crossing of the river for 16 km
MONDAY_0730_WIB = datetime(2026, 11, 23, 0, 30, tzinfo=UTC)
MONDAY_0200_WIB = datetime(2026, 11, 22, 19, 0, tzinfo=UTC)


@pytest.fixture
def region(demo_dir: Path) -> Region:
    """A region of its own: these tests change its roads."""
    return Region.load(demo_dir)


def bank(offset_m: float) -> LonLat:
    """A point ``offset_m`` north (positive) or south of the river at the bridge."""
    return geo.projection().point_to_lonlat(BRIDGE_X_M, float(geo.river_y(BRIDGE_X_M)) + offset_m)


def bridge_area() -> shapely.Polygon:
    centre = bank(0)
    return shapely.Point(centre.lon, centre.lat).buffer(0.004)  # about 440 m around it


def crossings(region: Region, edges: np.ndarray) -> int:
    x, y = geo.projection().to_xy(region.network.node_lon, region.network.node_lat)
    side = geo.river_side(x, y)
    return int((side[region.network.tail[edges]] != side[region.network.head[edges]]).sum())


@pytest.mark.any_hour
def test_closing_the_bridge_changes_the_ranking_across_the_river_and_reopening_undoes_it(
    region: Region,
) -> None:
    north = bank(800)
    before = region.rank_hospitals(north, "general")
    assert before.best is not None
    first = before.best.hospital
    x, y = geo.projection().point_to_xy(first.location)
    assert geo.river_side(np.array([x]), np.array([y]))[0] < 0  # the best is across the river

    edges = region.edges_in(bridge_area())
    assert crossings(region, edges) >= 2  # both directions of every road over the river here
    closed = region.update(restrictions=[Restriction(edges)])
    during = region.rank_hospitals(north, "general")
    assert during.best is not None and during.best.hospital.id != first.id
    detour = next(e for e in during.eligible if e.hospital.id == first.id)
    assert detour.eta_s > before.best.eta_s + 600  # the next bridge is kilometres away
    assert closed.tables_recomputed >= 1

    region.update(restrictions=[])
    after = region.rank_hospitals(north, "general")
    assert [(e.hospital.id, e.eta_s) for e in after.eligible] == [
        (e.hospital.id, e.eta_s) for e in before.eligible
    ]


@pytest.mark.any_hour
def test_a_slowdown_scales_the_time_on_its_roads_and_a_far_one_recomputes_nothing(
    region: Region,
) -> None:
    north = bank(800)
    edges = region.edges_in(bridge_area())
    base = region.rank_hospitals(north, "general").best
    assert base is not None
    slowed = region.update(restrictions=[Restriction(edges, factor=20.0)])
    slow = next(
        e for e in region.rank_hospitals(north, "general").eligible
        if e.hospital.id == base.hospital.id
    )  # fmt: skip
    assert slow.eta_s > base.eta_s
    assert slowed.tables_recomputed >= 1
    # A road in a corner nobody's fastest path uses: no table changes, none is recomputed.
    corner = region.network.node_count - 1
    unused = np.flatnonzero(region.network.tail == corner)
    tables = region.view.tables
    if not affected_columns(
        tables.time_s, region.network.head, region.network.tail, unused,
        region.view.weights, np.zeros(0, dtype=np.int64), region.view.weights,
    ).any():  # fmt: skip
        quiet = region.update(
            restrictions=[*region.view.conditions.restrictions, Restriction(unused, 1.5)]
        )
        assert quiet.tables_recomputed == 0


def test_incremental_views_equal_views_built_from_scratch(region: Region) -> None:
    edges = region.edges_in(bridge_area())
    for restrictions in ([Restriction(edges)], [Restriction(edges, 3.0)], []):
        view = region.update(restrictions=restrictions)
        fresh = TargetTables.build(view.network, [h.node for h in region.hospitals])
        posts = SourceTables.build(view.network, region.post_nodes)
        np.testing.assert_allclose(view.tables.time_s, fresh.time_s)
        np.testing.assert_allclose(view.post_tables.time_s, posts.time_s)


@pytest.mark.any_hour
def test_a_ranking_during_a_swap_uses_the_old_or_the_new_tables_never_a_mix(
    region: Region,
) -> None:
    points = [bank(d) for d in (-3000, -800, 800, 3000)]
    edges = region.edges_in(bridge_area())

    def etas() -> list[tuple[float, ...]]:
        return [tuple(e.eta_s for e in region.rank_hospitals(p, "general").eligible)
                for p in points]  # fmt: skip

    open_roads = etas()
    closed_view = region.prepare(region.conditions(restrictions=[Restriction(edges)]))
    open_view = region.view
    region.swap(closed_view)
    closed_roads = etas()
    assert open_roads != closed_roads
    seen: list[tuple[float, ...]] = []
    stop = threading.Event()

    def rank_all_the_time() -> None:
        while not stop.is_set():
            seen.append(tuple(region.rank_hospitals(points[2], "general").eligible[0:5]))

    reader = threading.Thread(target=rank_all_the_time)
    reader.start()
    try:
        for i in range(40):  # swap back and forth while the reader ranks
            view = open_view if i % 2 else closed_view
            region.views.view = view  # the same single assignment swap() does
    finally:
        stop.set()
        reader.join()
    allowed = {
        tuple(e.eta_s for e in ranking.eligible[0:5])
        for ranking in (
            region.rank_hospitals(points[2], "general", view=open_view),
            region.rank_hospitals(points[2], "general", view=closed_view),
        )
    }
    assert seen and {tuple(e.eta_s for e in ranked) for ranked in seen} <= allowed


def test_swap_refuses_an_older_view(region: Region) -> None:
    older = region.prepare(region.conditions())
    newer = region.prepare(region.conditions(restrictions=[]))
    assert region.swap(newer)
    assert not region.swap(older)
    assert region.view is newer


@pytest.mark.any_hour
def test_etas_at_rush_hour_and_at_night_differ_as_the_profile_says(region: Region) -> None:
    profile = SpeedProfile.from_dict({
        "timezone": "Asia/Jakarta",
        "period": [
            {"name": "rush", "days": ["mon"], "hours": [7],
             "speed_factors": dict.fromkeys(region.network.road_classes, 0.5)},
            {"name": "night", "hours": [2],
             "speed_factors": dict.fromkeys(region.network.road_classes, 1.25)},
        ],
    })  # fmt: skip
    region.profile = profile
    point = bank(3000)
    free = region.travel_to_hospitals(point)[0]
    rush = region.travel_to_hospitals(point, view=region.view_at(MONDAY_0730_WIB))[0]
    night = region.travel_to_hospitals(point, view=region.view_at(MONDAY_0200_WIB))[0]
    # Every road at half speed: every fastest time doubles; at 1.25 times the speed, x 0.8.
    np.testing.assert_allclose(rush, 2 * free, rtol=1e-9)
    np.testing.assert_allclose(night, 0.8 * free, rtol=1e-9)
    assert region.update(MONDAY_0730_WIB).period == "rush"
    np.testing.assert_allclose(region.travel_to_hospitals(point)[0], rush)


@pytest.mark.any_hour
def test_the_default_profile_slows_the_morning_rush_and_frees_the_night(region: Region) -> None:
    assert region.profile is not None
    point = bank(3000)
    rush = region.travel_to_hospitals(point, view=region.view_at(MONDAY_0730_WIB))[0]
    night = region.travel_to_hospitals(point, view=region.view_at(MONDAY_0200_WIB))[0]
    free = region.travel_to_hospitals(point)[0]
    assert np.all(rush > free) and np.all(night < free)
    # Bounded by the slowest and fastest factors the profile gives.
    assert np.all(rush <= free / 0.65 + 1e-6) and np.all(night >= free / 1.15 - 1e-6)
    assert region.profile.next_change(MONDAY_0730_WIB) == datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


def test_overlapping_periods_are_refused() -> None:
    with pytest.raises(TaxonomyError, match="overlap"):
        SpeedProfile.from_dict({"period": [
            {"name": "a", "hours": [7], "speed_factors": {"primary": 0.5}},
            {"name": "b", "days": ["mon"], "hours": [7], "speed_factors": {"primary": 0.6}},
        ]})  # fmt: skip


def test_a_point_names_its_road_and_a_line_the_roads_along_it(region: Region) -> None:
    centre = bank(0)
    edges = region.edges_in(shapely.Point(centre.lon, centre.lat))
    assert len(edges) == 2 and crossings(region, edges) == 2  # the bridge, both ways
    along = region.edges_in(shapely.LineString([(centre.lon, centre.lat - 0.003),
                                                (centre.lon, centre.lat + 0.003)]))  # fmt: skip
    assert set(edges) <= set(along.tolist())


def assert_consistent_trees(region: Region) -> None:
    """Every node's time and length follow from its tree edge, and the times equal a search."""
    view = region.view
    network, weights = view.network, view.weights
    tables = view.tables
    fresh = TargetTables.build(view.network, [h.node for h in region.hospitals])
    np.testing.assert_allclose(tables.time_s, fresh.time_s)
    edge = tables.next_edge.astype(np.int64)
    moving = edge >= 0
    safe = np.maximum(edge, 0)
    after = tables.time_s[network.head[safe], np.arange(edge.shape[1])]
    np.testing.assert_allclose(tables.time_s[moving], (weights[safe] + after)[moving], rtol=1e-9)
    after_m = tables.length_m[network.head[safe], np.arange(edge.shape[1])]
    np.testing.assert_allclose(
        tables.length_m[moving], (network.length_m[safe] + after_m)[moving], rtol=1e-9
    )
    posts = SourceTables.build(view.network, region.post_nodes)
    np.testing.assert_allclose(view.post_tables.time_s, posts.time_s)
    arrive = view.post_tables.tree_edge.astype(np.int64)
    came = arrive >= 0
    safe = np.maximum(arrive, 0)
    before = view.post_tables.time_s[network.tail[safe], np.arange(arrive.shape[1])]
    np.testing.assert_allclose(
        view.post_tables.time_s[came], (weights[safe] + before)[came], rtol=1e-9
    )


def test_only_tables_whose_fastest_paths_take_a_slower_road_are_rebuilt_and_match_a_search(
    region: Region,
) -> None:
    network = region.network
    rng = np.random.default_rng(5)
    residential = np.flatnonzero(network.road_class == network.road_classes.index("residential"))
    trees = np.column_stack((region.view.tables.next_edge, region.view.post_tables.tree_edge))
    # How many tables' fastest paths take each edge; a residential street few of them take.
    taken_by = np.zeros(network.edge_count, dtype=np.int64)
    for column in trees.T:
        taken_by[np.unique(column[column >= 0])] += 1
    street = int(residential[np.argmin(np.where(taken_by[residential] > 0,
                                                taken_by[residential], 99))])  # fmt: skip
    one_street = np.array([street, network.reverse_edge[street]])
    expected = int(np.isin(trees, one_street).any(axis=0).sum())
    restrictions = [Restriction(one_street)]
    local = region.update(restrictions=restrictions)
    assert local.tables_recomputed == expected < len(region.hospitals) + len(region.posts)
    assert_consistent_trees(region)
    restrictions.append(Restriction(rng.choice(residential, 40, replace=False), factor=2.0))
    region.update(restrictions=restrictions)
    assert_consistent_trees(region)
    restrictions.append(Restriction(region.edges_in(bridge_area())))
    big = region.update(restrictions=restrictions)
    assert big.tables_recomputed >= 1
    assert_consistent_trees(region)
