"""Importing a town with the quirks of real OSM data: speeds per segment, one-way rules, loops
and parallel ways kept, a report that names every edge left out, the same bytes every time."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from routing.geo import LonLat, haversine_m
from routing.osm_import import ImportReport, import_region
from routing.pack import HOSPITAL_COLUMNS
from routing.region import Region
from routing.speeds import SpeedTable, parse_maxspeed
from tests.fixtures.osm_city import GRID_M, build, lonlat, write_city_osm

IMPORTED_AT = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
OPERATOR_CSV = ",".join(HOSPITAL_COLUMNS) + (
    "\nrsud-kota,RSUD Kota Contoh,B,109.2457,-7.4142,igd_24h;icu;cath_lab,12,6,0,0,90,,"
    "Jl. Sudirman 1\n"
)


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> tuple[Region, ImportReport]:
    folder = tmp_path_factory.mktemp("city")
    osm = write_city_osm(folder / "city.osm")
    operator_list = folder / "rumah-sakit.csv"  # anywhere, not in the pack
    operator_list.write_text(OPERATOR_CSV, encoding="utf-8")
    report = import_region(
        folder / "kota", osm_file=osm, imported_at=IMPORTED_AT, hospitals_file=operator_list,
        title="Kota Contoh (fixture)",
    )  # fmt: skip
    return Region.load(folder / "kota"), report


def node(region: Region, label: str) -> int:
    """The network node at a fixture node's position."""
    x, y, _ = build().nodes[label]
    nodes, dist = region.snapper.nearest_nodes(
        *map(np.array, ([lonlat(x, y)[0]], [lonlat(x, y)[1]]))
    )
    assert dist[0] < 0.5, f"{label} is not a node of the imported network"
    return int(nodes[0])


def edge(region: Region, a: str, b: str) -> int:
    return region.network.edge_id(node(region, a), node(region, b))


def kmh(region: Region, e: int) -> float:
    return float(region.network.length_m[e] / region.network.travel_time_s[e] * 3.6)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("60", 60.0), ("60 km/h", 60.0), ("40 mph", 64.37376), ("10 knots", 18.52),
     ("ID:urban", 50.0), ("ID:rural", 80.0), ("30;50", 30.0), ("50|70", 50.0), ("50,5", 50.5),
     ("none", None), ("signals", None), ("variable", None), ("walk", None), ("", None),
     ("0", None), ("900", None), (None, None), (["60", "40"], None)],
)  # fmt: skip
def test_maxspeed_values_read_as_real_extracts_write_them(value: object, expected: float) -> None:
    assert parse_maxspeed(value) == (pytest.approx(expected) if expected else None)


def test_each_tagged_limit_sets_its_segment_speed(city: tuple[Region, ImportReport]) -> None:
    region, _ = city
    speeds = SpeedTable.load()
    assert kmh(region, edge(region, "g13", "g23")) == pytest.approx(50.0)  # ID:urban
    assert kmh(region, edge(region, "g20", "g21")) == pytest.approx(30.0)  # "30;50": the lower
    # "signals" gives no number: the residential street runs at its class's typical speed.
    assert kmh(region, edge(region, "g51", "g52")) == pytest.approx(speeds.kmh("residential"))


def test_a_merged_edge_sums_its_segments_and_takes_the_class_of_most_of_its_length(
    city: tuple[Region, ImportReport],
) -> None:
    region, _ = city
    net, speeds = region.network, SpeedTable.load()
    # g40 -> s21 -> s22 -> s23 -> g60: unclassified 150 m, primary 107 m, tertiary 315 m.
    e = edge(region, "g40", "g60")
    assert e >= 0 and net.road_classes[net.road_class[e]] == "tertiary"
    osm = build()
    pts = [LonLat(*lonlat(*osm.nodes[n][:2])) for n in ("g40", "s21", "s22", "s23", "g60")]
    legs = [haversine_m(a, b) for a, b in itertools.pairwise(pts)]
    kinds = ["unclassified", "primary", "tertiary", "tertiary"]
    expected_s = sum(m / (speeds.kmh(k) / 3.6) for m, k in zip(legs, kinds, strict=True))
    assert net.travel_time_s[e] == pytest.approx(expected_s, rel=2e-3)


