"""OSM import on a fixture the tests write: tags mean what they mean in OpenStreetMap."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from routing.errors import OsmImportError
from routing.geo import LonLat, haversine_m
from routing.osm_import import ImportReport, import_region, load_graph
from routing.pack import HOSPITAL_COLUMNS
from routing.region import Region
from tests.fixtures.osm import node_lonlat, write_osm

IMPORTED_AT = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
HEADER = ",".join(HOSPITAL_COLUMNS)
OPERATOR_CSV = f"""{HEADER}
rsud-contoh,R.S.U.D. Contoh,C,109.2031,-7.3999,igd_24h;icu;ponek,10,4,0,0,80,,Jl. Utama 1
rs-jauh,RS Tidak Di OSM,D,109.2000,-7.4005,igd_24h,4,0,0,0,20,,
"""


@pytest.fixture
def imported(tmp_path: Path) -> tuple[Region, ImportReport]:
    osm = write_osm(tmp_path / "fixture.osm")
    pack = tmp_path / "contoh"
    pack.mkdir()
    (pack / "hospitals.csv").write_text(OPERATOR_CSV, encoding="utf-8")
    messages: list[str] = []
    report = import_region(pack, osm_file=osm, imported_at=IMPORTED_AT, progress=messages.append)
    assert any("largest strongly connected component" in m for m in messages)
    return Region.load(pack), report


def node(region: Region, name: str) -> int:
    """The network node at a fixture node's position (it must exist after simplification)."""
    lon, lat = node_lonlat(name)
    nodes, dist = region.snapper.nearest_nodes([lon], [lat])  # type: ignore[arg-type]
    assert dist[0] < 1.0, f"{name} is not a node of the imported network"
    return int(nodes[0])


def test_maxspeed_sets_the_primary_road_travel_time(imported: tuple[Region, ImportReport]) -> None:
    region, _ = imported
    net = region.network
    for a, b in (("A", "B"), ("B", "C"), ("C", "D")):
        edge = net.edge_id(node(region, a), node(region, b))
        assert edge >= 0
        assert net.road_classes[net.road_class[edge]] == "primary"
        assert net.travel_time_s[edge] == pytest.approx(net.length_m[edge] / (60 / 3.6), rel=1e-6)
        expected_m = haversine_m(LonLat(*node_lonlat(a)), LonLat(*node_lonlat(b)))
        assert net.length_m[edge] == pytest.approx(expected_m, rel=1e-3)


def test_oneway_yes_goes_one_way_with_its_geometry(imported: tuple[Region, ImportReport]) -> None:
    region, _ = imported
    net = region.network
    b, f = node(region, "B"), node(region, "F")
    forward = net.edge_id(b, f)
    assert forward >= 0 and net.edge_id(f, b) == -1
    lon, lat = net.edge_points(forward)
    assert len(lon) == 3  # E was simplified away into the edge's geometry
    assert (lon[1], lat[1]) == pytest.approx(node_lonlat("E"))
    # Residential, no maxspeed: the documented default of 20 km/h.
    assert net.travel_time_s[forward] == pytest.approx(net.length_m[forward] / (20 / 3.6), rel=1e-6)


def test_oneway_minus_one_runs_against_the_drawing_direction(
    imported: tuple[Region, ImportReport],
) -> None:
    region, _ = imported
    net = region.network
    d, h = node(region, "D"), node(region, "H")
    assert net.edge_id(h, d) >= 0
    assert net.edge_id(d, h) == -1


def test_footways_and_fragments_are_dropped_and_reported(
    imported: tuple[Region, ImportReport],
) -> None:
    region, report = imported
    assert report.edges_excluded["highway=footway"].count == 2
    assert report.components is not None
    # The P-Q-R fragment (P and R after simplification) and the one-way dead end J.
    assert report.components.nodes_dropped == 3
    positions = {
        (round(lon, 6), round(lat, 6))
        for lon, lat in zip(region.network.node_lon, region.network.node_lat, strict=False)
    }
    for gone in ("X", "P", "R", "J"):
        lon, lat = node_lonlat(gone)
        assert (round(lon, 6), round(lat, 6)) not in positions


def test_hospitals_matched_added_listed_not_guessed(imported: tuple[Region, ImportReport]) -> None:
    region, report = imported
    hospitals = report.hospitals
    assert hospitals is not None
    # Matched by name and distance: the operator's capabilities stay, the osm id is added.
    contoh = region.hospital("rsud-contoh")
    assert contoh.capabilities == ("igd_24h", "icu", "ponek")
    assert contoh.osm_id.startswith("node/")
    # A new OSM hospital comes in without capabilities: never eligible until filled in.
    islam = region.hospital("rs-islam-contoh")
    assert islam.capabilities == () and islam.osm_id.startswith("way/")
    assert any("rs-islam-contoh" in line for line in hospitals.added)
    # The unnamed OSM hospital is listed, not imported; the operator's extra row is kept.
    assert len(hospitals.skipped) == 1 and "no name" in hospitals.skipped[0]
    assert any("rs-jauh" in line for line in hospitals.not_in_osm)
    assert {h.id for h in region.hospitals} == {"rsud-contoh", "rs-islam-contoh", "rs-jauh"}
    ranking = region.rank_hospitals(LonLat(*node_lonlat("B")), "general")
    assert "rs-islam-contoh" in {e.hospital.id for e in ranking.passed_over}


def test_two_similar_operator_rows_are_ambiguous(tmp_path: Path) -> None:
    osm = write_osm(tmp_path / "fixture.osm")
    pack = tmp_path / "contoh"
    pack.mkdir()
    (pack / "hospitals.csv").write_text(
        OPERATOR_CSV.splitlines()[0] + "\n"
        "rs-islam-a,RS Islam Contoh,C,109.2029,-7.3985,igd_24h,1,0,0,0,1,,\n"
        "rs-islam-b,RSU Islam Contoh,C,109.2031,-7.3982,igd_24h,1,0,0,0,1,,\n",
        encoding="utf-8",
    )
    report = import_region(pack, osm_file=osm, imported_at=IMPORTED_AT)
    assert report.hospitals is not None
    assert len(report.hospitals.ambiguous) == 1
    assert "rs-islam-a" in report.hospitals.ambiguous[0]
    assert not any(r.osm_id == "way/200" for r in report.hospitals.rows)


def test_region_toml_records_the_source_and_licence(imported: tuple[Region, ImportReport]) -> None:
    region, _ = imported
    assert region.meta.synthetic is False
    assert "OpenStreetMap" in region.meta.source
    assert region.meta.attribution == "© OpenStreetMap contributors"
    assert region.meta.extra["import"]["nodes_dropped_outside_largest_component"] == 3
    assert region.meta.extra["import"]["imported_at"] == "2026-11-28T03:00:00+00:00"


def test_a_source_is_required() -> None:
    with pytest.raises(OsmImportError, match="exactly one"):
        load_graph()
    with pytest.raises(OsmImportError, match="could not load roads"):
        load_graph(osm_file=Path("/nonexistent.osm"))
