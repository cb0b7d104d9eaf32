"""Storing GPS fixes: judged, deduplicated, stored in fix-time order, then acknowledged.

A batch (one live fix, or thousands buffered offline, in any order) is sorted by fix time,
judged against the last usable fix before it, and stored in one transaction; fixes already
stored (same ambulance and fix time) are counted as duplicates and change nothing, so a
replayed batch is harmless. Rejections are counted per ambulance and reason. The caller
acknowledges only after this returns: the commit is done.

Live fixes take a fast path. A crew's websocket sends its fixes in order through one
process, so the writer remembers each ambulance's newest fix time and last usable fix
(``FixMemory``): a batch that continues the same connection and is newer than what was
stored is judged against memory, and the whole group goes in with one multi-row
``INSERT ... ON CONFLICT DO NOTHING RETURNING``, with no reads at all. Anything else
(backfill, a new connection, a batch out of order) reads the database as above; the
unique constraint keeps either path from storing a fix twice.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine, Table, bindparam, insert, update
from sqlalchemy.dialects.postgresql import Insert as PgInsert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DisconnectionError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlmodel import Session, SQLModel, col, select

from app.errors import NotFoundError
from app.models import Ambulance, FixRejections, GpsFix, utcnow
from app.services.ambulances import get_ambulance
from app.services.fix_judging import FixPolicy, Judging, unique_by_time
from tracking.fixes import Fix, Rejection, StoredFix, readable_time

MAX_BATCH = 5000
log = logging.getLogger("satria.fixes")
GPSFIX: Table = GpsFix.__table__  # type: ignore[attr-defined]
AMBULANCE: Table = Ambulance.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Remembered:
    """The writer's memory of one ambulance: its newest stored fix time and last usable fix."""

    newest: datetime
    usable: Fix | None


class FixMemory:
    """Per-ambulance memory for the fast path. Used by the writer's thread only."""

    def __init__(self) -> None:
        self._of: dict[str, Remembered] = {}

    def recall(self, ambulance_id: str) -> Remembered | None:
        return self._of.get(ambulance_id)

    def remember(self, ambulance_id: str, remembered: Remembered) -> None:
        self._of[ambulance_id] = remembered

    def forget(self, ambulance_id: str) -> None:
        self._of.pop(ambulance_id, None)


@dataclass(frozen=True)
class Batch:
    """One connection's fixes for one ambulance; ``continuing`` when the same connection
    sent this ambulance's previous fixes through this process (memory may be trusted).
    ``unreadable``: fixes already taken out for a time no clock gives (see ``screened``)."""

    ambulance_id: str
    fixes: list[Fix]
    continuing: bool = False
    unreadable: int = 0

    def screened(self) -> Batch:
        """The batch without fixes whose time cannot be judged (no zone, a year no clock
        gives): they are rejected, and must never reach a sort or a query of the group."""
        readable = [f for f in self.fixes if readable_time(f.fix_time)]
        unreadable = self.unreadable + len(self.fixes) - len(readable)
        return dataclasses.replace(self, fixes=readable, unreadable=unreadable)


@dataclass
class Stored:
    """What happened to a batch."""

    stored: int = 0
    duplicates: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    latest: StoredFix | None = None  # the newest usable fix, when it moved the ambulance on
    error: Exception | None = None  # set by store_many when this batch alone could not go in


def store_fixes(engine: Engine, batch: Batch, judging: Judging) -> Stored:
    """Judge and store a screened batch in a transaction of its own; retried once if a
    concurrent batch stored the same fixes."""
    try:
        return _store(engine, batch, judging)
    except IntegrityError:
        # Another connection stored some of these fix times between our check and our
        # insert: run again, they are duplicates now.
        return _store(engine, batch, judging)


def _store(engine: Engine, batch: Batch, judging: Judging) -> Stored:
    with Session(engine, expire_on_commit=False) as session:
        result, _ = _store_in(session, batch, judging)
        session.commit()
    return result


