"""Point tables (live ETAs to incidents) follow road changes: the affected ones are rebuilt,
the others kept."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely

from routing import LonLat, Region
from routing.conditions import Restriction
from routing.demo import geography as geo
from tracking.eta import PointTables

pytestmark = pytest.mark.any_hour  # time of day matters here: see tests/conftest.py

BRIDGE_X_M = 9_500.0


def bank(offset_m: float, x_m: float = BRIDGE_X_M) -> LonLat:
    return geo.projection().point_to_lonlat(x_m, float(geo.river_y(x_m)) + offset_m)


def test_a_closure_rebuilds_the_tables_it_affects_and_keeps_the_others(demo_dir: Path) -> None:
    region = Region.load(demo_dir)
    tables = PointTables(region)
    across = bank(-800)  # the incident is south of the bridge; the ambulance north of it
    far_west = bank(-800, x_m=-25_000.0)  # an incident nowhere near the bridge
    ambulance, west_ambulance = bank(800), bank(-3000, x_m=-25_000.0)
    before = region.eta_to_point(ambulance, tables.for_call(1, across))
    west_before = region.eta_to_point(west_ambulance, tables.for_call(2, far_west))

    centre = bank(0)
    area = shapely.Point(centre.lon, centre.lat).buffer(0.004)
    region.update(restrictions=[Restriction(region.edges_in(area))])
    after = region.eta_to_point(ambulance, tables.for_call(1, across))
    west_after = region.eta_to_point(west_ambulance, tables.for_call(2, far_west))

    assert after > before + 600  # the detour over the next bridge
    assert west_after == west_before  # it never needed the bridge
    for call_id, point in ((1, across), (2, far_west)):  # kept or rebuilt, always right
        fresh = region.table_to(point)
        np.testing.assert_allclose(
            tables.for_call(call_id, point).to_destination_s, fresh.to_destination_s
        )


def test_a_slowdown_on_a_road_no_fastest_path_uses_keeps_the_table(demo_dir: Path) -> None:
    region = Region.load(demo_dir)
    tables = PointTables(region)
    incident = bank(-800)
    table = tables.for_call(1, incident)
    network, weights = region.network, region.view.weights
    to_incident = table.to_destination_s.astype(np.float64)
    slack = to_incident[network.tail] - (weights + to_incident[network.head])
    unused = np.flatnonzero(slack < -60)[:50]  # going this way costs a minute more
    assert len(unused) == 50
    region.update(restrictions=[Restriction(unused, factor=1.5)])
    assert tables.for_call(1, incident) is table
    assert tables.invalidated == 0
