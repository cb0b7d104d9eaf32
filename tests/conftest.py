"""Shared fixtures: the demo region is generated once per test session, in a temporary folder;
tests marked ``any_hour`` run under the real clock and again at four pinned instants."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
import time_machine

from routing.demo import generate_demo
from routing.geo import LonLat
from routing.osm_import import import_region
from routing.region import Region
from tests.fixtures.osm import write_osm
from tests.fixtures.osm_city import write_city_osm

# Instants of the week that the default speed profile treats differently (Asia/Jakarta, UTC+7).
# The clock ticks on from each, as it does in production.
PINNED_INSTANTS = {
    "mon-0730-wib-rush": datetime(2026, 11, 23, 0, 30, tzinfo=UTC),
    "wed-1200-wib-midday": datetime(2026, 11, 25, 5, 0, tzinfo=UTC),
    "sat-1930-wib-evening": datetime(2026, 11, 28, 12, 30, tzinfo=UTC),
    "tue-0230-wib-night": datetime(2026, 11, 23, 19, 30, tzinfo=UTC),
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests marked ``any_hour`` (or in a module so marked) run once under the real clock and
    once per pinned instant, grouped by instant, so that a module's service starts at it."""
    if metafunc.definition.get_closest_marker("any_hour") is None:
        return
    metafunc.parametrize(
        "pinned_clock",
        [None, *PINNED_INSTANTS.values()],
        ids=["real-clock", *PINNED_INSTANTS],
        indirect=True,
        scope="module",
    )


@pytest.fixture(scope="module", autouse=True)
def pinned_clock(request: pytest.FixtureRequest) -> Iterator[datetime | None]:
    """The instant the clock was pinned at for this module (None: the real clock); it ticks
    on from there. Fixtures that must start at that instant (a module's service) ask for it."""
    instant: datetime | None = getattr(request, "param", None)
    if instant is None:
        yield None
        return
    with time_machine.travel(instant, tick=True):
        yield instant


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


@pytest.fixture(scope="session")
def osm_regions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Region]:
    """The tests' two OSM fixtures, imported: the small one and the quirky town."""
    folder = tmp_path_factory.mktemp("osm")
    regions = {}
    for name, write in (("small", write_osm), ("city", write_city_osm)):
        osm = write(folder / f"{name}.osm")
        import_region(folder / name, osm_file=osm, imported_at=datetime(2026, 11, 28, tzinfo=UTC))
        regions[name] = Region.load(folder / name)
    return regions


def nearest_road_m(region: Region, point: LonLat) -> float:
    """Distance from a point to the nearest road segment, checking every one (brute force)."""
    snapper = region.snapper
    x, y = snapper.projection.point_to_xy(point)
    x0, y0, dx, dy, len2 = snapper._segment_rows.T
    t = np.clip(((x - x0) * dx + (y - y0) * dy) / len2, 0, 1)
    return float(np.min(np.hypot(x0 + t * dx - x, y0 + t * dy - y)))
