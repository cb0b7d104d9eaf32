"""Region pack files: region.toml, roads.npz, hospitals.csv, ambulance_posts.csv and the
optional districts.csv and population.csv.

Reading validates every field and names the file and the row of the first problem it meets;
writing produces files that reading accepts.
"""

from __future__ import annotations

import csv
import json
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import tomli_w

from routing.capabilities import Taxonomy
from routing.errors import RegionNotFoundError, RegionPackError, TaxonomyError
from routing.geo import BBox, LonLat

REGION_FILE = "region.toml"
ROADS_FILE = "roads.npz"
HOSPITALS_FILE = "hospitals.csv"
POSTS_FILE = "ambulance_posts.csv"
FEATURES_FILE = "features.geojson"
DISTRICTS_FILE = "districts.csv"  # optional: kecamatan centres for calls without a point
POPULATION_FILE = "population.csv"  # optional: people per grid cell centre, for coverage

BED_COLUMNS = ("beds_igd", "beds_icu", "beds_nicu", "beds_picu", "beds_ward")
HOSPITAL_COLUMNS = (
    "id",
    "name",
    "class",
    "lon",
    "lat",
    "capabilities",
    *BED_COLUMNS,
    "osm_id",
    "address",
)
POST_COLUMNS = ("id", "name", "lon", "lat", "ambulances")
DISTRICT_COLUMNS = ("code", "name", "lon", "lat")
HOSPITAL_CLASSES = ("A", "B", "C", "D", "khusus", "")


@dataclass(frozen=True)
class RegionMeta:
    """What region.toml says: identity, extent, provenance and licence."""

    name: str
    title: str
    bbox: BBox
    synthetic: bool
    source: str
    licence: str
    attribution: str
    place: str = ""  # the OSM place name an import starts from
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_toml(self) -> dict[str, Any]:
        """The dictionary that region.toml holds."""
        region: dict[str, Any] = {
            "name": self.name,
            "title": self.title,
            "synthetic": self.synthetic,
            "source": self.source,
            "licence": self.licence,
            "attribution": self.attribution,
            "bbox": list(self.bbox),
        }
        if self.place:
            region["place"] = self.place
        return {"region": region, **self.extra}


@dataclass(frozen=True)
class HospitalRow:
    """A row of hospitals.csv, checked."""

    id: str
    name: str
    hospital_class: str
    location: LonLat
    capabilities: tuple[str, ...]
    beds: dict[str, int]
    osm_id: str = ""
    address: str = ""


@dataclass(frozen=True)
class AmbulancePost:
    """A base where ambulances wait: a PSC 119 post, a Puskesmas, a hospital garage."""

    id: str
    name: str
    location: LonLat
    ambulances: int


@dataclass(frozen=True)
class District:
    """A district (kecamatan): its 6-digit Kemendagri code, name and a central point."""

    code: str
    name: str
    centre: LonLat


def read_meta(directory: Path) -> RegionMeta:
    """Read and check region.toml."""
    path = directory / REGION_FILE
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        msg = f"{path}: cannot read ({exc})"
        raise RegionPackError(msg) from exc
    region = raw.get("region")
    if not isinstance(region, dict):
        msg = f"{path}: missing [region] table"
        raise RegionPackError(msg)
    for key in ("name", "title", "source", "licence", "attribution"):
        if not isinstance(region.get(key), str) or not region[key]:
            msg = f"{path}: [region] {key} must be a non-empty string"
            raise RegionPackError(msg)
    if not isinstance(region.get("synthetic"), bool):
        msg = f"{path}: [region] synthetic must be true or false"
        raise RegionPackError(msg)
    bbox = region.get("bbox")
    if not (
        isinstance(bbox, list) and len(bbox) == 4 and all(isinstance(v, int | float) for v in bbox)
    ):
        msg = f"{path}: [region] bbox must be [min_lon, min_lat, max_lon, max_lat]"
        raise RegionPackError(msg)
    box = BBox(*(float(v) for v in bbox))
    if not (box.min_lon < box.max_lon and box.min_lat < box.max_lat) or not (
        LonLat(box.min_lon, box.min_lat).is_valid() and LonLat(box.max_lon, box.max_lat).is_valid()
    ):
        msg = f"{path}: [region] bbox {bbox} is not a valid box in degrees"
        raise RegionPackError(msg)
    extra = {k: v for k, v in raw.items() if k != "region"}
    return RegionMeta(
        name=region["name"],
        title=region["title"],
        bbox=box,
        synthetic=region["synthetic"],
        source=region["source"],
        licence=region["licence"],
        attribution=region["attribution"],
        place=str(region.get("place", "")),
        extra=extra,
    )