def test_one_way_rules_of_osm(city: tuple[Region, ImportReport]) -> None:
    region, _ = city
    # oneway=-1 on the j=1 street: traffic runs against the drawing (east to west).
    assert edge(region, "g21", "g11") >= 0 and edge(region, "g11", "g21") < 0
    # oneway=yes on j=5; oneway=reversible (i=4) is driven both ways.
    assert edge(region, "g15", "g25") >= 0 and edge(region, "g25", "g15") < 0
    assert edge(region, "g42", "g43") >= 0 and edge(region, "g43", "g42") >= 0
    # The roundabout carries only junction=roundabout: one way round, in drawing order (r0,
    # r1 ... r5): r0 -> r3 runs by r1 and r2, and the way back by r4 and r5, never the same.
    net, osm = region.network, build()
    for a, b, via in (("r0", "r3", ("r1", "r2")), ("r3", "r0", ("r4", "r5"))):
        lon, lat = net.edge_points(edge(region, a, b))
        assert len(lon) == 4
        for (x, y), label in zip(zip(lon[1:3], lat[1:3], strict=True), via, strict=True):
            assert (x, y) == pytest.approx(lonlat(*osm.nodes[label][:2]), abs=1e-7)
    # The off-ramp from the motorway is one-way, classed motorway_link.
    off = edge(region, "m1", "g00")
    assert off >= 0 and edge(region, "g00", "m1") < 0
    assert net.road_classes[net.road_class[off]] == "motorway_link"


def test_loop_streets_and_parallel_ways_stay_on_the_map(
    city: tuple[Region, ImportReport],
) -> None:
    region, report = city
    assert report.cleanup is not None
    assert report.cleanup.loops_split.count == 4  # Gang Buntu and the village loop, both ways
    assert report.cleanup.parallels_split.count == 2  # the bending lane, both ways
    assert report.cleanup.loops_dropped.count == report.cleanup.parallels_dropped.count == 0
    osm = build()
    for label in ("l4", "bend"):  # the far end of the loop, the middle of the lane
        point = LonLat(*lonlat(*osm.nodes[label][:2]))
        snap = region.snap(point)
        assert snap.distance_m < 30.0, label
        ranking = region.rank_hospitals(point, "stemi")
        assert ranking.best is not None and ranking.best.hospital.id == "rsud-kota"


def test_the_report_names_what_was_left_out_and_warns(city: tuple[Region, ImportReport]) -> None:
    region, report = city
    lines = "\n".join(report.lines())
    assert "left out, highway=footway: 2 (0.28 km)" in lines
    assert "left out, access=private: 2" in lines
    assert "self-loops split in three (kept): 4" in lines
    assert "maxspeed='signals' gives no speed" in lines
    assert "kept the largest strongly connected component" in lines
    assert "no ambulance posts" in lines
    assert region.meta.title == "Kota Contoh (fixture)"
    assert region.meta.extra["import"]["imported_at"] == "2026-11-28T03:00:00+00:00"
    # The operator's list was matched by name and kept its capabilities.
    assert region.hospital("rsud-kota").capabilities == ("igd_24h", "icu", "cath_lab")
    assert region.hospital("rsud-kota").osm_id == "node/" + str(list(build().nodes).index("h1") + 1)


def test_no_hospitals_is_a_loud_warning(tmp_path: Path) -> None:
    osm = write_city_osm(tmp_path / "city.osm")
    empty = tmp_path / "empty.osm"
    text = osm.read_text(encoding="utf-8").replace('"amenity" v="hospital"', '"amenity" v="x"')
    empty.write_text(text, encoding="utf-8")
    report = import_region(tmp_path / "kota", osm_file=empty, imported_at=IMPORTED_AT)
    assert any("NO hospitals" in w for w in report.warnings)


def test_the_same_file_gives_the_same_bytes_whatever_the_hash_seed(tmp_path: Path) -> None:
    script = (
        "import sys; from pathlib import Path; from datetime import datetime, UTC\n"
        "from tests.fixtures.osm_city import write_city_osm\n"
        "from routing.osm_import import import_region\n"
        "out = Path(sys.argv[1]); out.mkdir()\n"
        "import_region(out / 'kota', osm_file=write_city_osm(out / 'city.osm'),\n"
        "              imported_at=datetime(2026, 11, 28, tzinfo=UTC))\n"
    )
    root = Path(__file__).resolve().parents[2]
    packs, places = [], set()
    for seed in ("0", "1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(root)}
        out = tmp_path / f"seed{seed}"
        subprocess.run([sys.executable, "-c", script, str(out)], env=env, check=True, cwd=root)
        packs.append(np.load(out / "kota" / "roads.npz"))
        places.add((out / "kota" / "places.csv").read_bytes())
    assert len(places) == 1  # the place names too
    first = packs[0]
    for other in packs[1:]:
        assert first.files == other.files
        for name in first.files:
            assert first[name].tobytes() == other[name].tobytes(), name


def test_points_near_the_edges_of_a_real_shaped_region_never_crash(
    city: tuple[Region, ImportReport],
) -> None:
    region, _ = city
    box = region.meta.bbox
    # The north-east is empty of roads for kilometres: far points are refused, near ones
    # are placed; nothing else.
    corner = LonLat(box.max_lon, box.max_lat)
    with pytest.raises(Exception, match="the nearest road is") as refused:
        region.rank_hospitals(corner, "stemi")
    assert type(refused.value).__name__ == "PointTooFarFromRoadError"
    near_grid = LonLat(*lonlat(-GRID_M, 3 * GRID_M))
    assert region.rank_hospitals(near_grid, "stemi").best is not None
