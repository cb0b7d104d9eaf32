"""Import a region's roads and hospitals from OpenStreetMap through osmnx.

Online, from a place name (``graph_from_place``, Overpass); offline, from a local ``.osm``
file (``graph_from_xml``). Either way: the drive network only, speeds per highway class from
the shared table unless ``maxspeed`` is tagged, travel time = length / speed, one-way streets
as tagged (osmnx reverses ``oneway=-1``), and only the largest strongly connected component.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import osmnx as ox

from routing.errors import OsmImportError
from routing.geo import BBox
from routing.hospital_match import MatchReport, match_hospitals
from routing.network import ComponentReport, RoadNetwork
from routing.pack import (
    HOSPITALS_FILE,
    POSTS_FILE,
    REGION_FILE,
    ROADS_FILE,
    RegionMeta,
    read_meta,
    write_hospitals,
    write_meta,
    write_posts,
)
from routing.speeds import SpeedTable

Progress = Callable[[str], None]
HOSPITAL_TAGS: dict[str, bool | str | list[str]] = {"amenity": "hospital"}
_BLOCKED_ACCESS = {"no", "private"}


@dataclass
class ImportReport:
    """What an import did, for a person to read."""

    directory: Path
    network_nodes: int = 0
    network_edges: int = 0
    components: ComponentReport | None = None
    edges_with_maxspeed: int = 0
    edges_excluded: dict[str, int] = field(default_factory=dict)
    hospitals: MatchReport | None = None


def load_graph(*, place: str | None = None, osm_file: Path | None = None) -> nx.MultiDiGraph[Any]:
    """The raw drive graph: downloaded for a place, or read from a local .osm file.

    Both come back unsimplified and with every component, so that filtering and the choice of
    component are ours and reported.
    """
    if (place is None) == (osm_file is None):
        msg = "give exactly one of a place name or an .osm file"
        raise OsmImportError(msg)
    try:
        if osm_file is not None:
            return ox.graph_from_xml(osm_file, simplify=False, retain_all=True)
        assert place is not None
        return ox.graph_from_place(place, network_type="drive", simplify=False, retain_all=True)
    except Exception as exc:  # osmnx raises many kinds: network, parsing, empty results
        source = str(osm_file) if osm_file else f"place {place!r}"
        msg = f"could not load roads from {source}: {exc}"
        raise OsmImportError(msg) from exc


def drive_only(graph: nx.MultiDiGraph[Any], speeds: SpeedTable) -> dict[str, int]:
    """Remove edges an ambulance cannot drive (in place); count the removed per reason.

    graph_from_place already asks Overpass for the drive network; a local file holds
    everything (footways, cycleways, private roads), so the same rule applies to both.
    """
    removed: dict[str, int] = {}
    drop = []
    for u, v, k, data in graph.edges(keys=True, data=True):
        highway = _first(data.get("highway"))
        if highway is None:
            reason = "not a road (no highway tag)"
        elif highway not in speeds.drivable:
            reason = f"highway={highway}"
        elif _first(data.get("access")) in _BLOCKED_ACCESS:
            reason = f"access={_first(data.get('access'))}"
        elif _first(data.get("area")) == "yes":
            reason = "area=yes"
        else:
            continue
        drop.append((u, v, k))
        removed[reason] = removed.get(reason, 0) + 1
    graph.remove_edges_from(drop)
    graph.remove_nodes_from([n for n in list(graph.nodes) if graph.degree(n) == 0])
    return removed


def add_travel_times(graph: nx.MultiDiGraph[Any], speeds: SpeedTable) -> int:
    """Speeds (km/h) and travel times (s) on every edge; returns edges that had a maxspeed."""
    with_maxspeed = sum(1 for *_, d in graph.edges(data=True) if d.get("maxspeed"))
    ox.add_edge_speeds(graph, hwy_speeds=speeds.speeds_kmh, fallback=speeds.fallback_kmh)
    ox.add_edge_travel_times(graph)
    return with_maxspeed


def to_network(graph: nx.MultiDiGraph[Any], speeds: SpeedTable) -> RoadNetwork:
    """An osmnx graph as a RoadNetwork, keeping edge geometry and the highway class."""
    nodes = list(graph.nodes)
    index = {n: i for i, n in enumerate(nodes)}
    classes = tuple(sorted(speeds.drivable))
    tails, heads, times, lengths, klass, geometry = [], [], [], [], [], []
    for u, v, data in graph.edges(data=True):
        tails.append(index[u])
        heads.append(index[v])
        times.append(float(data["travel_time"]))
        lengths.append(float(data["length"]))
        klass.append(classes.index(_first(data["highway"])))
        line = data.get("geometry")
        coords = np.asarray(line.coords)[1:-1] if line is not None else np.zeros((0, 2))
        geometry.append((coords[:, 0].copy(), coords[:, 1].copy()))
    return RoadNetwork.from_edges(
        node_lon=[graph.nodes[n]["x"] for n in nodes],
        node_lat=[graph.nodes[n]["y"] for n in nodes],
        tail=tails,
        head=heads,
        travel_time_s=times,
        length_m=lengths,
        road_class=klass,
        road_classes=classes,
        geometry=geometry,
    )


def load_hospital_features(
    *, place: str | None = None, osm_file: Path | None = None
) -> list[dict[str, Any]]:
    """OSM hospitals (amenity=hospital) as dicts: osm_id, name, lon, lat."""
    try:
        if osm_file is not None:
            frame = ox.features_from_xml(osm_file, tags=HOSPITAL_TAGS)
        elif place is not None:
            frame = ox.features_from_place(place, tags=HOSPITAL_TAGS)
        else:
            return []
    except ox._errors.InsufficientResponseError:
        return []
    except Exception as exc:
        msg = f"could not load hospitals: {exc}"
        raise OsmImportError(msg) from exc
    found = []
    for (element, osm_id), row in frame.iterrows():
        point = row.geometry.representative_point()
        name = row.get("name")
        found.append(
            {
                "osm_id": f"{element}/{osm_id}",
                "name": name if isinstance(name, str) else "",
                "lon": float(point.x),
                "lat": float(point.y),
            }
        )
    return found


def import_region(
    directory: Path,
    *,
    place: str | None = None,
    osm_file: Path | None = None,
    name: str | None = None,
    speeds: SpeedTable | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import roads and hospitals into a region pack directory (created if needed).

    An existing region.toml keeps its name, title and place; an existing hospitals.csv is the
    operator's list, matched against OSM (see hospital_match); ambulance_posts.csv is kept.
    """
    say = progress or (lambda _message: None)
    speeds = speeds or SpeedTable.load()
    directory.mkdir(parents=True, exist_ok=True)
    existing = read_meta(directory) if (directory / REGION_FILE).is_file() else None
    place = place or (existing.place if existing and osm_file is None else None)
    report = ImportReport(directory)
    say(f"loading roads from {osm_file or place}")
    graph = load_graph(place=place, osm_file=osm_file)
    say(f"{len(graph):,} nodes, {graph.number_of_edges():,} edges; keeping the drive network")
    report.edges_excluded = drive_only(graph, speeds)
    say("simplifying (merging nodes between intersections)")
    graph = ox.simplify_graph(graph)
    say("speeds and travel times")
    report.edges_with_maxspeed = add_travel_times(graph, speeds)
    say("keeping the largest strongly connected component")
    network, report.components = to_network(graph, speeds).largest_strong_component()
    say(report.components.describe())
    report.network_nodes, report.network_edges = network.node_count, network.edge_count
    bbox = _bbox(network)
    say("matching hospitals")
    report.hospitals = match_hospitals(
        directory=directory,
        features=load_hospital_features(place=place, osm_file=osm_file),
        network=network,
        bbox=bbox,
    )
    say(f"writing the region pack to {directory}")
    network.save(directory / ROADS_FILE)
    write_hospitals(directory, report.hospitals.rows)
    if not (directory / POSTS_FILE).is_file():
        write_posts(directory, [])
    write_meta(directory, _meta(existing, name or directory.name, place, osm_file, bbox, report))
    return report


