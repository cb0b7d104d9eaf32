"""Hospitals: the registry, seeded from the region pack once and then corrected by
administrators (their readiness: ``app.services.readiness``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from app.errors import InputError, NotFoundError
from app.models import Ambulance, Hospital, utcnow
from app.services import audit
from routing import Region
from routing.ranking import Hospital as RoutingHospital


def seed_from_region(session: Session, region: Region) -> tuple[int, int]:
    """Hospitals and ambulances of the region pack, added once when the tables are empty.

    After that the database is the source of truth: edits are not overwritten by the pack.
    Returns how many hospitals and ambulances were added.
    """
    hospitals = ambulances = 0
    if session.exec(select(func.count()).select_from(Hospital)).one() == 0:
        for h in region.hospitals:
            session.add(_hospital_row(h, region))
            hospitals += 1
    if session.exec(select(func.count()).select_from(Ambulance)).one() == 0:
        for post in region.posts:
            for k in range(1, post.ambulances + 1):
                session.add(
                    Ambulance(
                        id=f"{post.id}-{k}",
                        name=f"{post.name} {k}",
                        post_id=post.id,
                        lon=post.location.lon,
                        lat=post.location.lat,
                    )
                )
                ambulances += 1
    if hospitals or ambulances:
        audit.record(
            session,
            actor_user_id=None,
            action="registry.seeded",
            entity="region",
            entity_id=region.meta.name,
            hospitals=hospitals,
            ambulances=ambulances,
            synthetic=region.meta.synthetic,
        )
    session.commit()
    return hospitals, ambulances


def _hospital_row(h: RoutingHospital, region: Region) -> Hospital:
    row = Hospital(
        id=h.id,
        name=h.name,
        hospital_class=h.hospital_class,
        lon=h.location.lon,
        lat=h.location.lat,
        capabilities=list(h.capabilities),
        bed_capacity=dict(h.beds),
        osm_id=h.osm_id,
        address=h.address,
    )
    if region.meta.synthetic:
        # The demo starts with every hospital half full, reported now (synthetic, and it goes
        # stale like any report would).
        now = utcnow().isoformat()
        row.readiness = {"beds": {k: {"free": n // 2, "at": now} for k, n in h.beds.items()}}
    return row


def get_hospital(session: Session, hospital_id: str) -> Hospital:
    """The hospital row; NotFoundError if none."""
    hospital = session.get(Hospital, hospital_id)
    if hospital is None:
        msg = f"no hospital {hospital_id!r}"
        raise NotFoundError(msg)
    return hospital


@dataclass(frozen=True)
class HospitalCorrection:
    """What an administrator corrects in a hospital's record; None: unchanged."""

    name: str | None = None
    capabilities: list[str] | None = None
    bed_capacity: dict[str, int] | None = None


def update_hospital(
    session: Session,
    hospital_id: str,
    correction: HospitalCorrection,
    *,
    region: Region,
    actor_user_id: int | None,
) -> Hospital:
    """Correct a hospital's record; capabilities take effect in the next ranking."""
    name, capabilities = correction.name, correction.capabilities
    bed_capacity = correction.bed_capacity
    hospital = get_hospital(session, hospital_id)
    unknown = set(capabilities or []) - set(region.taxonomy.capabilities)
    if unknown:
        msg = f"unknown capabilities: {', '.join(sorted(unknown))}"
        raise InputError(msg, field="capabilities")
    unknown_beds = set(bed_capacity or {}) - set(region.taxonomy.bed_kinds)
    if unknown_beds:
        msg = f"unknown bed kinds: {', '.join(sorted(unknown_beds))}"
        raise InputError(msg, field="bed_capacity")
    changed: dict[str, Any] = {}
    if name is not None:
        hospital.name = changed["name"] = name
    if capabilities is not None:
        hospital.capabilities = changed["capabilities"] = sorted(set(capabilities))
    if bed_capacity is not None:
        hospital.bed_capacity = changed["bed_capacity"] = dict(bed_capacity)
    hospital.version += 1
    session.add(hospital)
    audit.record(
        session,
        actor_user_id=actor_user_id,
        action="hospital.updated",
        entity="hospital",
        entity_id=hospital_id,
        **changed,
    )
    session.commit()
    return hospital
