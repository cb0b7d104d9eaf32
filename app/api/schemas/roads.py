"""Road restrictions, the roads routing uses now, and coverage."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints

from app.core.types import Instant, Number, text_constraints
from app.models import (
    RestrictionKind,
)


class RestrictionCreate(BaseModel):
    """Close a road (or an area) or slow it down, with a reason and an expiry."""

    kind: RestrictionKind
    geometry: dict[str, Any] = Field(
        description="GeoJSON geometry (lon, lat): a Point (the road nearest to it), a "
        "LineString (the roads along it) or a Polygon (every road entering it).",
        examples=[{"type": "Point", "coordinates": [109.24, -7.42]}],
    )
    factor: Number | None = Field(
        default=None, gt=1, le=20, description="Slowdowns only: travel time multiplier."
    )
    reason: Annotated[str, StringConstraints(min_length=3), text_constraints(200)]
    expires_at: Instant = Field(description="When it ends by itself (within 30 days).")


class RestrictionOut(BaseModel):
    """A closure or slowdown as stored."""

    id: int
    kind: RestrictionKind
    factor: float | None
    reason: str
    geometry: dict[str, Any]
    edge_count: int = Field(description="Directed road segments it covers.")
    created_at: datetime
    created_by: int
    expires_at: datetime
    lifted_at: datetime | None
    active: bool


class RoadConditionsOut(BaseModel):
    """The roads routing uses now."""

    period: str = Field(description="Time-of-day period in force ('free flow' outside them).")
    version: int = Field(description="Routing view version; it grows with every change.")
    restrictions_in_force: int
    closed_edges: int
    tables_recomputed: int = Field(
        description="Tables recomputed to make the current view (those whose fastest paths "
        "the change can alter); 0 when the roads came back to a recent state."
    )
    build_s: float = Field(description="Seconds the current view took to build.")
    profile: list[dict[str, Any]] = Field(description="The time-of-day periods.")


# --- coverage --------------------------------------------------------------------------------


class CoverageBandOut(BaseModel):
    """What lies within one time limit of a hospital that counts."""

    limit_min: int
    area_km2: float
    area_share: float = Field(description="Of the area where a call can be placed.")
    road_km: float
    road_share: float = Field(description="Of the region's road length.")
    population: float | None = Field(description="People within reach (if a grid is given).")
    population_share: float | None
    geometry: dict[str, Any] = Field(description="Isochrone polygon, GeoJSON (simplified).")


class CoverageOut(BaseModel):
    """Coverage of one capability, nearest limit first."""

    capability: str
    synthetic_region: bool
    period: str = Field(description="Time-of-day period of the roads used.")
    view_version: int
    hospital_ids: list[str] = Field(description="The hospitals that count now.")
    excluded: dict[str, str] = Field(description="Capable hospitals that do not count, why.")
    total_area_km2: float
    total_road_km: float
    total_population: float | None
    bands: list[CoverageBandOut]
