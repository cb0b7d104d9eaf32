"""The compact network: parallel edges, self-loops, components, lookups."""

from __future__ import annotations

import numpy as np
import pytest

from routing.network import RoadNetwork


def small() -> RoadNetwork:
    # 0 <-> 1 <-> 2 two-way; 2 -> 3 one-way dead end; a slow parallel 0 -> 1; a self-loop.
    return RoadNetwork.from_edges(
        node_lon=[109.0, 109.001, 109.002, 109.003],
        node_lat=[-7.4, -7.4, -7.4, -7.4],
        tail=[0, 1, 1, 2, 2, 0, 1],
        head=[1, 0, 2, 1, 3, 1, 1],
        travel_time_s=[10, 10, 12, 12, 5, 30, 1],
        length_m=[110, 110, 110, 110, 110, 130, 0],
        road_class=[0] * 7,
        road_classes=("residential",),
    )


def test_parallel_edges_keep_the_fastest_and_self_loops_go() -> None:
    net = small()
    assert net.edge_count == 5
    assert net.travel_time_s[net.edge_id(0, 1)] == 10
    assert net.edge_id(1, 1) == -1


def test_reverse_edges_and_lookups() -> None:
    net = small()
    assert net.reverse_edge[net.edge_id(0, 1)] == net.edge_id(1, 0)
    assert net.reverse_edge[net.edge_id(2, 3)] == -1
    assert net.edge_ids([0, 2, 3], [1, 3, 0]).tolist()[2] == -1


def test_largest_strong_component_drops_the_one_way_dead_end() -> None:
    kept, report = small().largest_strong_component()
    assert kept.node_count == 3
    assert report.nodes_dropped == 1
    assert "dropped 1 nodes" in report.describe()


def test_km_by_class_counts_two_way_roads_once() -> None:
    assert small().road_km_by_class() == {"residential": pytest.approx(0.33)}


def test_networkx_copy_has_the_same_edges() -> None:
    net = small()
    graph = net.to_networkx()
    assert graph.number_of_edges() == net.edge_count
    assert graph[2][3]["travel_time_s"] == 5
    assert np.isclose(sum(d["length_m"] for *_, d in graph.edges(data=True)), net.length_m.sum())
