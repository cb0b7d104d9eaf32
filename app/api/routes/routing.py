"""The region, the taxonomy, and stateless rankings (capabilities and current readiness)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from app.api import schemas as s
from app.api.deps import (
    Operator,
    OperatorOrCrew,
    RegionDep,
    ServicesDep,
    SessionDep,
    SessionReleasingRoute,
)
from app.api.gzipped import gzipped_json_response
from app.errors import InputError, NotFoundError
from app.models import utcnow
from routing import LonLat

router = APIRouter(prefix="/api", tags=["routing"], route_class=SessionReleasingRoute)


class RankingRequest(BaseModel):
    """An incident point and an emergency category."""

    lon: s.Lon
    lat: s.Lat
    category: s.Code
    departure_at: s.Instant | None = Field(
        default=None,
        description="Rank on the roads of another time of day (a planned transfer); the "
        "closures in force now still apply. Default: now.",
    )


@router.get("/region")
def region_summary(region: RegionDep) -> dict[str, Any]:
    """Summary of the served region: size, roads by class, hospitals, licence or synthetic."""
    return region.summary()


@router.get("/region/districts")
def region_districts(region: RegionDep) -> list[dict[str, str]]:
    """The region's districts (kecamatan): Kemendagri code and name, for a caller without GPS."""
    return [{"code": code, "name": d.name} for code, d in sorted(region.districts.items())]


@router.get("/categories")
def categories(region: RegionDep) -> dict[str, Any]:
    """Emergency categories with the capabilities and bed kind each requires."""
    return {
        code: {"label": c.label, "label_id": c.label_id, "requires": c.requires, "bed": c.bed}
        for code, c in region.taxonomy.categories.items()
    }


@router.get("/capabilities")
def capabilities(region: RegionDep) -> dict[str, dict[str, dict[str, str]]]:
    """The names of capability codes, bed kinds and specialists, in English and Bahasa
    Indonesia (the pages translate the codes the API gives), and the blood groups."""
    taxonomy = region.taxonomy

    def names(terms: dict[str, Any]) -> dict[str, dict[str, str]]:
        return {code: {"label": t.label, "label_id": t.label_id} for code, t in terms.items()}

    return {
        "capabilities": names(taxonomy.capabilities),
        "bed_kinds": names(taxonomy.bed_kinds),
        "specialists": names(taxonomy.specialists),
        "blood_groups": {g: {"label": g, "label_id": g} for g in taxonomy.blood_groups},
    }


@router.post("/rankings")
def rank(
    body: RankingRequest,
    _principal: Operator,
    region: RegionDep,
    session: SessionDep,
    services: ServicesDep,
) -> s.RankingOut:
    """Rank every hospital for a point by road travel time, capability and readiness."""
    services.metrics.rankings.inc()
    view = region.view_at(body.departure_at) if body.departure_at else region.view
    ranking = region.rank_hospitals(
        LonLat(body.lon, body.lat),
        body.category,
        services.boards.board(session),
        now=utcnow(),
        stale_after_s=services.assessor.readiness_stale_after_s,
        view=view,
    )
    return s.ranking_out(ranking, synthetic=region.meta.synthetic)


@router.get("/region/roads", response_class=Response)
def road_layer(request: Request, services: ServicesDep, region: RegionDep) -> Response:
    """The region's roads for drawing (JSON, gzipped): integer coordinates in 1e-5 degree,
    each line ``[class index, x0, y0, dx1, dy1, ...]``, major road classes first."""
    body = services.road_layer.gzipped()
    return gzipped_json_response(request, body, etag=f'"{region.meta.name}-{len(body)}"')


class RouteRequest(BaseModel):
    """From a point to a hospital (``hospital_id``) or to another point (``to``)."""

    origin: s.Point
    hospital_id: s.Code | None = None
    to: s.Point | None = None


class RouteOut(BaseModel):
    """The fastest road route: seconds, metres and the line to draw ([lon, lat] pairs)."""

    eta_s: float
    length_m: float
    coordinates: list[tuple[float, float]]


@router.post("/routes")
def route(body: RouteRequest, _principal: OperatorOrCrew, region: RegionDep) -> RouteOut:
    """The fastest road route from a point to a hospital or to another point (operators, and
    crews for the map in their app)."""
    origin = LonLat(body.origin.lon, body.origin.lat)
    if body.hospital_id is not None:
        if body.hospital_id not in {h.id for h in region.hospitals}:
            msg = f"no hospital {body.hospital_id} in this region"
            raise NotFoundError(msg)
        found = region.route_to_hospital(origin, body.hospital_id)
    elif body.to is not None:
        found = region.route(origin, LonLat(body.to.lon, body.to.lat))
    else:
        msg = "give hospital_id or to"
        raise InputError(msg, field="hospital_id")
    return RouteOut(
        eta_s=round(found.travel_time_s, 1),
        length_m=round(found.length_m, 1),
        coordinates=[(round(x, 6), round(y, 6)) for x, y in found.geometry.coords],
    )
