"""A call's assessment: the hospitals ranked for it and the nearest available ambulances.

Both come from precomputed tables (milliseconds) and the readiness board as of now.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import Counter
from sqlmodel import Session

from app.models import Call, LocationSource, utcnow
from app.services.ambulances import AmbulanceOption, nearest_available
from app.services.outlook import BusyAmbulance, FleetOutlook
from app.services.readiness import BoardCache
from app.services.records import call_point
from routing import LonLat, Region
from routing.errors import SnapError
from routing.ranking import PassOver, RankedHospital, Ranking

# When no hospital is eligible, the fallback is the fastest one that could treat the patient
# but whose readiness says no or is unknown: unknown first (a phone call may find a bed),
# then no free bed, then diversion.
_FALLBACK_ORDER = {
    PassOver.NO_READINESS: 0,
    PassOver.READINESS_STALE: 0,
    PassOver.NO_FREE_BED: 1,
    PassOver.NO_SPECIALIST: 1,
    PassOver.LOW_BLOOD: 1,
    PassOver.ON_DIVERSION: 2,
}


@dataclass(frozen=True)
class HospitalChoice:
    """The recommended hospital; ``fallback`` when none was eligible and this one is the
    fastest that could treat the patient if its readiness allows (the operator phones)."""

    hospital: RankedHospital | None
    fallback: bool = False


@dataclass(frozen=True)
class Assessment:
    """Hospitals ranked and ambulances found for a call's location."""

    point: LonLat | None
    location_note: str | None
    ranking: Ranking | None
    hospital: HospitalChoice
    ambulances: list[AmbulanceOption]
    # When no ambulance is available: the busy ones that could come soonest once free.
    busy: list[BusyAmbulance] = field(default_factory=list)

    @classmethod
    def failed(cls, point: LonLat | None, note: str) -> Assessment:
        """No ranking and no ambulance, with a note saying why."""
        return cls(point, note, None, HospitalChoice(None), [])


def recommend(ranking: Ranking) -> HospitalChoice:
    """The best eligible hospital, else the fastest fallback, else none."""
    if ranking.best is not None:
        return HospitalChoice(ranking.best)
    fallbacks = [
        (max(_FALLBACK_ORDER[r.code] for r in e.reasons), e.eta_s, e)
        for e in ranking.passed_over
        if all(r.code in _FALLBACK_ORDER for r in e.reasons)
    ]
    if not fallbacks:
        return HospitalChoice(None)
    return HospitalChoice(min(fallbacks, key=lambda f: (f[0], f[1]))[2], fallback=True)


@dataclass(frozen=True)
class Assessor:
    """Assesses calls in one region, on the readiness board, counting every ranking."""

    region: Region
    boards: BoardCache
    rankings: Counter
    readiness_stale_after_s: float
    outlook: FleetOutlook | None = None

    def assess(self, session: Session, call: Call) -> Assessment:
        """Rank the hospitals and find the nearest available ambulances for a call, now."""
        region = self.region
        point = call_point(call, region)
        if point is None:
            unknown = "no point and no known centre for the district: locate the caller by phone"
            return Assessment.failed(None, unknown)
        note: str | None = None
        if call.location_source is LocationSource.DISTRICT:
            note = "approximate: the district's centre (the caller gave no point)"
        try:
            self.rankings.inc()
            ranking = region.rank_hospitals(
                point,
                call.category,
                self.boards.board(session),
                now=utcnow(),
                stale_after_s=self.readiness_stale_after_s,
            )
        except SnapError as exc:
            return Assessment.failed(point, f"cannot route from this point: {exc}")
        ambulances = nearest_available(session, region, point)
        busy = (
            self.outlook.soonest_free(session, point)
            if not ambulances and self.outlook is not None
            else []
        )
        return Assessment(point, note, ranking, recommend(ranking), ambulances, busy)
