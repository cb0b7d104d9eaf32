"""The routing library's errors: one small hierarchy, mapped by the service to HTTP problems."""


class RoutingError(Exception):
    """Base of every error the routing library raises on purpose."""


class RegionError(RoutingError):
    """A region pack is missing, incomplete or invalid."""


class RegionNotFoundError(RegionError):
    """No region pack under that name or path."""


class RegionNotImportedError(RegionError):
    """The region is defined but its roads have not been imported yet."""


class RegionPackError(RegionError):
    """A file of a region pack is invalid; the message names the file and the row."""


class TaxonomyError(RoutingError):
    """The capability taxonomy or a reference to it is invalid."""


class UnknownCategoryError(TaxonomyError):
    """An emergency category that the taxonomy does not define."""


class SnapError(RoutingError):
    """A point cannot be placed on the road network."""


class PointOutsideRegionError(SnapError):
    """The point lies outside the region's bounding box."""


class PointTooFarFromRoadError(SnapError):
    """The nearest road is farther than the snapping limit."""


class NoRouteError(RoutingError):
    """No road path joins the two points."""


class OsmImportError(RoutingError):
    """An OpenStreetMap import could not be carried out."""


class UnknownHospitalError(RoutingError, KeyError):
    """No hospital with that id in the region (a KeyError too, for mapping-style callers)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown hospital"


class InvalidGeometryError(RoutingError, ValueError):
    """A drawn shape the library cannot use (a restriction that is not a point, a line or a
    polygon)."""
