"""A region described as plain data: what a person wants to know about it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from routing.capabilities import Taxonomy
from routing.network import RoadNetwork
from routing.pack import AmbulancePost, District, RegionMeta
from routing.ranking import Hospital


class Described(Protocol):
    """What a summary reads of a region."""

    @property
    def meta(self) -> RegionMeta: ...
    @property
    def network(self) -> RoadNetwork: ...
    @property
    def taxonomy(self) -> Taxonomy: ...
    @property
    def hospitals(self) -> Sequence[Hospital]: ...
    @property
    def posts(self) -> Sequence[AmbulancePost]: ...
    @property
    def districts(self) -> Mapping[str, District]: ...


def summarise(region: Described) -> dict[str, Any]:
    """Name, title, licence or synthetic, nodes, km of road by class, hospitals, posts."""
    capabilities = Counter(c for h in region.hospitals for c in h.capabilities)
    return {
        "name": region.meta.name,
        "title": region.meta.title,
        "synthetic": region.meta.synthetic,
        "source": region.meta.source,
        "licence": region.meta.licence,
        "attribution": region.meta.attribution,
        "bbox": list(region.meta.bbox),
        "nodes": region.network.node_count,
        "edges": region.network.edge_count,
        "road_km_by_class": region.network.road_km_by_class(),
        "hospitals": len(region.hospitals),
        "hospitals_by_class": dict(Counter(h.hospital_class or "?" for h in region.hospitals)),
        "hospitals_by_capability": {
            c: capabilities.get(c, 0) for c in region.taxonomy.capabilities
        },
        "ambulance_posts": len(region.posts),
        "ambulances": sum(p.ambulances for p in region.posts),
        "districts": len(region.districts),
    }
