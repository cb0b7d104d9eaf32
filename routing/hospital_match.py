"""Match OpenStreetMap hospitals to the operator's hospital list; list, never guess.

The operator's hospitals.csv (with capabilities) is the authority. An OSM hospital matches a
row by ``osm_id``, or else by a similar name (ratio >= 0.85 after dropping "RS", "RSUD", ...)
within 2 km. One candidate: matched, the row keeps its capabilities and gains the osm_id. Two
or more: ambiguous, listed and left out. None: added with no capabilities, for the operator to
fill in (until then it is never eligible). OSM hospitals without a name, outside the region
or too far from any road are listed and left out; operator rows that OSM does not know are
kept and listed.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from routing.capabilities import Taxonomy
from routing.geo import BBox, LocalProjection, LonLat, haversine_m
from routing.network import RoadNetwork
from routing.pack import HospitalRow, read_hospitals

NAME_SIMILARITY = 0.85
MATCH_RADIUS_M = 2000.0
MAX_ROAD_M = 1000.0
_PREFIXES = re.compile(r"\b(rs|rsu|rsud|rsia|rsj|rsb|rumah sakit|umum|daerah)\b")


@dataclass
class MatchReport:
    """Rows to write and what a person must look at."""

    rows: list[HospitalRow] = field(default_factory=list)
    matched: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    ambiguous: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    not_in_osm: list[str] = field(default_factory=list)


def normalise(name: str) -> str:
    """Lowercase, without hospital-type prefixes and punctuation, for name comparison."""
    text = re.sub(r"[^a-z0-9 ]+", " ", name.lower().replace(".", ""))  # R.S.U.D. -> rsud
    return " ".join(_PREFIXES.sub(" ", text).split())


def _similar(a: str, b: str) -> bool:
    return difflib.SequenceMatcher(None, normalise(a), normalise(b)).ratio() >= NAME_SIMILARITY


def _unique_id(base: str, taken: set[str]) -> str:
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    taken.add(candidate)
    return candidate


def slug(text: str) -> str:
    """A lowercase id made of letters, digits and hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "hospital"


def match_hospitals(
    *,
    operator_file: Path | None,
    features: list[dict[str, Any]],
    network: RoadNetwork,
    bbox: BBox,
) -> MatchReport:
    """Merge OSM hospital features into the operator's list, read from ``operator_file``
    (the columns of hospitals.csv; None: no list), as the module docstring says."""
    existing = (
        read_hospitals(operator_file.parent, bbox, Taxonomy.load(), file_name=operator_file.name)
        if operator_file is not None
        else []
    )
    report = MatchReport()
    claimed: dict[str, dict[str, Any]] = {}
    projection = LocalProjection(bbox.centre)
    node_x, node_y = projection.to_xy(network.node_lon, network.node_lat)
    taken = {row.id for row in existing}
    for feature in features:
        point = LonLat(feature["lon"], feature["lat"])
        label = f"{feature['name'] or 'unnamed'} ({feature['osm_id']})"
        if not feature["name"]:
            report.skipped.append(f"{label}: no name in OSM; add it to hospitals.csv by hand")
            continue
        if not bbox.contains(point):
            report.skipped.append(f"{label}: outside the region")
            continue
        x, y = projection.point_to_xy(point)
        road_m = float(np.sqrt(np.min((node_x - x) ** 2 + (node_y - y) ** 2)))
        if road_m > MAX_ROAD_M:
            report.skipped.append(f"{label}: {road_m:.0f} m from the nearest road")
            continue
        candidates = [r for r in existing if r.osm_id and r.osm_id == feature["osm_id"]] or [
            r
            for r in existing
            if _similar(r.name, feature["name"])
            and haversine_m(r.location, point) <= MATCH_RADIUS_M
        ]
        if len(candidates) > 1:
            names = ", ".join(r.id for r in candidates)
            report.ambiguous.append(f"{label}: could be any of {names}; set osm_id by hand")
        elif candidates:
            claimed[candidates[0].id] = feature
            report.matched.append(f"{label} -> {candidates[0].id}")
        else:
            new_id = _unique_id(slug(feature["name"]), taken)
            report.rows.append(
                HospitalRow(new_id, feature["name"], "", point, (), {}, osm_id=feature["osm_id"])
            )
            report.added.append(f"{label} -> {new_id}: capabilities to fill in")
    for row in existing:
        if row.id not in claimed:
            report.not_in_osm.append(f"{row.id} ({row.name}): kept as the operator listed it")
            report.rows.append(row)
        else:
            feature = claimed[row.id]
            report.rows.append(
                HospitalRow(
                    row.id,
                    row.name,
                    row.hospital_class,
                    row.location,
                    row.capabilities,
                    row.beds,
                    osm_id=feature["osm_id"],
                    address=row.address,
                )
            )
    report.rows.sort(key=lambda r: r.id)
    return report
