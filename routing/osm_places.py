"""A region's place names and rivers from OpenStreetMap, for the gazetteer and the map.

Streets come from the drive graph's ``name`` tags (a list after simplification merged ways
of several names: each name counts), one place per name and 1.5 km cell, at the middle of
its longest edge there: "Jalan Merdeka" of one village is not the one of the next. Villages
(``place=*``), landmarks (markets, mosques, schools, stations, offices) and Puskesmas
(``healthcare=centre`` or a clinic named so) come from the OSM features; districts from the
Kemendagri list of the pack (districts.csv); hospitals from the pack's hospital list. Names
outside the region's box are left out.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import networkx as nx
import osmnx as ox

from routing.errors import OsmImportError
from routing.geo import BBox, LonLat
from routing.pack import District, HospitalRow
from routing.places import Place, with_areas

VILLAGE_PLACES = ["city", "town", "village", "suburb", "hamlet", "neighbourhood", "quarter"]
LANDMARK_AMENITIES = [
    "marketplace", "place_of_worship", "school", "college", "university", "police",
    "fire_station", "townhall", "bus_station", "community_centre", "bank",
]  # fmt: skip
PLACE_TAGS: dict[str, bool | str | list[str]] = {
    "place": VILLAGE_PLACES,
    "amenity": [*LANDMARK_AMENITIES, "clinic", "doctors"],
    "healthcare": ["centre", "clinic"],
    "railway": ["station"],
    "waterway": ["river", "canal"],
}
STREET_CELL_M = 1_500.0
M_PER_DEG = 111_320.0


def load_place_features(*, place: str | None = None, osm_file: Path | None = None) -> Any:
    """The OSM features with names and rivers (a GeoDataFrame), or None when there are none."""
    try:
        if osm_file is not None:
            return ox.features_from_xml(osm_file, tags=PLACE_TAGS)
        if place is not None:
            return ox.features_from_place(place, tags=PLACE_TAGS)
    except ox._errors.InsufficientResponseError:
        return None
    except Exception as exc:
        msg = f"could not load place names: {exc}"
        raise OsmImportError(msg) from exc
    return None


def _text(value: Any) -> str:
    """A tag's value as text ('' for pandas' NaN of a missing tag)."""
    return value.strip() if isinstance(value, str) else ""


def feature_places(frame: Any) -> list[Place]:
    """Villages, landmarks and Puskesmas among the features."""
    found: list[Place] = []
    if frame is None:
        return found
    for _, row in frame.iterrows():
        name = _text(row.get("name"))
        if not name:
            continue
        amenity, health = _text(row.get("amenity")), _text(row.get("healthcare"))
        if _text(row.get("place")) in VILLAGE_PLACES:
            kind = "village"
        elif "puskesmas" in name.lower() and (health or amenity in ("clinic", "doctors")):
            kind = "puskesmas"
        elif amenity in LANDMARK_AMENITIES or _text(row.get("railway")) == "station":
            kind = "landmark"
        else:
            continue  # a river, or a clinic that is not a Puskesmas
        point = row.geometry.representative_point()
        found.append(Place(kind, name, LonLat(round(point.x, 6), round(point.y, 6))))
    return found


def river_features(frame: Any) -> list[dict[str, Any]]:
    """Rivers and canals as GeoJSON features (kind "river"), for the map."""
    found: list[dict[str, Any]] = []
    if frame is None or "waterway" not in frame:
        return found
    for _, row in frame.iterrows():
        if _text(row.get("waterway")) not in ("river", "canal"):
            continue
        geometry = row.geometry
        if geometry.geom_type not in ("LineString", "MultiLineString"):
            continue
        found.append(
            {
                "type": "Feature",
                "geometry": geometry.__geo_interface__,
                "properties": {"kind": "river", "name": _text(row.get("name"))},
            }
        )
    return found


def street_places(graph: nx.MultiDiGraph[Any]) -> list[Place]:
    """Named streets of a (simplified) drive graph: one place per name and cell."""
    longest: dict[tuple[str, int, int], tuple[float, LonLat]] = {}
    for u, v, data in graph.edges(data=True):
        names = data.get("name")
        names = names if isinstance(names, list) else [names]
        middle = _middle(graph, u, v, data)
        cell = (
            math.floor(middle.lon * M_PER_DEG / STREET_CELL_M),
            math.floor(middle.lat * M_PER_DEG / STREET_CELL_M),
        )
        length = float(data.get("length", 0.0))
        for name in {_text(n) for n in names} - {""}:
            key = (name, *cell)
            if key not in longest or length > longest[key][0]:
                longest[key] = (length, middle)
    return [Place("street", name, point) for (name, _, _), (_, point) in sorted(longest.items())]


def _middle(graph: nx.MultiDiGraph[Any], u: Any, v: Any, data: dict[str, Any]) -> LonLat:
    line = data.get("geometry")
    if line is not None:
        point = line.interpolate(0.5, normalized=True)
        return LonLat(round(point.x, 6), round(point.y, 6))
    a, b = graph.nodes[u], graph.nodes[v]
    return LonLat(round((a["x"] + b["x"]) / 2, 6), round((a["y"] + b["y"]) / 2, 6))


def region_places(
    *,
    streets: Iterable[Place],
    features: Iterable[Place],
    hospitals: Sequence[HospitalRow],
    districts: Sequence[District],
    bbox: BBox,
) -> list[Place]:
    """Every place of an imported region, each with its area (its district, else its
    village), inside the box, once each."""
    district_places = [Place("district", d.name, d.centre) for d in districts if d.name]
    named = [
        *district_places,
        *features,
        *streets,
        *(Place("hospital", h.name, h.location) for h in hospitals if h.name),
    ]
    inside = [p for p in named if bbox.contains(p.location)]
    villages = [p for p in inside if p.kind == "village"]
    placed = with_areas(inside, district_places or villages)
    unique = {(p.kind, p.name, p.location): p for p in placed}
    return list(unique.values())
