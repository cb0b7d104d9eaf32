"""What the web pages draw: the region's roads, built once per process and kept gzipped."""

from __future__ import annotations

import gzip
import json
import threading

from routing import Region
from routing.map_layer import road_layer


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
                text = json.dumps(road_layer(self._region.network), separators=(",", ":"))
                self._gzipped = gzip.compress(text.encode(), compresslevel=6)
            return self._gzipped
