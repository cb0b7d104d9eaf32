"""One path for every fix, live or backfilled: store (then the caller may acknowledge),
then work out ETA and arrival and publish to the feeds. Publishing never delays storing.

Fixes are stored by group commit: each connection hands its batch to the ``FixWriter`` and
waits; the writer takes everything that has arrived meanwhile and stores it in one
transaction, in a thread of its own, then answers every waiting connection, then works out
ETAs and arrivals for the whole group and publishes. When idle, a fix is written at once;
under load the groups grow, and the commit and SQLite's write lock are paid once per group
instead of once per fix (and 40 request threads no longer queue on that lock).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import Engine

from app.core.metrics import Metrics
from app.errors import ServiceUnavailableError
from app.services.events import Announcer
from app.services.fix_judging import FixPolicy
from app.services.fix_store import Batch, FixMemory, Stored, store_many
from app.services.live import after_fixes
from app.services.publisher import publish
from routing import Region
from tracking.broker import Broker
from tracking.fixes import FilterRules, Fix

log = logging.getLogger("satria.ingest")
_T = TypeVar("_T")


@dataclass
class _Pending:
    batch: Batch
    done: asyncio.Future[Stored]


class FixWriter:
    """Group commit of fixes, and the feeds' messages for each group (see the module)."""

    def __init__(
        self,
        engine: Engine,
        region: Region,
        *,
        rules: FilterRules,
        metrics: Metrics,
        max_group: int = 2000,
    ) -> None:
        self.engine = engine
        self.metrics = metrics
        self.policy = FixPolicy(region.meta.bbox, rules)
        self.max_group = max_group
        self.groups = 0  # transactions, for the benchmark
        self.batches = 0  # connections' batches in them
        self._queue: asyncio.Queue[_Pending] = asyncio.Queue()
        self._memory = FixMemory()  # touched by the writer's thread only
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="fix-writer")
        self._task: asyncio.Task[None] | None = None
        self._publish: Callable[[list[Stored]], Awaitable[None]] | None = None

    def start(self, publish: Callable[[list[Stored]], Awaitable[None]]) -> None:
        """Begin writing; ``publish`` gets each stored group (after its waiters are answered)."""
        self._publish = publish
        self._task = asyncio.create_task(self._run(), name="fix-writer")

    async def stop(self) -> None:
        """Stop after failing whatever still waits (nothing waiting was acknowledged)."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        while not self._queue.empty():
            pending = self._queue.get_nowait()
            if not pending.done.done():
                pending.done.set_exception(RuntimeError("the service is stopping"))
        self._thread.shutdown(wait=True)

    async def store(self, batch: Batch) -> Stored:
        """Store one batch; returns once it is committed (raises if it could not be)."""
        done: asyncio.Future[Stored] = asyncio.get_running_loop().create_future()
        await self._queue.put(_Pending(batch, done))
        return await done

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            group = [await self._queue.get()]
            while not self._queue.empty() and len(group) < self.max_group:
                group.append(self._queue.get_nowait())
            batches = [p.batch for p in group]
            started = loop.time()
            try:
                results = await loop.run_in_executor(
                    self._thread,
                    functools.partial(
                        store_many, self.engine, batches, self.policy, memory=self._memory
                    ),
                )
            except Exception as exc:  # the database is down: nobody is acknowledged
                log.warning(
                    "storing %d fix batches failed: %s",
                    len(group),
                    type(exc).__name__,
                    exc_info=True,
                )
                self.metrics.storage_failures.inc()
                unavailable = ServiceUnavailableError(
                    "fixes not stored (the database is unavailable): send them again"
                )
                for pending in group:
                    if not pending.done.done():
                        pending.done.set_exception(unavailable)
                continue
            self.groups += 1
            self.batches += len(group)
            self._count(results, loop.time() - started)
            for pending, result in zip(group, results, strict=True):
                if pending.done.done():
                    continue  # its connection went away meanwhile
                if result.error is not None:
                    pending.done.set_exception(result.error)
                else:
                    pending.done.set_result(result)
            if self._publish is not None:
                await self._publish([r for r in results if r.latest is not None])

    def _count(self, results: list[Stored], seconds: float) -> None:
        self.metrics.fix_groups.observe(seconds)
        self.metrics.fix_group_size.observe(len(results))
        fixes = self.metrics.fixes
        for result in results:
            if result.stored:
                fixes.labels("stored").inc(result.stored)
            for reason, count in result.rejected.items():
                fixes.labels(reason).inc(count)  # duplicates included, as "duplicate"

    async def after(self, work: Callable[[], _T]) -> _T:
        """Run ``work`` on the writer's thread (after the group being written)."""
        return await asyncio.get_running_loop().run_in_executor(self._thread, work)


def position_publisher(
    engine: Engine, writer: FixWriter, announcer: Announcer, broker: Broker
) -> Callable[[list[Stored]], Awaitable[None]]:
    """What the writer does with each stored group: ETA, arrival and feed messages for the
    newest usable fix of each batch, worked out on the writer's thread, published in order."""

    async def publish_group(group: list[Stored]) -> None:
        latest = [s.latest for s in group if s.latest is not None]
        if not latest:
            return
        try:
            messages = await writer.after(functools.partial(after_fixes, engine, announcer, latest))
            await publish(broker, messages)
        except Exception:  # the fixes are stored; a broker outage must not stop the writer
            log.exception("publishing %d positions failed", len(latest))

    return publish_group


async def store(
    writer: FixWriter, *, ambulance_id: str, fixes: list[Fix], continuing: bool = False
) -> Stored:
    """Store a batch by group commit; returns once it is committed. The writer publishes.

    ``continuing``: this connection sent the ambulance's previous fixes (the fast path).
    """
    return await writer.store(Batch(ambulance_id, fixes, continuing))
