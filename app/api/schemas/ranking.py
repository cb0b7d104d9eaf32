"""A ranking as the API shows it: every hospital, eligible ones by ETA, the others with reasons."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from routing.ranking import RankedHospital, Ranking


class ReasonOut(BaseModel):
    """Why a hospital was passed over."""

    code: str
    message: str
    subject: str | None
    until: datetime | None = None  # when it ends, if known (a specialist on call from then)


class RankedHospitalOut(BaseModel):
    """A hospital with its ETA (s) and road distance (m) from the incident."""

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


def ranked_out(entry: RankedHospital) -> RankedHospitalOut:
    """A ranked hospital for the API (unreachable: null ETA and distance)."""
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
            ReasonOut(code=r.code, message=r.message, subject=r.subject, until=r.until)
            for r in entry.reasons
        ],
    )


def ranking_out(ranking: Ranking, *, synthetic: bool) -> RankingOut:
    """A ranking for the API."""
    return RankingOut(
        category=ranking.category.code,
        synthetic_region=synthetic,
        eligible=[ranked_out(e) for e in ranking.eligible],
        passed_over=[ranked_out(e) for e in ranking.passed_over],
    )