def database_unavailable(exc: BaseException) -> bool:
    """Whether an error says the database cannot be reached or used now (nothing stored;
    the client sends again), as opposed to a problem with what was sent."""
    return isinstance(exc, OperationalError | InterfaceError | DisconnectionError | PoolTimeout)


def store_many(
    engine: Engine,
    batches: list[Batch],
    policy: FixPolicy,
    *,
    memory: FixMemory | None = None,
    now: datetime | None = None,
) -> list[Stored]:
    """Several ambulances' batches in one transaction (group commit): one commit, and one
    turn on SQLite's write lock, for everything that arrived together.

    Only the database being unavailable fails the group (nothing stored, everyone sends
    again). Any other failure (a concurrent process stored the same fix, an unknown
    ambulance, a value the database refuses) is one batch's: each batch is then stored on
    its own, so that one cannot fail the others.
    """
    judging = policy.at(now or utcnow())
    memory = memory if memory is not None else FixMemory()
    batches = [batch.screened() for batch in batches]
    try:
        return _group(engine, batches, judging, memory)
    except Exception as exc:
        for batch in batches:  # the transaction died: what memory knows may not be stored
            memory.forget(batch.ambulance_id)
        if database_unavailable(exc):
            raise
        if not isinstance(exc, IntegrityError | NotFoundError):
            log.warning("a fix group failed (%s): storing its batches one by one", type(exc))
    return [_alone(engine, batch, judging) for batch in batches]


def _group(
    engine: Engine, batches: list[Batch], judging: Judging, memory: FixMemory
) -> list[Stored]:
    results: list[Stored] = []
    learned: dict[str, Remembered] = {}
    fast = _FastPath(judging)
    with Session(engine, expire_on_commit=False) as session:
        for batch in batches:
            known = (
                learned.get(batch.ambulance_id) or memory.recall(batch.ambulance_id)
                if batch.continuing
                else None
            )
            if (
                known is not None
                and batch.fixes
                and min(f.fix_time for f in batch.fixes) > known.newest
            ):
                result, learned[batch.ambulance_id] = fast.judge(batch, known)
            else:
                result, remembered = _store_in(session, batch, judging)
                if remembered is not None:
                    learned[batch.ambulance_id] = remembered
                else:
                    learned.pop(batch.ambulance_id, None)
                    memory.forget(batch.ambulance_id)
            results.append(result)
        fast.write(session)
        session.commit()
    for ambulance_id, remembered in learned.items():
        memory.remember(ambulance_id, remembered)
    return results


class _FastPath:
    """Live batches judged against memory, written together: one multi-row insert that
    skips fixes stored meanwhile (by another process), one update of positions."""

    def __init__(self, judging: Judging) -> None:
        self.judging = judging
        self.now = judging.now
        self.rows: list[dict[str, object]] = []
        self.owners: list[Stored] = []  # the result each row belongs to
        self.positions: dict[str, StoredFix] = {}
        self.rejected: dict[str, Counter[str]] = {}

    def judge(self, batch: Batch, known: Remembered) -> tuple[Stored, Remembered]:
        result = Stored(rejected=_unreadable(batch))
        fixes = unique_by_time(sorted(batch.fixes, key=lambda f: f.fix_time), result)
        judged = self.judging.judge_all(batch.ambulance_id, fixes, known.usable, result)
        self.rows += judged.rows
        self.owners += [result] * len(judged.rows)
        if result.rejected:
            self.rejected[batch.ambulance_id] = result.rejected
        if judged.newest is not None:
            result.latest = judged.newest
            self.positions[batch.ambulance_id] = judged.newest
        return result, Remembered(max(f.fix_time for f in fixes), judged.usable)

    def write(self, session: Session) -> None:
        if self.rows:
            inserted = {
                (row.ambulance_id, row.fix_time)
                for row in session.execute(
                    _insert(session)(GPSFIX)
                    .on_conflict_do_nothing(index_elements=["ambulance_id", "fix_time"])
                    .returning(GPSFIX.c.ambulance_id, GPSFIX.c.fix_time),
                    self.rows,
                )
            }
            for row, owner in zip(self.rows, self.owners, strict=True):
                if (row["ambulance_id"], row["fix_time"]) not in inserted:
                    owner.stored -= 1  # stored meanwhile by another process
                    owner.duplicates += 1
                    owner.rejected[Rejection.DUPLICATE.value] += 1
        if self.positions:
            session.execute(
                update(AMBULANCE)  # Core, for one executemany
                .where(AMBULANCE.c.id == bindparam("moved_id"))
                .where(
                    AMBULANCE.c.position_at.is_(None)
                    | (AMBULANCE.c.position_at < bindparam("moved_at"))
                )
                .values(
                    lon=bindparam("moved_lon"),
                    lat=bindparam("moved_lat"),
                    position_at=bindparam("moved_at"),
                ),
                [
                    {
                        "moved_id": a,
                        "moved_lon": s.fix.lon,
                        "moved_lat": s.fix.lat,
                        "moved_at": s.fix.fix_time,
                    }
                    for a, s in self.positions.items()
                ],
            )
        for ambulance_id, rejected in self.rejected.items():
            _count_rejections(session, ambulance_id, rejected, self.now)