def write_meta(directory: Path, meta: RegionMeta) -> None:
    """Write region.toml."""
    (directory / REGION_FILE).write_text(tomli_w.dumps(meta.to_toml()), encoding="utf-8")


def read_rows(path: Path, columns: tuple[str, ...]) -> Iterable[tuple[int, dict[str, str]]]:
    """Rows of a CSV file of a pack with their line numbers; the header must hold
    ``columns`` (every pack file is read through here)."""
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in columns if c not in (reader.fieldnames or ())]
            if missing:
                msg = f"{path}: missing columns {missing}"
                raise RegionPackError(msg)
            yield from ((reader.line_num, row) for row in reader)
    except OSError as exc:
        msg = f"{path}: cannot read ({exc})"
        raise RegionPackError(msg) from exc


def read_location(row: dict[str, str], bbox: BBox, where: str) -> LonLat:
    try:
        point = LonLat(float(row["lon"]), float(row["lat"]))
    except (TypeError, ValueError):
        msg = f"{where}: lon and lat must be numbers in degrees, got {row['lon']!r}, {row['lat']!r}"
        raise RegionPackError(msg) from None
    if not point.is_valid() or not bbox.contains(point):
        msg = f"{where}: ({point.lon}, {point.lat}) lies outside the region's bbox {tuple(bbox)}"
        raise RegionPackError(msg)
    return point


def _count(value: str, column: str, where: str) -> int:
    text = value.strip() if value else ""
    if not text:
        return 0
    if not text.isdigit():
        msg = f"{where}: {column} must be a whole number of 0 or more, got {value!r}"
        raise RegionPackError(msg)
    return int(text)


def read_hospitals(
    directory: Path, bbox: BBox, taxonomy: Taxonomy, *, file_name: str = HOSPITALS_FILE
) -> list[HospitalRow]:
    """Read and check hospitals.csv (or another file of its columns); ids must be unique,
    capabilities known."""
    path = directory / file_name
    hospitals: list[HospitalRow] = []
    seen: set[str] = set()
    for line, row in read_rows(path, HOSPITAL_COLUMNS):
        where = f"{path}, line {line}"
        hospital_id = (row["id"] or "").strip()
        if not hospital_id or hospital_id in seen:
            msg = f"{where}: id {hospital_id!r} is empty or repeated"
            raise RegionPackError(msg)
        seen.add(hospital_id)
        if not (row["name"] or "").strip():
            msg = f"{where}: hospital {hospital_id!r} has no name"
            raise RegionPackError(msg)
        if row["class"] not in HOSPITAL_CLASSES:
            msg = f"{where}: class {row['class']!r} is not one of {HOSPITAL_CLASSES}"
            raise RegionPackError(msg)
        capabilities = tuple(c.strip() for c in (row["capabilities"] or "").split(";") if c.strip())
        try:
            taxonomy.mask(capabilities)
        except TaxonomyError as exc:
            msg = f"{where}: {exc}"
            raise RegionPackError(msg) from None
        hospitals.append(
            HospitalRow(
                id=hospital_id,
                name=row["name"].strip(),
                hospital_class=row["class"],
                location=read_location(row, bbox, where),
                capabilities=capabilities,
                beds={c.removeprefix("beds_"): _count(row[c], c, where) for c in BED_COLUMNS},
                osm_id=(row["osm_id"] or "").strip(),
                address=(row["address"] or "").strip(),
            )
        )
    return hospitals


