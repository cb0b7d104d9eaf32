"""Import a region's roads and hospitals from OpenStreetMap through osmnx.

Online, from a place name (``graph_from_place``, Overpass); offline, from a local ``.osm``
file (``graph_from_xml``). Either way: the drive network only; on every OSM segment a speed
(``maxspeed`` where it reads as a number, else the typical speed of its highway class) and a
travel time = length / speed, summed along merged edges (see ``osm_graph``); one-way streets
as tagged (``oneway=yes``, ``-1`` reversed, ``junction=roundabout``; ``oneway=reversible``
is driven both ways, as an ambulance may); no road lost to a self-loop or a parallel edge;
and only the largest strongly connected component. The same file gives the same pack, byte
for byte, whatever the process's hash seed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import osmnx as ox

from routing.errors import OsmImportError
from routing.geo import BBox
from routing.hospital_match import MatchReport, match_hospitals
from routing.network import ComponentReport, RoadNetwork
from routing.osm_graph import (
    CLASS_M,
    MIN_SPLIT_M,
    Cleanup,
    EdgeTally,
    add_segment_times,
    road_class,
    simplify,
    split_loops_and_parallels,
)
from routing.osm_places import (
    feature_places,
    load_place_features,
    region_places,
    river_features,
    street_places,
)
from routing.pack import (
    FEATURES_FILE,
    HOSPITALS_FILE,
    POSTS_FILE,
    REGION_FILE,
    ROADS_FILE,
    RegionMeta,
    read_districts,
    read_meta,
    read_posts,
    write_meta,
)
from routing.pack_writing import write_hospitals, write_posts
from routing.places import write_places
from routing.speeds import SpeedTable

Progress = Callable[[str], None]
HOSPITAL_TAGS: dict[str, bool | str | list[str]] = {"amenity": "hospital"}
_BLOCKED_ACCESS = {"no", "private"}


@dataclass
class ImportReport:
    """What an import did, for a person to read (:meth:`lines`)."""

    directory: Path
    network_nodes: int = 0
    network_edges: int = 0
    components: ComponentReport | None = None
    segments_with_maxspeed: int = 0
    maxspeed_unread: dict[str, int] = field(default_factory=dict)
    edges_excluded: dict[str, EdgeTally] = field(default_factory=dict)
    cleanup: Cleanup | None = None
    hospitals: MatchReport | None = None
    posts: int = 0
    places: int = 0
    warnings: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The report as lines of text: every edge left out, with its kilometres."""
        out = [f"road network: {self.network_nodes:,} nodes, {self.network_edges:,} edges"]
        for reason, tally in sorted(self.edges_excluded.items()):
            out.append(f"left out, {reason}: {tally}")
        if self.cleanup is not None:
            c = self.cleanup
            out += [
                f"self-loops split in three (kept): {c.loops_split}; "
                f"dropped (under {MIN_SPLIT_M:.0f} m): {c.loops_dropped}",
                f"parallel edges split in two (kept): {c.parallels_split}; "
                f"dropped (under {MIN_SPLIT_M:.0f} m): {c.parallels_dropped}",
            ]
        if self.components is not None:
            out.append(self.components.describe())
        out.append(f"OSM segments with a maxspeed tag: {self.segments_with_maxspeed:,}")
        out.append(f"place names for search and labels: {self.places:,}")
        for value, count in sorted(self.maxspeed_unread.items()):
            out.append(f"maxspeed={value!r} gives no speed ({count} segments): class speed used")
        return out + [f"WARNING: {w}" for w in self.warnings]


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


def drive_only(graph: nx.MultiDiGraph[Any], speeds: SpeedTable) -> dict[str, EdgeTally]:
    """Remove edges an ambulance cannot drive (in place); tally the removed per reason.

    graph_from_place already asks Overpass for the drive network; a local file holds
    everything (footways, cycleways, private roads), so the same rule applies to both.
    """
    removed: dict[str, EdgeTally] = {}
    drop = []
    for u, v, k, data in graph.edges(keys=True, data=True):
        highway = data.get("highway")
        if highway is None:
            reason = "not a road (no highway tag)"
        elif highway not in speeds.drivable:
            reason = f"highway={highway}"
        elif data.get("access") in _BLOCKED_ACCESS:
            reason = f"access={data.get('access')}"
        elif data.get("area") == "yes":
            reason = "area=yes"
        else:
            continue
        drop.append((u, v, k))
        removed.setdefault(reason, EdgeTally()).add(float(data.get("length", 0.0)))
    graph.remove_edges_from(drop)
    graph.remove_nodes_from([n for n in list(graph.nodes) if graph.degree(n) == 0])
    return removed


def to_network(graph: nx.MultiDiGraph[Any], speeds: SpeedTable) -> RoadNetwork:
    """A cleaned osmnx graph as a RoadNetwork, keeping edge geometry and the road class."""
    nodes = sorted(graph.nodes)
    index = {n: i for i, n in enumerate(nodes)}
    classes = tuple(sorted(speeds.drivable))
    tails, heads, times, lengths, klass, geometry = [], [], [], [], [], []
    for u, v, data in graph.edges(data=True):
        tails.append(index[u])
        heads.append(index[v])
        times.append(float(data["travel_time"]))
        lengths.append(float(data["length"]))
        klass.append(classes.index(road_class(data[CLASS_M], speeds)))
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


