"""New calls written in groups by one thread: the intake's commit.

SQLite has one writer at a time (``app.core.db.SqliteWriterQueue``), and under load a
writer's turn lasted about 6 ms however little it wrote: after each statement the writing
thread waits for the GIL behind every request thread that is ranking. At 50 clients the
turns, one per call, capped intake at about 150 calls a second while the CPU sat half idle.

So requests prepare their rows (the caller found, the call, its patients, the audit event)
and hand them here; one thread writes all that was handed in meanwhile in one transaction,
with one multi-row INSERT per table, and then wakes each request. A request returns only
once its call is committed: stored before it is acknowledged, as before. A group that fails
is written again call by call, so that one bad call fails alone.
"""

from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlmodel import Session

from app.models import Call, Caller, Patient
from app.services import audit, callers, writes

log = logging.getLogger("satria.intake")
MAX_GROUP = 200


@dataclass(frozen=True)
class NewCall:
    """A call ready to write: its caller as found (None: no caller given), the call, its
    patients and the audit event of its creation (ids are filled in as they are written)."""

    caller: callers.CallerMatch | None
    call: Call
    patients: list[Patient]
    created: audit.Entry


@dataclass(frozen=True)
class _Pending:
    new: NewCall
    done: Future[int] = field(default_factory=Future)


class IntakeWriter:
    """Writes new calls in groups, on a thread of its own; ``close`` writes what is queued
    and stops it."""

    def __init__(self, engine: Engine, *, max_group: int = MAX_GROUP) -> None:
        self._engine = engine
        self._max_group = max_group
        self._queue: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="intake-writer", daemon=True)
        self._thread.start()

    def write(self, new: NewCall) -> int:
        """Write a call with the others waiting; its id once it is committed. Raises what
        writing it raised."""
        if not self._thread.is_alive():
            msg = "the intake writer is stopped"
            raise RuntimeError(msg)
        pending = _Pending(new)
        self._queue.put(pending)
        return pending.done.result()

    def close(self, timeout_s: float = 30.0) -> None:
        """Write what is queued, then stop the thread."""
        self._queue.put(None)
        self._thread.join(timeout_s)

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is None:
                return
            group = [first]
            while len(group) < self._max_group:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stopping = True
                    break
                group.append(item)
            self._write(group)

    def _write(self, group: list[_Pending]) -> None:
        news = [p.new for p in group]
        caller_ids = [n.caller.caller.id if n.caller else None for n in news]
        try:
            with Session(self._engine) as session:
                call_ids = _insert(session, news)
                session.commit()
        except Exception as exc:
            # Nothing was written: forget the ids the failed transaction handed out.
            for new, caller_id in zip(news, caller_ids, strict=True):
                new.call.id = new.call.caller_id = None
                if new.caller is not None:
                    new.caller.caller.id = caller_id
            if len(group) == 1:
                group[0].done.set_exception(exc)
                return
            log.warning("a group of %d calls failed; writing them one by one", len(group))
            for pending in group:
                self._write([pending])
            return
        for pending, call_id in zip(group, call_ids, strict=True):
            pending.done.set_result(call_id)


def _insert(session: Session, news: list[NewCall]) -> list[int]:
    """The group's rows, table by table; the calls' ids in order."""
    _save_callers(session, [n.caller for n in news if n.caller is not None])
    for new in news:
        if new.caller is not None:
            new.call.caller_id = new.caller.caller.id
    call_ids = writes.insert_each(session, [n.call for n in news])
    for new, call_id in zip(news, call_ids, strict=True):
        for patient in new.patients:
            patient.call_id = call_id
        new.created.entity_id = str(call_id)
    writes.insert_all(session, [p for n in news for p in n.patients])
    audit.write(session, [n.created for n in news])
    return call_ids


def _save_callers(session: Session, matches: list[callers.CallerMatch]) -> None:
    """New callers in one INSERT (one row for the same NIK, or the same phone without a NIK,
    however many of the group's calls they made); what was learned about known ones."""
    new: dict[str, Caller] = {}
    for match in matches:
        caller = match.caller
        if caller.id is not None:
            callers.save(session, match)
            continue
        key = f"nik:{caller.nik_hash}" if caller.nik_hash else f"phone:{caller.phone_hash}"
        new.setdefault(key, caller)
    writes.insert_each(session, list(new.values()))
    for match in matches:
        caller = match.caller
        if caller.id is None:
            key = f"nik:{caller.nik_hash}" if caller.nik_hash else f"phone:{caller.phone_hash}"
            caller.id = new[key].id