def read_posts(directory: Path, bbox: BBox) -> list[AmbulancePost]:
    """Read and check ambulance_posts.csv."""
    path = directory / POSTS_FILE
    posts: list[AmbulancePost] = []
    seen: set[str] = set()
    for line, row in read_rows(path, POST_COLUMNS):
        where = f"{path}, line {line}"
        post_id = (row["id"] or "").strip()
        if not post_id or post_id in seen:
            msg = f"{where}: id {post_id!r} is empty or repeated"
            raise RegionPackError(msg)
        seen.add(post_id)
        name = (row["name"] or "").strip()
        if not name:
            msg = f"{where}: post {post_id!r} has no name"
            raise RegionPackError(msg)
        location = read_location(row, bbox, where)
        posts.append(
            AmbulancePost(post_id, name, location, _count(row["ambulances"], "ambulances", where))
        )
    return posts


def read_districts(directory: Path, bbox: BBox) -> list[District]:
    """Read and check districts.csv; no file means no districts."""
    path = directory / DISTRICTS_FILE
    if not path.is_file():
        return []
    districts: list[District] = []
    seen: set[str] = set()
    for line, row in read_rows(path, DISTRICT_COLUMNS):
        where = f"{path}, line {line}"
        code = (row["code"] or "").strip()
        if len(code) != 6 or not code.isdigit() or code in seen:
            msg = f"{where}: code {code!r} is not a 6-digit district code, or is repeated"
            raise RegionPackError(msg)
        seen.add(code)
        districts.append(
            District(code, (row["name"] or "").strip(), read_location(row, bbox, where))
        )
    return districts


@dataclass(frozen=True)
class PopulationGrid:
    """People counted at points (grid cell centres), for coverage shares."""

    lon: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]
    people: npt.NDArray[np.float64]

    @property
    def total(self) -> float:
        """Everyone counted."""
        return float(self.people.sum())


POPULATION_COLUMNS = ("lon", "lat", "people")


def read_population(directory: Path, bbox: BBox) -> PopulationGrid | None:
    """Read and check population.csv (lon, lat, people); no file means no population."""
    path = directory / POPULATION_FILE
    if not path.is_file():
        return None
    lon, lat, people = [], [], []
    for line, row in read_rows(path, POPULATION_COLUMNS):
        where = f"{path}, line {line}"
        point = read_location(row, bbox, where)
        try:
            count = float(row["people"] or "")
        except ValueError:
            count = -1.0
        if not count >= 0:
            msg = f"{where}: people must be a number, 0 or more"
            raise RegionPackError(msg)
        lon.append(point.lon)
        lat.append(point.lat)
        people.append(count)
    return PopulationGrid(np.array(lon), np.array(lat), np.array(people))


DEFAULT_REGIONS_DIR = Path(__file__).resolve().parent.parent / "data" / "regions"


def resolve_region_dir(name_or_path: str | Path, regions_dir: Path | None = None) -> Path:
    """A region name under ``regions_dir`` (default data/regions), or a path to a pack."""
    candidate = Path(name_or_path)
    if (candidate / REGION_FILE).is_file():
        return candidate
    base = regions_dir or DEFAULT_REGIONS_DIR
    named = base / str(name_or_path)
    if (named / REGION_FILE).is_file():
        return named
    known = sorted(p.parent.name for p in base.glob(f"*/{REGION_FILE}")) if base.is_dir() else []
    msg = f"no region pack {str(name_or_path)!r} (looked in {base}; known: {known or 'none'})"
    if str(name_or_path) == "demo":
        msg += "; create it with `satria region demo`"
    raise RegionNotFoundError(msg)


def read_features(directory: Path) -> dict[str, Any] | None:
    """Map features shipped with a pack (river, hills), GeoJSON, or None."""
    path = directory / FEATURES_FILE
    if not path.is_file():
        return None
    data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return data
