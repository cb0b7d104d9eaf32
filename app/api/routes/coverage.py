"""Coverage analysis: where each capability is within 15, 30 and 60 minutes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.api import schemas as s
from app.api.deps import Operator, RegionDep, ServicesDep, SessionDep, SessionReleasingRoute
from app.errors import InputError
from app.services.coverage import geojson
from routing.errors import TaxonomyError

router = APIRouter(prefix="/api", tags=["coverage"], route_class=SessionReleasingRoute)


@router.get("/coverage")
def coverage(
    _principal: Operator,
    session: SessionDep,
    region: RegionDep,
    services: ServicesDep,
    capability: Annotated[s.CodeInQuery, Query(description="A capability code.")],
    limits_min: Annotated[
        list[int], Query(min_length=1, max_length=6, description="Time limits, minutes.")
    ] = [15, 30, 60],  # noqa: B006 - FastAPI copies query defaults
) -> s.CoverageOut:
    """For a capability: the hospitals that count now (readiness), and per time limit the
    area, the share of road length and of population within reach, with the isochrone
    polygon (GeoJSON, simplified to about 50 m). Closures and the time of day apply."""
    if any(not 1 <= m <= 240 for m in limits_min):
        raise InputError("limits_min must lie between 1 and 240 minutes", field="limits_min")
    try:
        found = services.coverage.get(session, capability, [m * 60.0 for m in limits_min])
    except TaxonomyError as exc:
        raise InputError(str(exc), field="capability") from exc
    return s.CoverageOut(
        capability=found.capability,
        synthetic_region=region.meta.synthetic,
        period=found.period,
        view_version=found.view_version,
        hospital_ids=list(found.hospital_ids),
        excluded=found.excluded,
        total_area_km2=round(found.total_area_km2, 1),
        total_road_km=round(found.total_road_km, 1),
        total_population=found.total_population,
        bands=[
            s.CoverageBandOut(
                limit_min=round(b.limit_s / 60),
                area_km2=round(b.area_km2, 1),
                area_share=round(b.area_share, 4),
                road_km=round(b.road_km, 1),
                road_share=round(b.road_share, 4),
                population=b.population,
                population_share=None
                if b.population_share is None
                else round(b.population_share, 4),
                geometry=geojson(b.polygon),
            )
            for b in found.bands
        ],
    )
