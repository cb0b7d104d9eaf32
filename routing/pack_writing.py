"""Writing a region pack's files (the demo generator and the OSM import do)."""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable
from pathlib import Path

from routing.pack import (
    BED_COLUMNS,
    DISTRICT_COLUMNS,
    DISTRICTS_FILE,
    HOSPITAL_COLUMNS,
    HOSPITALS_FILE,
    POPULATION_COLUMNS,
    POPULATION_FILE,
    POST_COLUMNS,
    POSTS_FILE,
    AmbulancePost,
    District,
    HospitalRow,
    PopulationGrid,
)


def write_population(directory: Path, grid: PopulationGrid) -> None:
    """Write population.csv."""
    with (directory / POPULATION_FILE).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(POPULATION_COLUMNS)
        for lon, lat, people in zip(grid.lon, grid.lat, grid.people, strict=True):
            writer.writerow([_deg(float(lon)), _deg(float(lat)), f"{people:.0f}"])


def write_districts(directory: Path, districts: Iterable[District]) -> None:
    """Write districts.csv."""
    with (directory / DISTRICTS_FILE).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(DISTRICT_COLUMNS)
        for d in districts:
            writer.writerow([d.code, d.name, _deg(d.centre.lon), _deg(d.centre.lat)])


def write_hospitals(directory: Path, hospitals: Iterable[HospitalRow]) -> None:
    """Write hospitals.csv."""
    with (directory / HOSPITALS_FILE).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HOSPITAL_COLUMNS)
        for h in hospitals:
            writer.writerow(
                [
                    h.id,
                    h.name,
                    h.hospital_class,
                    _deg(h.location.lon),
                    _deg(h.location.lat),
                    ";".join(h.capabilities),
                    *(h.beds.get(c.removeprefix("beds_"), 0) for c in BED_COLUMNS),
                    h.osm_id,
                    h.address,
                ]
            )


def write_posts(directory: Path, posts: Iterable[AmbulancePost]) -> None:
    """Write ambulance_posts.csv."""
    with (directory / POSTS_FILE).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(POST_COLUMNS)
        for p in posts:
            writer.writerow(
                [p.id, p.name, _deg(p.location.lon), _deg(p.location.lat), p.ambulances]
            )


def _deg(value: float) -> str:
    """Degrees to 7 decimals (about 1 cm), as OpenStreetMap stores them."""
    if not math.isfinite(value):
        msg = f"not a coordinate: {value}"
        raise ValueError(msg)
    return f"{value:.7f}"