def _meta(
    existing: RegionMeta | None,
    name: str,
    place: str | None,
    osm_file: Path | None,
    bbox: BBox,
    report: ImportReport,
) -> RegionMeta:
    source = f"OpenStreetMap via osmnx {ox.__version__}: " + (
        f"file {osm_file.name}" if osm_file else f"place {place!r}"
    )
    assert report.components is not None
    return RegionMeta(
        name=existing.name if existing else name,
        title=existing.title if existing else name,
        bbox=bbox,
        synthetic=False,
        source=source,
        licence="Open Database License (ODbL) 1.0",
        attribution="© OpenStreetMap contributors",
        place=place or (existing.place if existing else ""),
        extra={
            "import": {
                "imported_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
                "nodes": report.network_nodes,
                "edges": report.network_edges,
                "nodes_dropped_outside_largest_component": report.components.nodes_dropped,
                "edges_with_maxspeed": report.edges_with_maxspeed,
            }
        },
    )


def _bbox(network: RoadNetwork, margin_deg: float = 0.01) -> BBox:
    """The network's extent plus about a kilometre."""
    return BBox(
        round(float(network.node_lon.min()) - margin_deg, 5),
        round(float(network.node_lat.min()) - margin_deg, 5),
        round(float(network.node_lon.max()) + margin_deg, 5),
        round(float(network.node_lat.max()) + margin_deg, 5),
    )


def _first(value: Any) -> Any:
    """OSM attributes merged by simplification become lists; the first stands for the way."""
    return value[0] if isinstance(value, list) and value else value


def slug(text: str) -> str:
    """A lowercase id made of letters, digits and hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "hospital"


__all__ = ["HOSPITALS_FILE", "ImportReport", "import_region", "slug"]