def _alone(engine: Engine, batch: Batch, judging: Judging) -> Stored:
    try:
        return store_fixes(engine, batch, judging)
    except (IntegrityError, NotFoundError) as exc:
        return Stored(error=exc)
    except Exception as exc:
        if database_unavailable(exc):
            raise
        # The database refuses this batch's values: a defect to fix, but this crew's
        # problem alone. Rejected (acknowledged as such), so that it is not sent forever.
        log.exception("fixes of %s could not be stored", batch.ambulance_id)
        rejected = _unreadable(batch)
        rejected[Rejection.UNSTORABLE.value] += len(batch.fixes)
        return Stored(rejected=rejected)


def _store_in(
    session: Session, screened: Batch, judging: Judging
) -> tuple[Stored, Remembered | None]:
    """Store by reading what is stored; also what the fast path may remember afterwards
    (when this batch reaches the ambulance's newest position), else None."""
    ambulance_id = screened.ambulance_id
    result = Stored(rejected=_unreadable(screened))
    batch = unique_by_time(sorted(screened.fixes, key=lambda f: f.fix_time), result)
    ambulance = get_ambulance(session, ambulance_id)
    position_at = ambulance.position_at
    stored_times = _stored_times(session, ambulance_id, batch)
    previous = _usable_before(session, ambulance_id, batch[0].fix_time) if batch else None
    judged = judging.judge_all(ambulance_id, batch, previous, result, stored_times)
    if judged.rows:  # in now: the next batch in this transaction may be the same ambulance's
        session.execute(insert(GPSFIX), judged.rows)
    _count_rejections(session, ambulance_id, result.rejected, judging.now)
    newest = judged.newest
    if newest is not None and (position_at is None or newest.fix.fix_time > position_at):
        session.execute(
            update(Ambulance)
            .where(col(Ambulance.id) == ambulance_id)
            .where(
                (col(Ambulance.position_at).is_(None))
                | (col(Ambulance.position_at) < newest.fix.fix_time)
            )
            .values(lon=newest.fix.lon, lat=newest.fix.lat, position_at=newest.fix.fix_time)
        )
        result.latest = newest
    if not batch or (position_at is not None and batch[-1].fix_time < position_at):
        return result, None
    return result, Remembered(batch[-1].fix_time, judged.usable)


def _unreadable(batch: Batch) -> Counter[str]:
    """The rejections a batch starts with: its fixes of unreadable time."""
    return Counter({Rejection.BAD_TIME.value: batch.unreadable} if batch.unreadable else {})


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
    insert = _insert(session)
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


def _insert(session: Session) -> Callable[[Table | type[SQLModel]], PgInsert | SqliteInsert]:
    """INSERT with ON CONFLICT, in this database's dialect (SQLite and PostgreSQL alike)."""
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def rejection_counts(session: Session, ambulance_id: str) -> dict[str, int]:
    """Rejected fixes of an ambulance by reason, since it started sending."""
    rows = session.exec(select(FixRejections).where(FixRejections.ambulance_id == ambulance_id))
    return {row.reason: row.count for row in rows}
