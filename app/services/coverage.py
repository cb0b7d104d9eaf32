"""Coverage for the API and the reports: computed on the roads and readiness in force,
kept while neither changes (a computation takes seconds; a map layer asks often)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import shapely
from sqlmodel import Session

from app.services.readiness import BoardCache
from routing import Region
from routing.coverage import Coverage

# Polygons are simplified to about 50 m for maps and JSON (the figures use the exact ones).
SIMPLIFY_DEG = 0.0005
COORDINATE_DIGITS = 5
DEFAULT_CAPABILITIES = ("cath_lab", "ponek", "nicu", "neurosurgery")


class CoverageCache:
    """The last few coverages, keyed by capability, limits, road view and readiness board."""

    def __init__(self, region: Region, boards: BoardCache, *, size: int = 16) -> None:
        self._region = region
        self._boards = boards
        self._size = size
        self._kept: OrderedDict[tuple[Any, ...], Coverage] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, session: Session, capability: str, limits_s: Sequence[float]) -> Coverage:
        """Coverage of ``capability`` now (computed, or kept from an identical situation)."""
        board = self._boards.board(session)
        view = self._region.view
        key = (capability, tuple(limits_s), view.version, id(board))
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None:
                self._kept.move_to_end(key)
                return kept
        coverage = self._region.coverage(
            capability, board.readiness, limits_s=limits_s, view=view, hospitals=board.hospitals
        )
        with self._lock:
            self._kept[key] = coverage
            while len(self._kept) > self._size:
                self._kept.popitem(last=False)
        return coverage


def geojson(geometry: shapely.geometry.base.BaseGeometry) -> dict[str, Any]:
    """A polygon for a map: simplified and rounded."""
    simple = shapely.set_precision(
        geometry.simplify(SIMPLIFY_DEG, preserve_topology=True), 10**-COORDINATE_DIGITS
    )
    mapped: dict[str, Any] = shapely.geometry.mapping(simple)
    return mapped
