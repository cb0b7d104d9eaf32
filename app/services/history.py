"""SYNTHETIC call history: months of calls as the service would have stored them, written
straight into the database in batches, so that the reports and the dashboard are full on a
fresh machine (``satria simulate --history 90d``) and the reports benchmark has its 100,000.

Each call is marked ``synthetic`` (the reports say so), taken at an hour drawn from a day's
rhythm, in a district of the region, and moved as calls move: handled (slower at night),
dispatched to an ambulance from a post near it (promised the road-network ETA from that post),
driven (usually a little slower than promised), treated and taken to one of the hospitals
nearest to it, handed over. Some are pranks, some cancelled, some refused by their first crew,
some declined or missed by their first hospital: the reports count those with their reasons.
The drives come from the region's road tables (one query per district, not per call).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, insert, select, text
from sqlmodel import col

from app.errors import InputError
from app.models import (
    Ambulance,
    AuditEvent,
    Call,
    CallSource,
    CallStatus,
    Dispatch,
    Referral,
    Role,
    Triage,
    User,
)
from app.services import reports
from app.services.crew_answers import REFUSALS
from app.services.writes import table_of
from routing import LonLat, Region
from routing.errors import RoutingError

SIMULATOR_NAME = "history simulator (SYNTHETIC)"
S = CallStatus
SOURCES = {CallSource.PHONE_119: 0.68, CallSource.WHATSAPP: 0.14, CallSource.APP: 0.1,
           CallSource.FACILITY_TRANSFER: 0.05, CallSource.WALK_IN: 0.03}  # fmt: skip
TRIAGE = {Triage.MERAH: 0.25, Triage.KUNING: 0.5, Triage.HIJAU: 0.25}
CANCEL_REASONS = {"own_transport": "the family took the patient themselves",
                  "no_longer_needed": "the caller called it off",
                  "duplicate": "a second call about the same incident"}  # fmt: skip
DECLINES = ("no_free_bed", "icu_full", "no_specialist", "ed_over_capacity")
# How busy each local hour is, relative to the quietest (night) hours.
STAMPED = tuple(f"{step}_at" for step in (*reports.STEPS, "handed_over", "cancelled"))
HOURLY = (2, 1, 1, 1, 1, 2, 3, 5, 6, 6, 6, 6, 5, 5, 5, 5, 6, 6, 6, 5, 4, 4, 3, 2)


@dataclass(frozen=True)
class Place:
    """Where calls come from: a district's centre, and the drive to it from each post
    (nearest first) and from it to each hospital (nearest first), in seconds."""

    district_code: str | None
    point: LonLat
    posts: tuple[tuple[str, float], ...]
    hospitals: tuple[tuple[str, float], ...]


@dataclass
class Rows:
    """One batch of rows to insert, table by table."""

    calls: list[dict[str, Any]] = field(default_factory=list)
    dispatches: list[dict[str, Any]] = field(default_factory=list)
    referrals: list[dict[str, Any]] = field(default_factory=list)
    moves: list[dict[str, Any]] = field(default_factory=list)


def places(region: Region, ambulance_posts: set[str]) -> list[Place]:
    """The region's districts (or, without districts, its posts) with their drives; posts
    without an ambulance are left out, and so are places no post can reach."""
    points: list[tuple[str | None, LonLat]] = [
        (d.code, d.centre) for d in region.districts.values()
    ] or [(None, p.location) for p in region.posts]
    found = []
    for code, point in points:
        try:
            from_posts = region.travel_from_posts(point)
            to_hospitals, _metres = region.travel_to_hospitals(point)
        except RoutingError:
            continue
        posts = sorted(
            (post.id, float(s))
            for post, s in zip(region.posts, from_posts, strict=True)
            if post.id in ambulance_posts and math.isfinite(s)
        )
        hospitals = sorted(
            (h.id, float(s))
            for h, s in zip(region.hospitals, to_hospitals, strict=True)
            if math.isfinite(s)
        )
        if posts and hospitals:
            by_time = tuple(sorted(posts, key=lambda p: p[1]))
            nearest = tuple(sorted(hospitals, key=lambda h: h[1]))
            found.append(Place(code, point, by_time, nearest))
    return found


class HistoryWriter:
    """Writes ``count`` SYNTHETIC calls taken in [since, until) in batches."""

    def __init__(self, engine: Engine, region: Region, *, now: datetime, seed: int = 119) -> None:
        self.engine = engine
        self.rng = random.Random(seed)
        with engine.begin() as connection:
            fleet = connection.execute(select(col(Ambulance.post_id), col(Ambulance.id))).all()
            self.user_id = _simulator(connection, now)
            self.next_ids = {
                table: 1 + int(connection.execute(select(func.max(col(table.id)))).scalar() or 0)
                for table in (Call, Dispatch, Referral)
            }
        self.fleet: dict[str, list[str]] = {}
        for post_id, ambulance_id in fleet:
            self.fleet.setdefault(post_id, []).append(ambulance_id)
        self.places = places(region, set(self.fleet))
        if not self.places:
            msg = "no ambulance of the region can reach any of its districts: nothing to simulate"
            raise InputError(msg, field="history")

    def write(self, since: datetime, until: datetime, count: int, batch: int = 5000) -> int:
        """Write the calls; returns how many."""
        written = 0
        for size in _sizes(count, batch):
            rows = Rows()
            for taken in sorted(self._taken(since, until) for _ in range(size)):
                self._call(rows, taken)
            self._insert(rows)
            written += len(rows.calls)
        return written

    def _taken(self, since: datetime, until: datetime) -> datetime:
        """A time in [since, until), at a local hour drawn from the day's rhythm."""
        wib = timedelta(hours=7)
        first_midnight = (since + wib).replace(hour=0, minute=0, second=0, microsecond=0) - wib
        days = (until - first_midnight).days + 1
        while True:
            day = self.rng.randrange(days)
            hour = self.rng.choices(range(24), weights=HOURLY)[0]
            seconds = self.rng.uniform(0, 3600)
            taken = first_midnight + timedelta(days=day, hours=hour, seconds=seconds)
            if since <= taken < until:
                return taken

    def _call(self, rows: Rows, taken: datetime) -> None:  # noqa: PLR0915 - one call's story
        rng = self.rng
        place = rng.choice(self.places)
        call_id = self._id(Call)
        call: dict[str, Any] = {
            "id": call_id, "created_at": taken, "created_by": self.user_id, "status_at": taken,
            "updated_at": taken, "category": rng.choice(("general", "stemi", "stroke",
            "major_trauma", "obstetric_emergency", "respiratory", "paediatric")),
            "triage": _pick(rng, TRIAGE), "source": _pick(rng, SOURCES),
            "district_code": place.district_code, "lon": place.point.lon,
            "lat": place.point.lat, "patient_count": 1, "synthetic": True,
            "prank_at": None, "prank_reason": None, "status": S.RECEIVED,
            "assigned_ambulance_id": None, "receiving_hospital_id": None, "cancel_reason": None,
            **dict.fromkeys(STAMPED),
        }  # fmt: skip
        rows.calls.append(call)
        night = (taken.hour + 7) % 24 < 7 or (taken.hour + 7) % 24 >= 21
        clock = taken + timedelta(seconds=rng.lognormvariate(4.4, 0.5) * (1.4 if night else 1))

        def move(before: CallStatus, after: CallStatus, **detail: Any) -> None:
            rows.moves.append({"at": clock, "actor_user_id": self.user_id, "entity": "call",
                               "action": "call.status", "entity_id": str(call_id),
                               "detail": {"before": before.value, "after": after.value,
                                          **detail}})  # fmt: skip
            stamped = reports.stamp(before, after)
            if stamped is not None and call.get(stamped) is None:
                call[stamped] = clock
            call["status"], call["status_at"], call["updated_at"] = after, clock, clock

        if rng.random() < 0.03:  # a prank, found out on the phone
            call["prank_at"], call["prank_reason"] = clock, "prank (SYNTHETIC)"
            call["cancel_reason"] = "prank"
            move(S.RECEIVED, S.CANCELLED, reason="prank (SYNTHETIC)", reason_code="prank")
            return
        posts = place.posts
        post_id, drive_s = posts[0] if rng.random() < 0.8 or len(posts) == 1 else posts[1]
        dispatch = self._dispatch(rows, call_id, post_id, drive_s, clock)
        call["assigned_ambulance_id"] = dispatch["ambulance_id"]
        move(S.RECEIVED, S.DISPATCHED, ambulance_id=dispatch["ambulance_id"])
        if rng.random() < 0.06:  # the crew refused: back to the queue, another post's unit
            clock += timedelta(seconds=rng.uniform(30, 120))
            dispatch.update(answered_at=clock, accepted=False, refusal=rng.choice(REFUSALS[:3]),
                            released_at=clock)  # fmt: skip
            move(S.DISPATCHED, S.RECEIVED, reason="refused by its crew")
            post_id, drive_s = posts[-1] if len(posts) == 1 else posts[1]
            clock += timedelta(seconds=rng.uniform(30, 150))
            dispatch = self._dispatch(rows, call_id, post_id, drive_s, clock)
            call["assigned_ambulance_id"] = dispatch["ambulance_id"]
            move(S.RECEIVED, S.DISPATCHED, ambulance_id=dispatch["ambulance_id"])
        if rng.random() < 0.04:
            clock += timedelta(seconds=rng.uniform(60, 900))
            dispatch["released_at"] = clock
            code = rng.choice(list(CANCEL_REASONS))
            call["cancel_reason"] = code
            move(S.DISPATCHED, S.CANCELLED, reason=CANCEL_REASONS[code], reason_code=code)
            return
        turnout_s = rng.uniform(30, 150)
        if rng.random() < 0.9:  # some crews never press "en route"
            clock += timedelta(seconds=turnout_s)
            move(S.DISPATCHED, S.EN_ROUTE)
            before = S.EN_ROUTE
        else:
            clock += timedelta(seconds=turnout_s)
            before = S.DISPATCHED
        # Calls lie around their district's centre, not on it: a few minutes more each way.
        spread_s = rng.uniform(60, 480)
        dispatch["eta_s"] = round(dispatch["eta_s"] + spread_s, 1)
        clock += timedelta(seconds=dispatch["eta_s"] * rng.lognormvariate(0.08, 0.22))
        move(before, S.ON_SCENE)
        clock += timedelta(seconds=rng.uniform(600, 1500))
        if rng.random() < 0.08:  # treated on scene
            dispatch["released_at"] = clock
            move(S.ON_SCENE, S.CLOSED)
            return
        hospital_s = self._refer(rows, call, place, clock)
        move(S.ON_SCENE, S.TRANSPORTING)
        clock += timedelta(seconds=(hospital_s + spread_s) * rng.lognormvariate(0.05, 0.2))
        move(S.TRANSPORTING, S.AT_HOSPITAL)
        clock += timedelta(seconds=rng.lognormvariate(6.5, 0.55))  # the handover
        dispatch["released_at"] = clock
        move(S.AT_HOSPITAL, S.CLOSED)

    def _dispatch(
        self, rows: Rows, call_id: int, post_id: str, drive_s: float, at: datetime
    ) -> dict[str, Any]:
        row = {"id": self._id(Dispatch), "call_id": call_id, "assigned_at": at,
               "ambulance_id": self.rng.choice(self.fleet[post_id]), "assigned_by": self.user_id,
               "recommended": True, "eta_s": round(drive_s, 1), "released_at": None,
               "answered_at": None, "accepted": None, "refusal": None}  # fmt: skip
        rows.dispatches.append(row)
        return row

    def _refer(self, rows: Rows, call: dict[str, Any], place: Place, at: datetime) -> float:
        """Refer to one of the nearest hospitals; the first may decline or miss the answer
        (then the next one accepts). Returns the drive to the hospital that accepted, s."""
        rng = self.rng
        options = place.hospitals[:3]
        first = rng.choices(range(len(options)), weights=(6, 3, 1)[: len(options)])[0]
        chosen = [options[first]]
        answer = rng.random()
        if (answer < 0.08) and len(options) > 1:
            chosen.append(options[(first + 1) % len(options)])
        for number, (hospital_id, _s) in enumerate(chosen):
            last = number == len(chosen) - 1
            declined = not last and answer < 0.06
            missed = not last and not declined
            answered = at + timedelta(seconds=300 if missed else rng.uniform(20, 240))
            rows.referrals.append({
                "id": self._id(Referral), "call_id": call["id"], "hospital_id": hospital_id,
                "recommended_hospital_id": hospital_id, "created_at": at,
                "created_by": self.user_id, "answer_due_at": at + timedelta(seconds=300),
                "answer": "accepted" if last else "declined" if declined else "missed",
                "answered_at": answered,
                "answer_reason": rng.choice(DECLINES) if declined else None,
                "superseded_at": None if last else answered,
                "acknowledged_at": answered if last else None,
            })  # fmt: skip
        call["receiving_hospital_id"] = chosen[-1][0]
        return chosen[-1][1]

    def _id(self, table: type[Any]) -> int:
        number = self.next_ids[table]
        self.next_ids[table] = number + 1
        return number

    def _insert(self, rows: Rows) -> None:
        with self.engine.begin() as connection:
            for table, batch in ((Call, rows.calls), (Dispatch, rows.dispatches),
                                 (Referral, rows.referrals), (AuditEvent, rows.moves)):  # fmt: skip
                if batch:
                    connection.execute(insert(table_of(table)), batch)
            if connection.dialect.name == "postgresql":  # explicit ids: move the counters on
                for name in ("call", "dispatch", "referral"):
                    sequence = f"pg_get_serial_sequence('\"{name}\"', 'id')"
                    connection.execute(
                        text(f'SELECT setval({sequence}, (SELECT MAX(id) FROM "{name}"))')
                    )


