"""Hospitals: the registry (seeded from the region pack once), their readiness, and the board
that rankings read.

A hospital's current readiness lives on its row as JSON, every value with the time it was
reported; each report is also appended to ReadinessReport (the history). A report changes
only what it names. Updates lock the row first (an UPDATE before the read), so that two
reports at once cannot lose one another, on SQLite and on PostgreSQL alike.
"""

from __future__ import annotations

import dataclasses
import math
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from app.errors import InputError, NotFoundError
from app.models import Ambulance, Hospital, ReadinessReport, utcnow
from app.services import audit
from app.services.events import Announcer
from routing import Region
from routing.ranking import Hospital as RoutingHospital
from routing.ranking import Readiness, ReadinessBoard


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


@dataclass(frozen=True)
class ReadinessChange:
    """What a hospital reports; None leaves a value as it was."""

    free_beds: dict[str, int] | None = None
    on_diversion: bool | None = None
    diversion_reason: str | None = None
    capabilities_down: list[str] | None = None


@dataclass(frozen=True)
class ReadinessDesk:
    """Takes the hospitals' readiness reports of a region, and announces each (``announcer``:
    None where no feed listens, as in a script)."""

    region: Region
    announcer: Announcer | None

    def report(
        self, session: Session, hospital_id: str, change: ReadinessChange, actor_user_id: int | None
    ) -> Hospital:
        """Apply a report to a hospital's current state and keep it in the history."""
        hospital, reported_at = _report(session, self.region, hospital_id, change, actor_user_id)
        if self.announcer is not None:
            self.announcer.readiness_reported(hospital_id, reported_at)
        return hospital


def _report(
    session: Session,
    region: Region,
    hospital_id: str,
    change: ReadinessChange,
    actor_user_id: int | None,
) -> tuple[Hospital, datetime]:
    _validate(change, region, get_hospital(session, hospital_id))
    # Lock the row before reading it: the UPDATE takes PostgreSQL's row lock and SQLite's
    # write lock, so a concurrent report waits and then reads this one's result.
    session.execute(
        update(Hospital).where(col(Hospital.id) == hospital_id).values(version=Hospital.version + 1)
    )
    hospital = session.exec(
        select(Hospital).where(Hospital.id == hospital_id).execution_options(populate_existing=True)
    ).one()
    now = utcnow()
    hospital.readiness = _applied(hospital.readiness, change, now)
    session.add(hospital)
    session.add(
        ReadinessReport(
            hospital_id=hospital_id,
            reported_at=now,
            reported_by=actor_user_id,
            free_beds=change.free_beds,
            on_diversion=change.on_diversion,
            diversion_reason=change.diversion_reason,
            capabilities_down=change.capabilities_down,
        )
    )
    reported = {k: v for k, v in dataclasses.asdict(change).items() if v is not None}
    audit.record(
        session,
        actor_user_id=actor_user_id,
        action="readiness.reported",
        entity="hospital",
        entity_id=hospital_id,
        **reported,
    )
    session.commit()
    return hospital, now


def _validate(change: ReadinessChange, region: Region, hospital: Hospital) -> None:
    kinds = region.taxonomy.bed_kinds
    for kind, count in (change.free_beds or {}).items():
        if kind not in kinds:
            msg = f"unknown bed kind {kind!r}; known: {', '.join(kinds)}"
            raise InputError(msg, field=f"free_beds.{kind}")
        if count < 0:
            msg = f"free {kind} beds cannot be negative"
            raise InputError(msg, field=f"free_beds.{kind}")
    for code in change.capabilities_down or []:
        if code not in hospital.capabilities:
            msg = f"{hospital.name} has no capability {code!r} to declare down"
            raise InputError(msg, field="capabilities_down")
    if change.on_diversion and not (change.diversion_reason or "").strip():
        msg = "going on diversion needs a reason"
        raise InputError(msg, field="diversion_reason")


def _applied(state: dict[str, Any], change: ReadinessChange, now: datetime) -> dict[str, Any]:
    at = now.isoformat()
    state = {**state}
    if change.free_beds is not None:
        beds = dict(state.get("beds", {}))
        beds.update({kind: {"free": n, "at": at} for kind, n in change.free_beds.items()})
        state["beds"] = beds
    if change.on_diversion is not None:
        previous = state.get("diversion", {})
        turned_on = change.on_diversion and not previous.get("on", False)
        since = at if turned_on else previous.get("since") if change.on_diversion else None
        state["diversion"] = {
            "on": change.on_diversion,
            "reason": change.diversion_reason if change.on_diversion else None,
            "since": since,
            "at": at,
        }
    if change.capabilities_down is not None:
        state["capabilities_down"] = {"codes": sorted(set(change.capabilities_down)), "at": at}
    return state


