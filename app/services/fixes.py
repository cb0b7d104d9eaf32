"""Storing GPS fixes: judged, deduplicated, stored in fix-time order, then acknowledged.

A batch (one live fix, or thousands buffered offline, in any order) is sorted by fix time,
judged against the last usable fix before it, and stored in one transaction; fixes already
stored (same ambulance and fix time) are counted as duplicates and change nothing, so a
replayed batch is harmless. Rejections are counted per ambulance and reason. The caller
acknowledges only after this returns: the commit is done.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.errors import NotFoundError
from app.models import Ambulance, FixRejections, GpsFix, utcnow
from app.services.ambulances import get_ambulance
from routing.geo import BBox
from tracking.fixes import FilterRules, Fix, Flag, Rejection, judge

MAX_BATCH = 5000


@dataclass
class Stored:
    """What happened to a batch."""

    stored: int = 0
    duplicates: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    latest: GpsFix | None = None  # the newest usable fix, when it moved the ambulance on
    error: Exception | None = None  # set by store_many when this batch alone could not go in


def store_fixes(
    engine: Engine,
    *,
    ambulance_id: str,
    fixes: list[Fix],
    bbox: BBox,
    rules: FilterRules,
    now: datetime | None = None,
) -> Stored:
    """Judge and store a batch; retried once if a concurrent batch stored the same fixes."""
    try:
        return _store(engine, ambulance_id, fixes, bbox, rules, now or utcnow())
    except IntegrityError:
        # Another connection stored some of these fix times between our check and our
        # insert: run again, they are duplicates now.
        return _store(engine, ambulance_id, fixes, bbox, rules, now or utcnow())


def _store(
    engine: Engine,
    ambulance_id: str,
    fixes: list[Fix],
    bbox: BBox,
    rules: FilterRules,
    now: datetime,
) -> Stored:
    with Session(engine, expire_on_commit=False) as session:
        result = _store_in(session, ambulance_id, fixes, bbox, rules, now)
        session.commit()
    return result


def store_many(
    engine: Engine,
    batches: list[tuple[str, list[Fix]]],
    *,
    bbox: BBox,
    rules: FilterRules,
    now: datetime | None = None,
) -> list[Stored]:
    """Several ambulances' batches in one transaction (group commit): one commit, and one
    turn on SQLite's write lock, for everything that arrived together.

    If the transaction fails (a concurrent process stored the same fix, an unknown
    ambulance), each batch is stored on its own so that one cannot fail the others; the
    exception of a batch that still fails is returned in its place.
    """
    moment = now or utcnow()
    try:
        with Session(engine, expire_on_commit=False) as session:
            results = [
                _store_in(session, ambulance_id, fixes, bbox, rules, moment)
                for ambulance_id, fixes in batches
            ]
            session.commit()
        return results
    except (IntegrityError, NotFoundError):
        pass
    return [
        _alone(engine, ambulance_id, fixes, bbox, rules, moment) for ambulance_id, fixes in batches
    ]


def _alone(
    engine: Engine,
    ambulance_id: str,
    fixes: list[Fix],
    bbox: BBox,
    rules: FilterRules,
    now: datetime,
) -> Stored:
    try:
        return store_fixes(engine, ambulance_id=ambulance_id, fixes=fixes, bbox=bbox,
                           rules=rules, now=now)  # fmt: skip
    except (IntegrityError, NotFoundError) as exc:
        return Stored(error=exc)


def _store_in(
    session: Session,
    ambulance_id: str,
    fixes: list[Fix],
    bbox: BBox,
    rules: FilterRules,
    now: datetime,
) -> Stored:
    result = Stored()
    batch = _unique_by_time(sorted(fixes, key=lambda f: f.fix_time), result)
    ambulance = get_ambulance(session, ambulance_id)
    stored_times = _stored_times(session, ambulance_id, batch)
    previous = _usable_before(session, ambulance_id, batch[0].fix_time) if batch else None
    newest: GpsFix | None = None
    for fix in batch:
        if fix.fix_time in stored_times:
            result.duplicates += 1
            continue
        verdict = judge(fix, previous=previous, bbox=bbox, now=now, rules=rules)
        if verdict.rejection is not None:
            result.rejected[verdict.rejection.value] += 1
            continue
        row = GpsFix(
            ambulance_id=ambulance_id,
            fix_time=fix.fix_time,
            received_at=now,
            lon=fix.lon,
            lat=fix.lat,
            speed_mps=fix.speed_mps,
            heading_deg=fix.heading_deg,
            accuracy_m=fix.accuracy_m,
            outlier=Flag.OUTLIER in verdict.flags,
            low_accuracy=Flag.LOW_ACCURACY in verdict.flags,
        )
        session.add(row)
        result.stored += 1
        if verdict.usable:
            previous, newest = fix, row
    if result.duplicates:
        result.rejected[Rejection.DUPLICATE.value] += result.duplicates
    _count_rejections(session, ambulance_id, result.rejected, now)
    if newest is not None and (
        ambulance.position_at is None or newest.fix_time > ambulance.position_at
    ):
        session.execute(
            update(Ambulance)
            .where(col(Ambulance.id) == ambulance_id)
            .where(
                (col(Ambulance.position_at).is_(None))
                | (col(Ambulance.position_at) < newest.fix_time)
            )
            .values(lon=newest.lon, lat=newest.lat, position_at=newest.fix_time)
        )
        result.latest = newest
    session.flush()  # this ambulance's rows go in now: the next batch may be the same one's
    return result


def _unique_by_time(batch: list[Fix], result: Stored) -> list[Fix]:
    """One fix per fix time within the batch (the first); the others are duplicates."""
    unique: list[Fix] = []
    for fix in batch:
        if unique and unique[-1].fix_time == fix.fix_time:
            result.duplicates += 1
            continue
        unique.append(fix)
    return unique


def _stored_times(session: Session, ambulance_id: str, batch: list[Fix]) -> set[datetime]:
    if not batch:
        return set()
    rows = session.exec(
        select(GpsFix.fix_time).where(
            GpsFix.ambulance_id == ambulance_id,
            col(GpsFix.fix_time) >= batch[0].fix_time,
            col(GpsFix.fix_time) <= batch[-1].fix_time,
        )
    )
    return set(rows)


def _usable_before(session: Session, ambulance_id: str, before: datetime) -> Fix | None:
    row = session.exec(
        select(GpsFix)
        .where(
            GpsFix.ambulance_id == ambulance_id,
            col(GpsFix.fix_time) < before,
            col(GpsFix.outlier).is_(False),
        )
        .order_by(col(GpsFix.fix_time).desc())
        .limit(1)
    ).first()
    return Fix(row.lon, row.lat, row.fix_time) if row is not None else None


def _count_rejections(
    session: Session, ambulance_id: str, rejected: Counter[str], now: datetime
) -> None:
    """Add to the per-reason counters (an upsert, on SQLite and PostgreSQL alike)."""
    if not rejected:
        return
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    for reason, count in rejected.items():
        statement = insert(FixRejections).values(
            ambulance_id=ambulance_id, reason=reason, count=count, last_at=now
        )
        session.execute(
            statement.on_conflict_do_update(
                index_elements=["ambulance_id", "reason"],
                set_={"count": FixRejections.count + count, "last_at": now},
            )
        )


def rejection_counts(session: Session, ambulance_id: str) -> dict[str, int]:
    """Rejected fixes of an ambulance by reason, since it started sending."""
    rows = session.exec(select(FixRejections).where(FixRejections.ambulance_id == ambulance_id))
    return {row.reason: row.count for row in rows}
