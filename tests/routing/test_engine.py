"""The travel-time engine agrees with networkx's Dijkstra on the same graph."""

from __future__ import annotations

import itertools
import math

import networkx as nx
import numpy as np
import pytest

from routing.errors import SnapError
from routing.geo import LonLat
from routing.region import Region
from routing.snap import Snap
from tests.conftest import random_points

REL_TOL = 1e-6


def _snaps(region: Region, count: int, seed: int) -> list[Snap]:
    snaps = []
    for point in random_points(region, count * 2, seed):
        try:
            snaps.append(region.snap(point))
        except SnapError:
            continue
        if len(snaps) == count:
            break
    return snaps


def _with_origin(graph: nx.DiGraph, region: Region, snap: Snap) -> nx.DiGraph:
    """The graph plus a node "origin" joined to where the snapped point can drive on to."""
    net = region.network
    g = nx.DiGraph(graph)
    for p in snap.placements:
        g.add_edge(
            "origin",
            int(net.head[p.edge]),
            travel_time_s=(1 - p.fraction) * float(net.travel_time_s[p.edge]),
            length_m=(1 - p.fraction) * float(net.length_m[p.edge]),
        )
    return g


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=1e-9)


def test_point_to_every_hospital_matches_networkx_for_200_points(
    demo: Region, demo_nx: nx.DiGraph
) -> None:
    # networkx runs a reverse search from each hospital: an independent shortest-path code.
    reverse = demo_nx.reverse(copy=False)
    to_hospital = [
        nx.single_source_dijkstra_path_length(reverse, h.node, weight="travel_time_s")
        for h in demo.hospitals
    ]
    snaps = _snaps(demo, 200, seed=11)
    assert len(snaps) == 200
    net = demo.network
    worst = 0.0
    for snap in snaps:
        eta_s, _ = demo.travel_to_hospitals(snap)
        for i, table in enumerate(to_hospital):
            expected = min(
                (1 - p.fraction) * net.travel_time_s[p.edge]
                + table.get(int(net.head[p.edge]), math.inf)
                for p in snap.placements
            )
            worst = max(worst, abs(eta_s[i] - expected) / expected)
    assert worst < REL_TOL


def test_end_to_end_against_networkx_from_a_virtual_origin(
    demo: Region, demo_nx: nx.DiGraph
) -> None:
    # The whole path in networkx: origin node, partial first edge, search, hospital node.
    for snap in _snaps(demo, 8, seed=12):
        graph = _with_origin(demo_nx, demo, snap)
        expected = nx.single_source_dijkstra_path_length(graph, "origin", weight="travel_time_s")
        eta_s, distance_m = demo.travel_to_hospitals(snap)
        for i, hospital in enumerate(demo.hospitals):
            assert _close(eta_s[i], expected[hospital.node])
            path = nx.dijkstra_path(graph, "origin", hospital.node, weight="travel_time_s")
            length = sum(graph[u][v]["length_m"] for u, v in itertools.pairwise(path))
            assert distance_m[i] == pytest.approx(length, rel=1e-6)


def test_route_matches_networkx_and_ends_on_both_points(demo: Region, demo_nx: nx.DiGraph) -> None:
    net = demo.network
    snaps = _snaps(demo, 12, seed=13)
    for origin, destination in zip(snaps[::2], snaps[1::2], strict=True):
        route = demo.route(origin.point, destination.point)
        graph = _with_origin(demo_nx, demo, origin)
        for q in destination.placements:
            graph.add_edge(
                int(net.tail[q.edge]), "destination",
                travel_time_s=q.fraction * float(net.travel_time_s[q.edge]),
            )  # fmt: skip
        expected = nx.dijkstra_path_length(graph, "origin", "destination", weight="travel_time_s")
        # A same-edge straight-ahead trip is shorter than any detour through the graph.
        assert route.travel_time_s <= expected * (1 + REL_TOL)
        start, end = route.geometry.coords[0], route.geometry.coords[-1]
        assert start == pytest.approx(origin.on_road, abs=1e-6)
        assert end == pytest.approx(destination.on_road, abs=1e-6)
        assert route.length_m > 0


