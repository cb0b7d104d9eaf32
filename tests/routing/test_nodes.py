"""From every node of a network, the engine's travel times equal a plain Dijkstra from that node:
a point at an intersection may leave by any road, and never by a closed one."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import shapely
from scipy.sparse.csgraph import dijkstra

from routing import LonLat, Region
from routing.conditions import Restriction
from routing.engine import departures
from routing.errors import NoRouteError
from routing.network import RoadNetwork


@pytest.fixture(params=["demo", "small", "city"])
def region(request: pytest.FixtureRequest, demo_dir, osm_regions: dict[str, Region]) -> Region:  # type: ignore[no-untyped-def]
    """A region of its own (these tests close roads)."""
    if request.param == "demo":
        return Region.load(demo_dir)
    return Region.load(osm_regions[request.param].directory)  # type: ignore[arg-type]


def at_node(network: RoadNetwork, node: int) -> LonLat:
    return LonLat(float(network.node_lon[node]), float(network.node_lat[node]))


def same_place(network: RoadNetwork) -> list[list[int]]:
    """For each node, the nodes at exactly its position (roads drawn over each other)."""
    key = network.node_lon + 1j * network.node_lat
    _, inverse = np.unique(key, return_inverse=True)
    groups: dict[int, list[int]] = {}
    for node, group in enumerate(inverse.ravel().tolist()):
        groups.setdefault(group, []).append(node)
    return [groups[g] for g in inverse.ravel().tolist()]


def plain_times_to_hospitals(region: Region) -> np.ndarray:
    """(nodes, hospitals): a plain Dijkstra on the roads in force (closed roads left out),
    from each node; reversed, so that one search per hospital gives every node's time."""
    network = region.view.network
    keep = ~region.view.conditions.closed
    graph = nx.DiGraph()
    graph.add_nodes_from(range(network.node_count))
    graph.add_weighted_edges_from(
        zip(network.tail[keep].tolist(), network.head[keep].tolist(),
            network.travel_time_s[keep].tolist(), strict=True)
    )  # fmt: skip
    if network.node_count > 5_000:  # networkx from every hospital would take minutes: scipy
        matrix = nx.to_scipy_sparse_array(graph, nodelist=range(network.node_count)).T.tocsr()
        return np.asarray(dijkstra(matrix, indices=[h.node for h in region.hospitals]).T)
    reverse = graph.reverse(copy=False)
    columns = []
    for hospital in region.hospitals:
        found = nx.single_source_dijkstra_path_length(reverse, hospital.node)
        columns.append([found.get(v, np.inf) for v in range(network.node_count)])
    return np.array(columns).T


def check_every_node(region: Region) -> int:
    """Assert that the ranking times from every node equal the plain search; return how many
    nodes were checked."""
    network, view = region.network, region.view
    plain = plain_times_to_hospitals(region)
    groups = same_place(network)
    for node in range(network.node_count):
        snap = region.snap(at_node(network, node))
        assert node in snap.nodes, node  # the point at a node is that node
        eta_s, _ = view.tables.from_snap(view.network, snap)
        # Where roads without a junction share a position, the point is at each of them.
        expected = plain[groups[node]].min(axis=0)
        np.testing.assert_allclose(eta_s, expected, rtol=1e-9, atol=1e-6, err_msg=str(node))
    return network.node_count


def test_times_from_every_node_equal_a_plain_dijkstra(region: Region) -> None:
    if not region.hospitals:
        pytest.skip("no hospitals")  # pragma: no cover - every fixture has some
    assert check_every_node(region) == region.network.node_count


def test_with_roads_closed_no_path_from_any_node_crosses_them(region: Region) -> None:
    network = region.network
    # Close the roads around the busiest junction: a closure that matters to many paths.
    busiest = int(np.argmax(np.diff(network.indptr)))
    centre = at_node(network, busiest)
    area = shapely.Point(centre.lon, centre.lat).buffer(0.0015)  # about 165 m around it
    closed = region.edges_in(area)
    assert len(closed) >= 4
    region.update(restrictions=[Restriction(closed)])
    assert check_every_node(region) == network.node_count
    # The route from each node next to the closure never takes a closed road.
    open_hospitals = [
        h for h in region.hospitals
        if not {p.edge for p in region.snap(h.location).placements} & set(closed.tolist())
    ]  # fmt: skip
    for node in np.unique(network.tail[closed]).tolist():
        snap = region.snap(at_node(network, node))
        assert all(leg.edge < 0 for leg in departures(region.view.network, snap))
        for hospital in open_hospitals:
            assert_route_avoids(region, at_node(network, node), hospital.location, closed)


def assert_route_avoids(
    region: Region, origin: LonLat, destination: LonLat, closed: np.ndarray
) -> None:
    try:
        route = region.route(origin, destination)
    except NoRouteError:
        return  # cut off by the closure: a fair answer
    assert not set(route.edges) & set(closed.tolist())


def test_a_point_on_a_closed_road_leaves_by_its_nearer_end(region: Region) -> None:
    network = region.network
    edge = int(np.flatnonzero(network.reverse_edge >= 0)[len(network.head) // 3])
    lon, lat = network.edge_points(edge)
    closed = np.array([edge, int(network.reverse_edge[edge])])
    region.update(restrictions=[Restriction(closed)])
    for fraction in (0.2, 0.8):
        line = shapely.LineString(np.column_stack((lon, lat)))
        where = line.interpolate(fraction, normalized=True)
        snap = region.snap(LonLat(where.x, where.y))
        if snap.nodes:
            continue  # a very short edge: the point is at its end already
        for leg in departures(region.view.network, snap):
            assert abs(leg.piece.end - leg.piece.start) <= 0.5 + 1e-9  # never through it
        for hospital in region.hospitals:
            try:
                route = region.route(LonLat(where.x, where.y), hospital.location)
            except NoRouteError:
                continue  # the closure cut the point off from this hospital
            # The closed road appears once at most: the stretch to its nearer end.
            assert route.edges.count(edge) + route.edges.count(int(closed[1])) <= 1
