"""Satria's routing library: region packs, snapping, travel times, explained hospital ranking.

Pure Python over numpy/scipy arrays; it knows nothing of the web service or the database.

    >>> from routing import Region, LonLat
    >>> region = Region.load("demo")
    >>> region.rank_hospitals(LonLat(109.22, -7.40), "stemi").best
"""

from routing.capabilities import Category, Taxonomy
from routing.engine import Route
from routing.errors import (
    NoRouteError,
    PointOutsideRegionError,
    PointTooFarFromRoadError,
    RegionError,
    RegionNotFoundError,
    RegionNotImportedError,
    RegionPackError,
    RoutingError,
    SnapError,
    TaxonomyError,
    UnknownCategoryError,
    UnknownHospitalError,
)
from routing.geo import BBox, LonLat
from routing.ranking import Hospital, PassOver, RankedHospital, Ranking, Readiness, Reason
from routing.region import Region
from routing.snap import Snap

__all__ = [
    "BBox",
    "Category",
    "Hospital",
    "LonLat",
    "NoRouteError",
    "PassOver",
    "PointOutsideRegionError",
    "PointTooFarFromRoadError",
    "RankedHospital",
    "Ranking",
    "Readiness",
    "Reason",
    "Region",
    "RegionError",
    "RegionNotFoundError",
    "RegionNotImportedError",
    "RegionPackError",
    "Route",
    "RoutingError",
    "Snap",
    "SnapError",
    "Taxonomy",
    "TaxonomyError",
    "UnknownCategoryError",
    "UnknownHospitalError",
]
