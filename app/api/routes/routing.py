"""Region and stateless ranking routes (the call flow with readiness comes with the intake)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from routing import LonLat, Region
from routing.ranking import RankedHospital

router = APIRouter(prefix="/api", tags=["routing"])


def get_region(request: Request) -> Region:
    """The region loaded in the lifespan."""
    region: Region = request.app.state.region
    return region


RegionDep = Annotated[Region, Depends(get_region)]


class RankingRequest(BaseModel):
    """An incident point and an emergency category."""

    lon: float = Field(ge=-180, le=180, description="Longitude, degrees (WGS 84).")
    lat: float = Field(ge=-90, le=90, description="Latitude, degrees (WGS 84).")
    category: str = Field(description="Emergency category code, e.g. stemi, stroke, general.")


class ReasonOut(BaseModel):
    """Why a hospital was passed over."""

    code: str
    message: str
    subject: str | None


class RankedHospitalOut(BaseModel):
    """A hospital with its ETA and road distance from the incident."""

    hospital_id: str
    name: str
    hospital_class: str
    lon: float
    lat: float
    eta_s: float | None
    distance_m: float | None
    reasons: list[ReasonOut]


class RankingOut(BaseModel):
    """Eligible hospitals fastest first, then the passed-over ones with reasons."""

    category: str
    synthetic_region: bool
    eligible: list[RankedHospitalOut]
    passed_over: list[RankedHospitalOut]


def _ranked(entry: RankedHospital) -> RankedHospitalOut:
    finite = entry.eta_s != float("inf")
    return RankedHospitalOut(
        hospital_id=entry.hospital.id,
        name=entry.hospital.name,
        hospital_class=entry.hospital.hospital_class,
        lon=entry.hospital.location.lon,
        lat=entry.hospital.location.lat,
        eta_s=round(entry.eta_s, 1) if finite else None,
        distance_m=round(entry.distance_m, 1) if finite else None,
        reasons=[
            ReasonOut(code=r.code, message=r.message, subject=r.subject) for r in entry.reasons
        ],
    )


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
def rank(body: RankingRequest, region: RegionDep) -> RankingOut:
    """Rank every hospital for an incident by road travel time and capability."""
    ranking = region.rank_hospitals(LonLat(body.lon, body.lat), body.category)
    return RankingOut(
        category=ranking.category.code,
        synthetic_region=region.meta.synthetic,
        eligible=[_ranked(e) for e in ranking.eligible],
        passed_over=[_ranked(e) for e in ranking.passed_over],
    )
