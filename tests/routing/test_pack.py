"""Region packs load in about a second and fail with messages naming the file and the row."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from routing.errors import RegionNotFoundError, RegionNotImportedError, RegionPackError
from routing.network import RoadNetwork
from routing.region import Region


@pytest.fixture
def pack(demo_dir: Path, tmp_path: Path) -> Path:
    """A copy of the demo pack that a test may break."""
    return Path(shutil.copytree(demo_dir, tmp_path / "demo"))


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_copy_loads_with_everything(pack: Path) -> None:
    region = Region.load(pack)
    assert region.meta.synthetic is True
    assert len(region.hospitals) == 20
    assert len(region.posts) == 15
    assert region.network.node_count >= 50_000


def test_unknown_capability_names_file_and_line(pack: Path) -> None:
    _edit(pack / "hospitals.csv", "igd_24h;icu;ct_scan", "igd_24h;icu;mri_3t")
    with pytest.raises(RegionPackError, match=r"hospitals\.csv, line \d+: .*'mri_3t'"):
        Region.load(pack)


def _set_cell(path: Path, line: int, column: int, value: str) -> None:
    """Overwrite one cell of a CSV file (line numbers as an editor counts them)."""
    lines = path.read_text().splitlines()
    fields = lines[line - 1].split(",")
    fields[column] = value
    lines[line - 1] = ",".join(fields)
    path.write_text("\n".join(lines) + "\n")


def test_bad_coordinate_names_file_and_line(pack: Path) -> None:
    _set_cell(pack / "ambulance_posts.csv", line=4, column=2, value="east")
    with pytest.raises(RegionPackError, match=r"ambulance_posts\.csv, line 4: lon and lat"):
        Region.load(pack)


def test_hospital_outside_the_box(pack: Path) -> None:
    _set_cell(pack / "hospitals.csv", line=3, column=4, value="-8.5")
    with pytest.raises(RegionPackError, match=r"hospitals\.csv, line 3: .* outside the region"):
        Region.load(pack)


def test_duplicate_ids_and_missing_columns(pack: Path) -> None:
    text = (pack / "hospitals.csv").read_text().splitlines()
    (pack / "hospitals.csv").write_text("\n".join([*text, text[1]]) + "\n")
    with pytest.raises(RegionPackError, match="repeated"):
        Region.load(pack)
    _edit(pack / "hospitals.csv", "capabilities,", "capability,")
    with pytest.raises(RegionPackError, match=r"missing columns \['capabilities'\]"):
        Region.load(pack)


def test_region_toml_checks(pack: Path) -> None:
    _edit(pack / "region.toml", "synthetic = true", 'synthetic = "yes"')
    with pytest.raises(RegionPackError, match=r"region\.toml: \[region\] synthetic"):
        Region.load(pack)


def test_corrupt_road_arrays(pack: Path) -> None:
    network = RoadNetwork.load(pack / "roads.npz")
    arrays = {name: getattr(network, name) for name in ("node_lon", "node_lat", "indptr")}
    bad_head = network.head.copy()
    bad_head[5] = network.node_count + 10
    np.savez(
        pack / "roads.npz",
        format_version=np.array(1),
        road_classes=np.array(network.road_classes),
        head=bad_head,
        travel_time_s=network.travel_time_s,
        length_m=network.length_m,
        road_class=network.road_class,
        geom_indptr=network.geom_indptr,
        geom_lon=network.geom_lon,
        geom_lat=network.geom_lat,
        **arrays,
    )
    with pytest.raises(RegionPackError, match=r"roads\.npz: .*node that does not exist"):
        Region.load(pack)
    (pack / "roads.npz").write_bytes(b"not a zip")
    with pytest.raises(RegionPackError, match="not a readable road network"):
        Region.load(pack)


def test_banyumas_is_defined_but_says_plainly_it_is_not_imported() -> None:
    with pytest.raises(RegionNotImportedError, match="satria region import banyumas"):
        Region.load("banyumas")


def test_unknown_region_lists_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(RegionNotFoundError, match="no region pack 'atlantis'"):
        Region.load("atlantis", regions_dir=tmp_path)


def test_roads_round_trip_exactly(demo: Region, tmp_path: Path) -> None:
    demo.network.save(tmp_path / "roads.npz")
    again = RoadNetwork.load(tmp_path / "roads.npz")
    for name in ("node_lon", "indptr", "head", "travel_time_s", "geom_indptr"):
        assert np.array_equal(getattr(again, name), getattr(demo.network, name))
    assert again.road_classes == demo.network.road_classes
