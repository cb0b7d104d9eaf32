"""Readiness: what hospitals report (beds, diversion, capabilities down, specialists on call,
blood), the routing library's view of it, and the board that rankings read.

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
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from app.errors import ConflictError, InputError
from app.models import Hospital, ReadinessReport, utcnow
from app.services import audit
from app.services.events import Announcer
from app.services.hospitals import get_hospital
from routing import Region
from routing.ranking import OnCall, Readiness, ReadinessBoard


@dataclass(frozen=True)
class ReadinessChange:
    """What a hospital reports; None leaves a value as it was."""

    free_beds: dict[str, int] | None = None
    on_diversion: bool | None = None
    diversion_reason: str | None = None
    capabilities_down: list[str] | None = None
    # The whole on-call list: specialist -> hours covered (a specialist absent is not on call).
    on_call: dict[str, OnCall] | None = None
    blood_units: dict[str, int] | None = None  # units of packed red cells per group
    # A hospital system's own time of this state: the same twice changes nothing; an older
    # one than the last applied is refused (a retry overtaken by a newer push).
    as_of: datetime | None = None


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
        if self.announcer is not None and reported_at is not None:
            self.announcer.readiness_reported(hospital_id, reported_at)
        return hospital


def _report(
    session: Session,
    region: Region,
    hospital_id: str,
    change: ReadinessChange,
    actor_user_id: int | None,
) -> tuple[Hospital, datetime | None]:
    """The hospital after the report, and when it was applied (None: an identical push)."""
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
    if change.as_of is not None and (last := _time(hospital.readiness.get("as_of"))):
        if change.as_of == last:
            session.rollback()  # the same push again: nothing changes, nothing is announced
            return get_hospital(session, hospital_id), None
        if change.as_of < last:
            session.rollback()
            msg = f"a newer state (as of {last.isoformat()}) was already pushed"
            raise ConflictError(msg)
    hospital.readiness = _applied(hospital.readiness, change, now)
    session.add(hospital)
    on_call = _on_call_json(change.on_call) if change.on_call is not None else None
    session.add(
        ReadinessReport(
            hospital_id=hospital_id,
            reported_at=now,
            reported_by=actor_user_id,
            free_beds=change.free_beds,
            on_diversion=change.on_diversion,
            diversion_reason=change.diversion_reason,
            capabilities_down=change.capabilities_down,
            on_call=on_call,
            blood_units=change.blood_units,
            as_of=change.as_of,
        )
    )
    reported = {
        k: v
        for k, v in dataclasses.asdict(change).items()
        if v is not None and k not in ("on_call", "as_of")
    }
    if on_call is not None:
        reported["on_call"] = on_call
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
    _validate_beyond_beds(change, region)
    if change.on_diversion and not (change.diversion_reason or "").strip():
        msg = "going on diversion needs a reason"
        raise InputError(msg, field="diversion_reason")


MAX_ON_CALL = timedelta(days=8)  # a roster covers the week ahead at most


def _validate_beyond_beds(change: ReadinessChange, region: Region) -> None:
    taxonomy = region.taxonomy
    for code, hours in (change.on_call or {}).items():
        if code not in taxonomy.specialists:
            msg = f"unknown specialist {code!r}; known: {', '.join(taxonomy.specialists)}"
            raise InputError(msg, field=f"on_call.{code}")
        if not hours.start < hours.end <= hours.start + MAX_ON_CALL:
            msg = f"{code}: on call from {hours.start} to {hours.end} is not a period of hours"
            raise InputError(msg, field=f"on_call.{code}")
    for group, units in (change.blood_units or {}).items():
        if group not in taxonomy.blood_groups:
            msg = f"unknown blood group {group!r}; known: {', '.join(taxonomy.blood_groups)}"
            raise InputError(msg, field=f"blood_units.{group}")
        if units < 0:
            msg = f"blood {group}: units cannot be negative"
            raise InputError(msg, field=f"blood_units.{group}")


def _on_call_json(on_call: dict[str, OnCall]) -> dict[str, Any]:
    return {
        code: {"start": h.start.isoformat(), "end": h.end.isoformat()}
        for code, h in sorted(on_call.items())
    }


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
    if change.on_call is not None:
        state["on_call"] = {"cover": _on_call_json(change.on_call), "at": at}
    if change.blood_units is not None:
        units = {**state.get("blood", {}).get("units", {}), **change.blood_units}
        state["blood"] = {"units": units, "at": at}
    if change.as_of is not None:
        state["as_of"] = change.as_of.isoformat()
    return state


def routing_readiness(state: dict[str, Any]) -> Readiness | None:
    """The routing library's view of a stored readiness state (None if never reported)."""
    if not state:
        return None
    beds = state.get("beds", {})
    diversion = state.get("diversion", {})
    declined = state.get("declined", {})
    on_call, blood = state.get("on_call", {}), state.get("blood", {})
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
        on_call={
            code: OnCall(datetime.fromisoformat(h["start"]), datetime.fromisoformat(h["end"]))
            for code, h in on_call.get("cover", {}).items()
        },
        on_call_reported_at=_time(on_call.get("at")),
        blood_units={group: int(n) for group, n in blood.get("units", {}).items()},
        blood_reported_at=_time(blood.get("at")),
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
