"""Where a restriction applies: the directed edges a drawn point, line or polygon names."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

from routing.errors import InvalidGeometryError, SnapError
from routing.geo import LocalProjection, LonLat
from routing.network import IntArray, RoadNetwork
from routing.snap import EdgeSnapper

POINT_REACH_M = 100.0  # a point names the road within this distance
LINE_WIDTH_M = 20.0  # a drawn line names the roads within this distance of it
LINE_SHARE = 0.5  # ...that run along it for at least half their length (or LINE_MIN_M)
LINE_MIN_M = 150.0


def select_edges(network: RoadNetwork, snapper: EdgeSnapper, geometry: BaseGeometry) -> IntArray:
    """The directed edges a drawn restriction covers (lon/lat geometry), both directions.

    - a point: the road segment nearest to it (within POINT_REACH_M);
    - a line: the road segments that run along it (a stretch of road traced on the map),
      not the streets that merely cross it;
    - a polygon: every road segment that enters the area (a flooded village, a landslide).
    """
    projection = snapper.projection
    if isinstance(geometry, shapely.Point):
        snap = snapper.snap(LonLat(geometry.x, geometry.y))
        if snap.distance_m > POINT_REACH_M:
            msg = f"no road within {POINT_REACH_M:.0f} m of the point ({snap.distance_m:.0f} m)"
            raise SnapError(msg)
        return _both_ways(network, np.array([p.edge for p in snap.placements]))
    shape = shapely.transform(
        geometry, lambda c: np.column_stack(projection.to_xy(c[:, 0], c[:, 1]))
    )
    area: BaseGeometry
    if isinstance(shape, shapely.LineString | shapely.MultiLineString):
        area = shape.buffer(LINE_WIDTH_M)
    elif isinstance(shape, shapely.Polygon | shapely.MultiPolygon):
        area = shape
    else:
        msg = f"a restriction is a point, a line or a polygon, not a {geometry.geom_type}"
        raise InvalidGeometryError(msg)
    candidates, lines = _edge_lines_near(network, projection, area.bounds)
    if not len(candidates):
        return np.zeros(0, dtype=np.int64)
    if area is shape:  # a polygon: any part inside
        hit = shapely.intersects(lines, area)
    else:
        inside = shapely.length(shapely.intersection(lines, area))
        length = np.maximum(shapely.length(lines), 1e-9)
        hit = (inside >= LINE_SHARE * length) | (inside >= LINE_MIN_M)
    return _both_ways(network, candidates[hit])


def _edge_lines_near(
    network: RoadNetwork, projection: LocalProjection, bounds: tuple[float, ...]
) -> tuple[IntArray, npt.NDArray[np.object_]]:
    """Edges whose points come near a box (projected metres), with their geometry."""
    x0, y0, x1, y1 = bounds
    margin = 2_000.0  # edge points between the nodes stay within this of the nodes
    nx, ny = projection.to_xy(network.node_lon, network.node_lat)
    near = (nx >= x0 - margin) & (nx <= x1 + margin) & (ny >= y0 - margin) & (ny <= y1 + margin)
    candidates = np.flatnonzero(near[network.tail] | near[network.head])
    lines = []
    for edge in candidates:
        lon, lat = network.edge_points(int(edge))
        lines.append(shapely.LineString(np.column_stack(projection.to_xy(lon, lat))))
    return candidates, np.array(lines, dtype=object)


def _both_ways(network: RoadNetwork, edges: IntArray) -> IntArray:
    reverse = network.reverse_edge[edges]
    return np.unique(np.concatenate((edges, reverse[reverse >= 0]))).astype(np.int64)
