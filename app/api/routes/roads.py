"""Road closures and slowdowns: post, list, lift; and the road conditions in force."""

from __future__ import annotations

from typing import Annotated

import numpy as np
from fastapi import APIRouter, Query, status

from app.api import schemas as s
from app.api.deps import Operator, RegionDep, ServicesDep, SessionDep, SessionReleasingRoute
from app.models import RoadRestriction
from app.services import roads

router = APIRouter(prefix="/api", tags=["roads"], route_class=SessionReleasingRoute)


def restriction_out(row: RoadRestriction) -> s.RestrictionOut:
    return s.RestrictionOut(
        id=row.id or 0,
        kind=row.kind,
        factor=row.factor,
        reason=row.reason,
        geometry=row.geometry,
        edge_count=row.edge_count,
        created_at=row.created_at,
        created_by=row.created_by,
        expires_at=row.expires_at,
        lifted_at=row.lifted_at,
        active=roads.is_active(row),
    )


@router.post("/road-restrictions", status_code=status.HTTP_201_CREATED)
def restrict_road(
    body: s.RestrictionCreate,
    principal: Operator,
    session: SessionDep,
    region: RegionDep,
    services: ServicesDep,
) -> s.RestrictionOut:
    """Close a road or an area, or slow it down (audited). Rankings, recommendations and
    live ETAs use it within seconds, on every worker; it ends by itself at ``expires_at``."""
    request = roads.RestrictionRequest(
        kind=body.kind,
        geometry=body.geometry,
        reason=body.reason,
        expires_at=body.expires_at,
        factor=body.factor,
    )
    row = roads.create(session, region, request=request, principal=principal)
    services.roads.changed()
    return restriction_out(row)


@router.get("/road-restrictions")
def list_restrictions(
    _principal: Operator,
    session: SessionDep,
    include_past: bool = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[s.RestrictionOut]:
    """Restrictions in force (oldest first), or all of them, newest first."""
    rows = roads.listing(session, include_past=include_past, limit=limit)
    return [restriction_out(row) for row in rows]


@router.delete("/road-restrictions/{restriction_id}")
def lift_restriction(
    restriction_id: s.RowId, principal: Operator, session: SessionDep, services: ServicesDep
) -> s.RestrictionOut:
    """End a restriction now (audited)."""
    row = roads.lift(session, restriction_id=restriction_id, principal=principal)
    services.roads.changed()
    return restriction_out(row)


@router.get("/region/conditions")
def road_conditions(
    _principal: Operator, region: RegionDep, services: ServicesDep
) -> s.RoadConditionsOut:
    """The roads routing uses now: time-of-day period, restrictions, the view's version."""
    view = region.view
    return s.RoadConditionsOut(
        period=view.period,
        version=view.version,
        restrictions_in_force=len(view.conditions.restrictions),
        closed_edges=int(np.count_nonzero(view.conditions.closed)),
        tables_recomputed=view.tables_recomputed,
        build_s=round(view.build_s, 3),
        profile=services.roads.profile_description(),
    )