def test_route_to_hospital_from_tables_equals_its_eta(demo: Region) -> None:
    for snap in _snaps(demo, 10, seed=14):
        eta_s, distance_m = demo.travel_to_hospitals(snap)
        route = demo.route_to_hospital(snap.point, "rsud-purwa")
        i = [h.id for h in demo.hospitals].index("rsud-purwa")
        assert route.travel_time_s == pytest.approx(eta_s[i], rel=1e-9)
        assert route.length_m == pytest.approx(distance_m[i], rel=1e-6)
        assert sum(demo.network.travel_time_s[e] for e in route.edges[1:]) <= eta_s[i]


def test_many_ambulances_to_one_incident_match_individual_routes(demo: Region) -> None:
    snaps = _snaps(demo, 13, seed=15)
    incident, ambulances = snaps[0], snaps[1:]
    times = demo.travel_times_to(incident.point, ambulances, limit_s=7200)
    for ambulance, time_s in zip(ambulances, times, strict=True):
        expected = demo.route(ambulance.point, incident.point).travel_time_s
        if expected <= 7200:
            assert time_s == pytest.approx(expected, rel=REL_TOL)
        else:
            assert math.isinf(time_s)


def test_the_search_bound_cuts_off_far_ambulances(demo: Region) -> None:
    snaps = _snaps(demo, 20, seed=16)
    unbounded = demo.travel_times_to(snaps[0].point, snaps[1:], limit_s=1e9)
    bounded = demo.travel_times_to(snaps[0].point, snaps[1:], limit_s=900)
    assert np.all(np.isfinite(unbounded))
    assert np.array_equal(np.isinf(bounded), unbounded > 900)
    near = unbounded <= 900
    assert np.allclose(bounded[near], unbounded[near])


def test_same_edge_trip_goes_straight_ahead(demo: Region) -> None:
    net = demo.network
    edge = int(np.argmax(net.length_m))  # the longest edge, so two points fit on it
    lon, lat = net.edge_points(edge)
    a = LonLat(lon[0] + 0.25 * (lon[-1] - lon[0]), lat[0] + 0.25 * (lat[-1] - lat[0]))
    b = LonLat(lon[0] + 0.75 * (lon[-1] - lon[0]), lat[0] + 0.75 * (lat[-1] - lat[0]))
    route = demo.route(a, b)
    assert route.edges == (edge,)
    assert route.travel_time_s == pytest.approx(0.5 * net.travel_time_s[edge], rel=1e-3)


def test_post_tables_match_networkx_from_every_post(demo: Region, demo_nx: nx.DiGraph) -> None:
    snaps = _snaps(demo, 60, seed=19)
    net = demo.network
    assert len(demo.post_nodes) == len(demo.posts) == 15
    for post_index, node in enumerate(demo.post_nodes):
        reference = nx.single_source_dijkstra_path_length(demo_nx, node, weight="travel_time_s")
        for snap in snaps:
            expected = min(
                reference.get(int(net.tail[p.edge]), math.inf)
                + p.fraction * float(net.travel_time_s[p.edge])
                for p in snap.placements
            )
            got = float(demo.travel_from_posts(snap)[post_index])
            assert got == pytest.approx(expected, rel=REL_TOL)


def test_a_point_table_gives_the_route_time_from_anywhere(demo: Region) -> None:
    snaps = _snaps(demo, 30, seed=23)
    incident = snaps[0]
    table = demo.table_to(incident.point)
    for origin in snaps[1:]:
        route = demo.route(origin.point, incident.point)  # forward search: independent
        assert demo.eta_to_point(origin, table) == pytest.approx(route.travel_time_s, rel=REL_TOL)
    hospital = demo.hospitals[0]
    eta = demo.eta_to_hospital(snaps[1], hospital.id)
    assert eta == pytest.approx(demo.route_to_hospital(snaps[1].point, hospital.id).travel_time_s)
