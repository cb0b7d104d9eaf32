"""Background verification: calls are stored first, checked against the registry afterwards.

Route handlers (in worker threads) submit jobs; a few tasks on the event loop work them off,
each bounded by a deadline, and store the outcome on the call with an audit event. Outcomes
that are ready together are stored in one transaction (a busy shift does not double the
writes that intake waits behind). Jobs that a stopped process left pending are picked up
again at start, from the encrypted NIK; and while running, every process sweeps for calls left
pending by another one that died (a worker killed mid-check), so that no call waits for its
verification until the next restart. An outcome is stored only on a call still pending: a call
checked twice (by its own worker and by a sweep) keeps the first outcome.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine, func, update
from sqlmodel import Session, col, select

from app.core.security import PersonalDataVault
from app.models import Call, Caller, Verification, utcnow
from app.services import audit
from app.services.verification import Outcome, Verifier

log = logging.getLogger("satria.verification")
QUEUE_LIMIT = 10_000


@dataclass(frozen=True)
class VerificationJob:
    """One call's NIK (and name) to check; both stay out of repr and logs."""

    call_id: int
    nik: str = field(repr=False)
    name: str | None = field(default=None, repr=False)


class VerificationRunner:
    """A bounded queue and worker tasks on the service's event loop."""

    def __init__(
        self,
        verifier: Verifier,
        engine: Engine,
        *,
        deadline_s: float,
        vault: PersonalDataVault | None = None,
        workers: int = 4,
    ) -> None:
        self.verifier = verifier
        self._engine = engine
        self._deadline_s = deadline_s
        self._vault = vault  # to sweep for orphans; None: no sweep (tests of the queue alone)
        self._in_flight: set[int] = set()  # call ids queued or being checked here
        self._workers = workers
        self._queue: asyncio.Queue[VerificationJob] = asyncio.Queue(QUEUE_LIMIT)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._ready: list[tuple[VerificationJob, Outcome, asyncio.Future[None]]] = []
        self._storing = False

    async def start(self, pending: list[VerificationJob]) -> None:
        """Start the workers, with the jobs a previous run left pending."""
        self._loop = asyncio.get_running_loop()
        self._tasks = [asyncio.create_task(self._work()) for _ in range(self._workers)]
        if self._vault is not None:
            self._tasks.append(asyncio.create_task(self._sweep(self._vault)))
        for job in pending:
            self._enqueue(job)

    async def stop(self) -> None:
        """Cancel the workers; unfinished jobs stay pending in the database."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def submit(self, job: VerificationJob) -> None:
        """Queue a job; safe to call from any thread."""
        if self._loop is None:
            msg = "verification runner not started"
            raise RuntimeError(msg)
        self._loop.call_soon_threadsafe(self._enqueue, job)

    def _enqueue(self, job: VerificationJob) -> None:
        if job.call_id in self._in_flight:
            return
        try:
            self._queue.put_nowait(job)
            self._in_flight.add(job.call_id)
        except asyncio.QueueFull:
            # Never block intake on verification: the operator sees why it was not checked.
            outcome = Outcome(Verification.UNAVAILABLE, "verification queue full")
            asyncio.get_running_loop().create_task(self._stored(job, outcome))

    async def _work(self) -> None:
        while True:
            job = await self._queue.get()
            try:
                outcome = await asyncio.wait_for(
                    self.verifier.verify(job.nik, job.name), self._deadline_s
                )
            except TimeoutError:
                outcome = Outcome(Verification.UNAVAILABLE, "registry too slow")
            except Exception:  # a bug in a verifier must not stop the others
                log.exception("verifier failed on call %s", job.call_id)
                outcome = Outcome(Verification.UNAVAILABLE, "verifier error")
            try:
                await self._stored(job, outcome)
            except Exception:
                log.exception("could not store the verification of call %s", job.call_id)
            finally:
                self._in_flight.discard(job.call_id)
                self._queue.task_done()

    async def _sweep(self, vault: PersonalDataVault) -> None:
        """Take up calls pending far longer than a check can take: their worker died."""
        orphaned_after = timedelta(seconds=3 * self._deadline_s)
        while True:
            await asyncio.sleep(self._deadline_s)
            try:
                jobs = await asyncio.to_thread(self._orphans, vault, orphaned_after)
            except Exception:  # the database is away: the next sweep tries again
                log.warning("could not look for orphaned verifications", exc_info=True)
                continue
            for job in jobs:
                self._enqueue(job)

    def _orphans(self, vault: PersonalDataVault, age: timedelta) -> list[VerificationJob]:
        with Session(self._engine) as session:
            return pending_jobs(session, vault, taken_before=utcnow() - age)

    async def _stored(self, job: VerificationJob, outcome: Outcome) -> None:
        """Store an outcome with those ready at the same time; returns once it is stored.

        The first worker with an outcome stores every outcome ready meanwhile, in groups,
        until none is left (all of this runs on the event loop: no lock is needed).
        """
        done = asyncio.get_running_loop().create_future()
        self._ready.append((job, outcome, done))
        if not self._storing:
            self._storing = True
            try:
                while self._ready:
                    group, self._ready = self._ready, []
                    try:
                        await asyncio.to_thread(self._store, [(j, o) for j, o, _ in group])
                    except Exception as exc:
                        for *_, waiting in group:
                            waiting.set_exception(exc)
                    else:
                        for *_, waiting in group:
                            waiting.set_result(None)
            finally:
                self._storing = False
        await done

    def _store(self, outcomes: list[tuple[VerificationJob, Outcome]]) -> None:
        now = utcnow()
        entries = [
            audit.entry(
                actor_user_id=None,
                action="call.verification",
                entity="call",
                entity_id=job.call_id,
                outcome=outcome.status.value,
                detail=outcome.detail,
            )
            for job, outcome in outcomes
        ]
        with Session(self._engine) as session:
            connection = session.connection()
            stored = []
            for (job, outcome), entry in zip(outcomes, entries, strict=True):
                changed = connection.execute(
                    update(Call)
                    .where(
                        col(Call.id) == job.call_id, col(Call.verification) == Verification.PENDING
                    )
                    .values(
                        verification=outcome.status,
                        verification_detail=outcome.detail,
                        verification_at=now,
                        updated_at=now,
                    )
                )
                if changed.rowcount == 1:  # not already settled (a restart, a sweep)
                    stored.append(entry)
            if stored:
                audit.write(session, stored)
            session.commit()
        for job, outcome in outcomes:
            log.info("call %s verification: %s", job.call_id, outcome.status.value)

    async def drain(self) -> None:
        """Wait until every queued job is done (for tests and orderly shutdown)."""
        await self._queue.join()


def pending_jobs(
    session: Session, vault: PersonalDataVault, *, taken_before: datetime | None = None
) -> list[VerificationJob]:
    """Jobs for calls still waiting for verification (after a restart), or for those taken
    before a time (orphans of a process that died)."""
    query = (
        select(
            Call.id,
            Caller.nik_ciphertext,
            func.coalesce(Call.caller_name_ciphertext, Caller.name_ciphertext),
        )
        .join(Caller, col(Call.caller_id) == col(Caller.id))
        .where(Call.verification == Verification.PENDING)
    )
    if taken_before is not None:
        query = query.where(col(Call.created_at) < taken_before)
    rows = session.exec(query).all()
    return [
        VerificationJob(
            call_id=call_id,
            nik=vault.decrypt(nik_token),
            name=vault.decrypt(name_token) if name_token else None,
        )
        for call_id, nik_token, name_token in rows
        if call_id is not None and nik_token
    ]
