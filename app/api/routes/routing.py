"""The region, the taxonomy, and stateless rankings (capabilities and current readiness)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from app.api import schemas as s
from app.api.deps import Operator, RegionDep, ServicesDep, SessionDep, SessionReleasingRoute
from app.models import utcnow
from routing import LonLat

router = APIRouter(prefix="/api", tags=["routing"], route_class=SessionReleasingRoute)


class RankingRequest(BaseModel):
    """An incident point and an emergency category."""

    lon: s.Lon
    lat: s.Lat
    category: str


@router.get("/region")
def region_summary(region: RegionDep) -> dict[str, Any]:
    """Summary of the served region: size, roads by class, hospitals, licence or synthetic."""
    return region.summary()


@router.get("/categories")
def categories(region: RegionDep) -> dict[str, Any]:
    """Emergency categories with the capabilities and bed kind each requires."""
    return {
        code: {"label": c.label, "label_id": c.label_id, "requires": c.requires, "bed": c.bed}
        for code, c in region.taxonomy.categories.items()
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
    ranking = region.rank_hospitals(
        LonLat(body.lon, body.lat),
        body.category,
        services.boards.board(session),
        now=utcnow(),
        stale_after_s=services.readiness_stale_after_s,
    )
    return s.ranking_out(ranking, synthetic=region.meta.synthetic)