def _simulator(connection: Any, now: datetime) -> int:
    """The user the SYNTHETIC history is recorded as (inactive: it never signs in)."""
    found = connection.execute(
        select(col(User.id)).where(col(User.name) == SIMULATOR_NAME)
    ).scalar()
    if found is not None:
        return int(found)
    return int(
        connection.execute(
            insert(table_of(User))
            .values(
                name=SIMULATOR_NAME, role=Role.OPERATOR, incidents=[], active=False, created_at=now
            )
            .returning(table_of(User).c.id)
        ).scalar_one()
    )


def parse_span(text: str) -> timedelta:
    """``90d``, ``12w`` or ``36h`` as a duration, from an hour to ten years."""
    units = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
    text = text.strip().lower()
    unit, number = units.get(text[-1:]), text[:-1]
    span = int(number) * unit if unit is not None and number.isdigit() else timedelta(0)
    if not timedelta(hours=1) <= span <= timedelta(days=3653):
        msg = f"{text!r}: give a number and a unit, h, d or w (e.g. 90d), up to ten years"
        raise ValueError(msg)
    return span


def _sizes(count: int, batch: int) -> Iterator[int]:
    while count > 0:
        yield min(batch, count)
        count -= batch


def _pick(rng: random.Random, weights: dict[Any, float]) -> Any:
    return rng.choices(list(weights), weights=list(weights.values()))[0]
