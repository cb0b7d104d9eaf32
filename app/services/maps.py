"""What the web pages draw and search: the region's roads, its place names and features
(river, hills), each built once per process; the drawings kept gzipped."""

from __future__ import annotations

import gzip
import json
import threading
from functools import cached_property
from typing import Any

from routing import Region
from routing.map_layer import road_layer
from routing.places import Gazetteer, read_places

# Hospitals are drawn as hospitals (with their readiness); the labels name everything else.
LABELLED_KINDS = ("district", "village", "landmark", "street", "puskesmas")


def _gzipped_json(data: Any) -> bytes:
    return gzip.compress(json.dumps(data, separators=(",", ":")).encode(), compresslevel=6)


class RoadLayer:
    """The road drawing of the served region as gzipped JSON (built on first use: about a
    second and a half for the demo region; 0.7 MB gzipped)."""

    def __init__(self, region: Region) -> None:
        self._region = region
        self._lock = threading.Lock()
        self._gzipped: bytes | None = None

    def gzipped(self) -> bytes:
        """The layer, built once (concurrent first requests wait for the same build)."""
        with self._lock:
            if self._gzipped is None:
                self._gzipped = _gzipped_json(road_layer(self._region.network))
            return self._gzipped


class RegionPlaces:
    """The region's gazetteer, and its labels and features for the map (gzipped JSON)."""

    def __init__(self, region: Region) -> None:
        self._region = region
        self._lock = threading.Lock()
        self._overlay: bytes | None = None

    @cached_property
    def gazetteer(self) -> Gazetteer:
        """Every place of the pack (none for a region without places.csv)."""
        directory = self._region.directory
        places = read_places(directory, self._region.meta.bbox) if directory else []
        return Gazetteer(places)

    def overlay_gzipped(self) -> bytes:
        """``{"labels": [[kind, name, lon, lat], ...], "features": GeoJSON or null}``."""
        with self._lock:
            if self._overlay is None:
                labels = [
                    [p.kind, p.name, p.location.lon, p.location.lat]
                    for p in self.gazetteer.places
                    if p.kind in LABELLED_KINDS
                ]
                self._overlay = _gzipped_json({"labels": labels, "features": self._region.features})
            return self._overlay
