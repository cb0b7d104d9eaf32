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


# The ranking's own typed values, built on every call: constructed, not validated again.
# Every value is made a plain float or str here, so that what is serialised is what the
# schema says.


def ranked_out(entry: RankedHospital) -> RankedHospitalOut:
    """A ranked hospital for the API (unreachable: null ETA and distance)."""
    finite = entry.eta_s != float("inf")
    hospital = entry.hospital
    return RankedHospitalOut.model_construct(
        hospital_id=str(hospital.id),
        name=str(hospital.name),
        hospital_class=str(hospital.hospital_class),
        lon=float(hospital.location.lon),
        lat=float(hospital.location.lat),
        eta_s=round(float(entry.eta_s), 1) if finite else None,
        distance_m=round(float(entry.distance_m), 1) if finite else None,
        reasons=[
            ReasonOut.model_construct(
                code=str(r.code), message=str(r.message), subject=r.subject, until=r.until
            )
            for r in entry.reasons
        ],
    )


def ranking_out(ranking: Ranking, *, synthetic: bool) -> RankingOut:
    """A ranking for the API."""
    return RankingOut.model_construct(
        category=ranking.category.code,
        synthetic_region=synthetic,
        eligible=[ranked_out(e) for e in ranking.eligible],
        passed_over=[ranked_out(e) for e in ranking.passed_over],
    )