def import_region(  # noqa: PLR0913 - keyword options of one import
    directory: Path,
    *,
    imported_at: datetime,
    place: str | None = None,
    osm_file: Path | None = None,
    name: str | None = None,
    title: str | None = None,
    hospitals_file: Path | None = None,
    speeds: SpeedTable | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import roads and hospitals into a region pack directory (created if needed).

    An existing region.toml keeps its name, title and place (``title`` replaces the title).
    The operator's hospital list (``hospitals_file``, else the pack's hospitals.csv) is
    matched against OSM (see hospital_match); ambulance_posts.csv is kept. ``imported_at``
    is recorded in region.toml.
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
    say("speeds and travel times of every OSM segment")
    report.segments_with_maxspeed = sum(1 for *_, d in graph.edges(data=True) if d.get("maxspeed"))
    report.maxspeed_unread = add_segment_times(graph, speeds)
    say("simplifying (merging nodes between intersections)")
    graph = simplify(graph)
    report.cleanup = split_loops_and_parallels(graph)
    say("keeping the largest strongly connected component")
    network, report.components = to_network(graph, speeds).largest_strong_component()
    say(report.components.describe())
    report.network_nodes, report.network_edges = network.node_count, network.edge_count
    bbox = _bbox(network)
    say("matching hospitals")
    operator_file = hospitals_file or directory / HOSPITALS_FILE
    report.hospitals = match_hospitals(
        operator_file=operator_file if operator_file.is_file() else None,
        features=load_hospital_features(place=place, osm_file=osm_file),
        network=network,
        bbox=bbox,
    )
    say(f"writing the region pack to {directory}")
    network.save(directory / ROADS_FILE)
    write_hospitals(directory, report.hospitals.rows)
    if not (directory / POSTS_FILE).is_file():
        write_posts(directory, [])
    report.posts = len(read_posts(directory, bbox))
    say("place names and rivers")
    frame = load_place_features(place=place, osm_file=osm_file)
    report.places = _write_places(directory, graph, report.hospitals.rows, bbox, frame)
    report.warnings = _warnings(report)
    source = f"OpenStreetMap via osmnx {ox.__version__}: " + (
        f"file {osm_file.name}" if osm_file else f"place {place!r}"
    )
    write_meta(
        directory,
        RegionMeta(
            name=existing.name if existing else name or directory.name,
            title=title or (existing.title if existing else name or directory.name),
            bbox=bbox,
            synthetic=False,
            source=source,
            licence="Open Database License (ODbL) 1.0",
            attribution="© OpenStreetMap contributors",
            place=place or (existing.place if existing else ""),
            extra={"import": _import_record(report, imported_at)},
        ),
    )
    return report


def _write_places(
    directory: Path, graph: nx.MultiDiGraph[Any], hospitals: list[Any], bbox: BBox, frame: Any
) -> int:
    """Write places.csv and, when OSM has rivers, features.geojson; returns the places.
    ``frame``: the OSM features with names (``load_place_features``)."""
    places = region_places(
        streets=street_places(graph),
        features=feature_places(frame),
        hospitals=hospitals,
        districts=read_districts(directory, bbox),
        bbox=bbox,
    )
    write_places(directory, places)
    rivers = river_features(frame)
    if rivers:
        collection = {"type": "FeatureCollection", "synthetic": False, "features": rivers}
        (directory / FEATURES_FILE).write_text(json.dumps(collection), encoding="utf-8")
    return len(places)


def _import_record(report: ImportReport, imported_at: datetime) -> dict[str, Any]:
    assert report.components is not None and report.cleanup is not None
    return {
        "imported_at": imported_at.replace(microsecond=0).isoformat(),
        "nodes": report.network_nodes,
        "edges": report.network_edges,
        "nodes_dropped_outside_largest_component": report.components.nodes_dropped,
        "segments_with_maxspeed": report.segments_with_maxspeed,
        "self_loops_split": report.cleanup.loops_split.count,
        "parallel_edges_split": report.cleanup.parallels_split.count,
    }


def _warnings(report: ImportReport) -> list[str]:
    """What makes the region unfit to serve as imported, said plainly."""
    warnings = []
    hospitals = report.hospitals.rows if report.hospitals else []
    if not hospitals:
        warnings.append(
            "the region has NO hospitals: every ranking will be empty. Give the operator's "
            "list with --hospitals FILE (the columns of hospitals.csv) and import again."
        )
    elif not any(row.capabilities for row in hospitals):
        warnings.append(
            "no hospital has capabilities yet: none is eligible for any emergency until "
            "hospitals.csv lists what each can treat."
        )
    if report.posts == 0:
        warnings.append(
            "no ambulance posts: add ambulance_posts.csv (id,name,lon,lat,ambulances) so that "
            "ambulances can be recommended."
        )
    return warnings


def _bbox(network: RoadNetwork, margin_deg: float = 0.01) -> BBox:
    """The network's extent plus about a kilometre."""
    return BBox(
        round(float(network.node_lon.min()) - margin_deg, 5),
        round(float(network.node_lat.min()) - margin_deg, 5),
        round(float(network.node_lon.max()) + margin_deg, 5),
        round(float(network.node_lat.max()) + margin_deg, 5),
    )


__all__ = ["HOSPITALS_FILE", "ImportReport", "import_region"]
