"""Shared fixtures: the demo region is generated once per test session, in a temporary folder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from routing.demo import generate_demo
from routing.geo import LonLat
from routing.region import Region


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A freshly generated demo region pack (the same bytes as `satria region demo`)."""
    out = tmp_path_factory.mktemp("regions") / "demo"
    generate_demo(out)
    return out


@pytest.fixture(scope="session")
def demo(demo_dir: Path) -> Region:
    """The demo region, loaded."""
    return Region.load(demo_dir)


@pytest.fixture(scope="session")
def demo_nx(demo: Region):  # type: ignore[no-untyped-def]
    """The demo road network in networkx, for independent checks."""
    return demo.network.to_networkx()


def random_points(region: Region, count: int, seed: int) -> list[LonLat]:
    """Uniform random points in the region's box."""
    rng = np.random.default_rng(seed)
    box = region.meta.bbox
    return [
        LonLat(
            float(rng.uniform(box.min_lon, box.max_lon)),
            float(rng.uniform(box.min_lat, box.max_lat)),
        )
        for _ in range(count)
    ]
