"""The region's places: search by name, the nearest to a point, and the map's labels."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel

from app.api.deps import Operator, RegionDep, ServicesDep
from app.api.gzipped import gzipped_json_response
from app.core.types import ONE_LINE
from routing import LonLat
from routing.places import Place

router = APIRouter(prefix="/api", tags=["places"])

PlaceKind = Literal["district", "village", "hospital", "puskesmas", "landmark", "street"]


class PlaceOut(BaseModel):
    """A named place: kind, name, point, and the area (district or town) it lies in."""

    kind: PlaceKind
    name: str
    area: str
    lon: float
    lat: float
    score: float | None = None  # how well it matched the query (0-100)
    distance_m: float | None = None  # from the point asked about

    @classmethod
    def of(cls, place: Place, **extra: float) -> PlaceOut:
        return cls(
            kind=place.kind,  # read_places checked it is one of the kinds
            name=place.name,
            area=place.area,
            lon=place.location.lon,
            lat=place.location.lat,
            **extra,
        )


@router.get("/places")
def search_places(
    _principal: Operator,
    services: ServicesDep,
    q: Annotated[str, Query(min_length=1, max_length=100, pattern=ONE_LINE)],
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
    kind: Annotated[list[PlaceKind] | None, Query()] = None,
) -> list[PlaceOut]:
    """Places whose names match what the caller said: words in any order, each the start
    of a word ("jl merd"), abbreviations understood (jl, gg, rs, pkm), the area's words too
    ("merdeka purwa"), misspellings forgiven. Best first."""
    found = services.places.gazetteer.search(q, limit=limit, kinds=kind or ())
    return [PlaceOut.of(m.place, score=m.score) for m in found]


@router.get("/places/nearest")
def nearest_place(
    _principal: Operator,
    services: ServicesDep,
    region: RegionDep,
    lon: Annotated[float, Query(ge=-180, le=180)],
    lat: Annotated[float, Query(ge=-90, le=90)],
) -> PlaceOut | None:
    """The named place nearest a point (not a hospital), with its distance: what the
    operator reads back to the caller ("near Pasar Purwa?"). Null when there is none."""
    point = LonLat(lon, lat)
    kinds = ("village", "landmark", "street", "puskesmas", "district")
    found = services.places.gazetteer.nearest(point, kinds=kinds)
    if found is None or not region.meta.bbox.contains(point):
        return None
    place, distance_m = found
    return PlaceOut.of(place, distance_m=round(distance_m))


@router.get("/region/overlay", response_class=Response)
def map_overlay(request: Request, services: ServicesDep, region: RegionDep) -> Response:
    """What the map labels and draws beside the roads (JSON, gzipped): ``labels`` as
    ``[kind, name, lon, lat]`` and ``features`` (river, hills) as GeoJSON, or null."""
    body = services.places.overlay_gzipped()
    return gzipped_json_response(request, body, etag=f'"{region.meta.name}-overlay-{len(body)}"')
