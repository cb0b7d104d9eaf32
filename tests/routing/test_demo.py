"""The demo region is deterministic, big enough, road-like and labelled synthetic."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from routing.demo import features, generate_demo
from routing.demo import geography as geo
from routing.region import Region


def _digest(directory: Path) -> str:
    with np.load(directory / "roads.npz") as data:
        digest = hashlib.sha256()
        for name in sorted(data.files):
            digest.update(name.encode())
            digest.update(np.ascontiguousarray(data[name]).tobytes())
    for name in ("hospitals.csv", "ambulance_posts.csv"):
        digest.update((directory / name).read_bytes())
    return digest.hexdigest()


def test_generation_is_deterministic(demo_dir: Path, tmp_path: Path) -> None:
    generate_demo(tmp_path / "again")
    assert _digest(tmp_path / "again") == _digest(demo_dir)
    generate_demo(tmp_path / "other", seed=7)
    assert _digest(tmp_path / "other") != _digest(demo_dir)


def test_size_and_facilities(demo: Region) -> None:
    assert demo.network.node_count >= 50_000
    assert 18 <= len(demo.hospitals) <= 22
    assert 13 <= len(demo.posts) <= 17
    assert {h.hospital_class for h in demo.hospitals} >= {"A", "B", "C", "D", "khusus"}
    assert max(h.access_m for h in demo.hospitals) < 100


def test_labelled_synthetic(demo: Region, demo_dir: Path) -> None:
    assert demo.meta.synthetic is True
    assert "SYNTHETIC" in demo.meta.title
    assert demo.summary()["synthetic"] is True
    assert json.loads((demo_dir / "features.geojson").read_text())["synthetic"] is True


def test_road_classes_have_different_speeds_and_town_centres_have_one_way_streets(
    demo: Region,
) -> None:
    net = demo.network
    kmh = net.length_m / net.travel_time_s * 3.6
    by_class = {
        name: float(np.median(kmh[net.road_class == i])) for i, name in enumerate(net.road_classes)
    }
    assert by_class["trunk"] > by_class["secondary"] > by_class["residential"]
    one_way = int(np.sum(net.reverse_edge < 0))
    assert one_way > 1000


def test_the_river_is_crossed_only_on_the_bridges(demo: Region) -> None:
    net = demo.network
    x, y = geo.projection().to_xy(net.node_lon, net.node_lat)
    side = geo.river_side(x, y)
    crossing = np.flatnonzero(side[net.tail] != side[net.head])
    mid_x = (x[net.tail[crossing]] + x[net.head[crossing]]) / 2
    nearest_bridge_m = np.min(np.abs(mid_x[:, None] - np.array(geo.BRIDGES_X_M)[None, :]), axis=1)
    assert len(crossing) >= 2 * len(geo.BRIDGES_X_M)  # each bridge, both ways
    assert np.all(nearest_bridge_m < 300)


def test_the_hills_are_slow(demo: Region) -> None:
    net = demo.network
    x, y = geo.projection().to_xy(net.node_lon, net.node_lat)
    hilly = geo.in_hills((x[net.tail] + x[net.head]) / 2, (y[net.tail] + y[net.head]) / 2)
    unclassified = net.road_class == net.road_classes.index("unclassified")
    kmh = net.length_m / net.travel_time_s * 3.6
    assert np.median(kmh[hilly & unclassified]) < 0.6 * np.median(kmh[~hilly & unclassified])


def test_features_describe_river_bridges_hills_towns() -> None:
    kinds = [f["properties"]["kind"] for f in features()["features"]]
    assert kinds.count("river") == 1 and kinds.count("hills") == 1
    assert kinds.count("bridge") == len(geo.BRIDGES_X_M)
    assert kinds.count("town") == len(geo.TOWNS)