def get_hospital(session: Session, hospital_id: str) -> Hospital:
    """The hospital row; NotFoundError if none."""
    hospital = session.get(Hospital, hospital_id)
    if hospital is None:
        msg = f"no hospital {hospital_id!r}"
        raise NotFoundError(msg)
    return hospital


def routing_readiness(state: dict[str, Any]) -> Readiness | None:
    """The routing library's view of a stored readiness state (None if never reported)."""
    if not state:
        return None
    beds = state.get("beds", {})
    diversion = state.get("diversion", {})
    declined = state.get("declined", {})
    return Readiness(
        free_beds={kind: int(v["free"]) for kind, v in beds.items()},
        bed_updated_at={kind: datetime.fromisoformat(v["at"]) for kind, v in beds.items()},
        on_diversion=bool(diversion.get("on", False)),
        diversion_reason=diversion.get("reason"),
        diversion_since=_time(diversion.get("since")),
        capabilities_down=frozenset(state.get("capabilities_down", {}).get("codes", [])),
        declined_until=_time(declined.get("until")),
        declined_reason=declined.get("reason"),
        declined_words=declined.get("words"),
    )


def remember_decline(
    session: Session, hospital_id: str, reason: str, words: str, until: datetime
) -> None:
    """A hospital declined (or missed) a referral: rankings pass it over until ``until``, with
    the reason. In the caller's transaction, the row locked first (as a report does)."""
    session.execute(
        update(Hospital).where(col(Hospital.id) == hospital_id).values(version=Hospital.version + 1)
    )
    hospital = session.exec(
        select(Hospital).where(Hospital.id == hospital_id).execution_options(populate_existing=True)
    ).one()
    declined = {"reason": reason, "words": words, "at": utcnow().isoformat()}
    hospital.readiness = {
        **hospital.readiness,
        "declined": {**declined, "until": until.isoformat()},
    }
    session.add(hospital)


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


class BoardCache:
    """The readiness board for rankings, rebuilt only when a hospital's version changes.

    Whether anything changed is one aggregate over the hospital table, asked at most every
    ``check_every_s``: a report made here is seen by the next ranking (``changed()``), one
    made on another worker within ``check_every_s``.
    """

    def __init__(self, region: Region, *, check_every_s: float = 1.0) -> None:
        self._region = region
        self._check_every_s = check_every_s
        self._lock = threading.Lock()
        self._key: tuple[int, int] | None = None
        self._checked_at = -math.inf
        self._board: ReadinessBoard | None = None

    def changed(self) -> None:
        """A hospital changed in this process: check before the next ranking."""
        self._checked_at = -math.inf

    def board(self, session: Session) -> ReadinessBoard:
        """The current board."""
        if self._board is not None and time.monotonic() - self._checked_at < self._check_every_s:
            return self._board
        count, total = session.exec(
            select(func.count(), func.coalesce(func.sum(Hospital.version), 0))
        ).one()
        key = (int(count), int(total))
        with self._lock:
            if key != self._key or self._board is None:
                self._board = self._build(session)
                self._key = key
            self._checked_at = time.monotonic()
            return self._board

    def _build(self, session: Session) -> ReadinessBoard:
        rows = {h.id: h for h in session.exec(select(Hospital))}
        taxonomy = self._region.taxonomy
        hospitals = []
        readiness: dict[str, Readiness] = {}
        # The routing tables cover the pack's hospitals, in the pack's order; the database
        # says what each can do today.
        for h in self._region.hospitals:
            row = rows.get(h.id)
            if row is None:
                hospitals.append(h)
                continue
            hospitals.append(
                dataclasses.replace(
                    h,
                    name=row.name,
                    capabilities=tuple(row.capabilities),
                    capability_mask=taxonomy.mask(row.capabilities),
                )
            )
            if (state := routing_readiness(row.readiness)) is not None:
                readiness[h.id] = state
        return ReadinessBoard(hospitals, taxonomy, readiness)


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
