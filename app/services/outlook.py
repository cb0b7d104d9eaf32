"""When busy ambulances become free: for a call that no available ambulance can take.

An assigned ambulance is free once its patient is handed over: its arrival at the receiving
hospital (the heading's estimate, in every phase) plus a typical handover; from that hospital
it drives to the waiting call. Every figure is an estimate and is shown as one.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from app.models import Ambulance, AmbulanceStatus, utcnow
from app.services.heading import PHASES, Phase, Roads, eta_for
from app.services.records import assignments
from routing import LonLat
from routing.errors import SnapError


@dataclass(frozen=True)
class BusyAmbulance:
    """An assigned ambulance: its call and phase, the estimated time (s) until its patient is
    handed over, and from there to the waiting incident (None: not known yet)."""

    ambulance_id: str
    name: str
    call_id: int
    phase: Phase
    free_in_s: float | None
    then_to_incident_s: float | None

    @property
    def reaches_incident_s(self) -> float | None:
        """Both together: when it could be at the waiting incident."""
        if self.free_in_s is None or self.then_to_incident_s is None:
            return None
        return round(self.free_in_s + self.then_to_incident_s, 1)


@dataclass(frozen=True)
class FleetOutlook:
    """Estimates when busy ambulances can take another call."""

    roads: Roads
    handover_s: float

    def soonest_free(
        self, session: Session, incident: LonLat, *, limit: int = 3
    ) -> list[BusyAmbulance]:
        """The assigned ambulances that could reach ``incident`` soonest once free, soonest
        first; those whose time is not known yet come last."""
        busy = session.exec(
            select(Ambulance).where(col(Ambulance.status) == AmbulanceStatus.ASSIGNED)
        ).all()
        current = assignments(session, [a.id for a in busy])
        now = utcnow()
        found = []
        for ambulance in busy:
            call, hospital_id = current.get(ambulance.id, (None, None))
            if call is None:
                continue
            free_in_s = onward_s = None
            if hospital_id is not None and ambulance.lon is not None and ambulance.lat is not None:
                here = LonLat(ambulance.lon, ambulance.lat)
                heading = eta_for(self.roads, call, hospital_id, here, now)
                if heading.hospital_eta_s is not None:
                    free_in_s = round(heading.hospital_eta_s + self.handover_s, 1)
                onward_s = self._hospital_to(incident, hospital_id)
            found.append(
                BusyAmbulance(
                    ambulance.id,
                    ambulance.name,
                    call.id or 0,
                    PHASES.get(call.status),
                    free_in_s,
                    onward_s,
                )
            )
        found.sort(key=lambda b: (b.reaches_incident_s is None, b.reaches_incident_s or 0.0))
        return found[:limit]

    def _hospital_to(self, incident: LonLat, hospital_id: str) -> float | None:
        # The hospital's table holds times *to* it; the way back is taken as the same time
        # (roads here are two-way but for a few one-way streets in town).
        try:
            eta = self.roads.region.eta_to_hospital(incident, hospital_id)
        except (SnapError, KeyError):
            return None
        return round(eta, 1) if eta != float("inf") else None
