"""Open websockets follow their key: a key revoked (on any worker) or expired, or its user
deactivated, closes the sockets opened with it within the key cache time.

Each process keeps the keys of its own open sockets (a lifespan resource). They are checked
together, in one worker thread, every half key-cache time, and at once when any worker
announces a revocation on the broker's ``keys`` channel (which also clears each worker's
cache of checked keys). A lost announcement costs at most the next periodic check.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlmodel import Session

from app.services.users import PrincipalCache, refused_keys
from tracking.broker import Broker

CHANNEL = "keys"  # a key was revoked somewhere: check every open socket's key now
log = logging.getLogger("satria.keys")


@dataclass(eq=False)
class KeyWatch:
    """One open socket's key; ``ended`` is set (with the reason) once the key no longer
    authenticates."""

    key: str = field(repr=False)
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    reason: str = ""


class SocketKeys:
    """The keys of this process's open sockets, checked as the module says."""

    def __init__(
        self, engine: Engine, broker: Broker, principals: PrincipalCache, *, every_s: float
    ) -> None:
        self._engine = engine
        self._broker = broker
        self._principals = principals
        self._every_s = every_s
        self._watches: set[KeyWatch] = set()
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def open(self, key: str) -> KeyWatch:
        """Follow the key of a socket just opened."""
        watch = KeyWatch(key)
        self._watches.add(watch)
        return watch

    def close(self, watch: KeyWatch) -> None:
        """Stop following a socket that closed."""
        self._watches.discard(watch)

    async def start(self) -> None:
        """Begin the periodic checks and listen for revocations from every worker."""
        self._tasks = [asyncio.create_task(self._run()), asyncio.create_task(self._listen())]

    async def stop(self) -> None:
        """Stop checking."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._every_s)
            self._wake.clear()
            try:
                await self.check()
            except Exception:  # the database is away: the next round tries again
                log.warning("open sockets' keys could not be checked", exc_info=True)

    async def check(self) -> int:
        """Check every open socket's key now; returns how many sockets were ended."""
        watches = list(self._watches)
        if not watches:
            return 0
        refused = await asyncio.to_thread(self._refused, {w.key for w in watches})
        ended = 0
        for watch in watches:
            reason = refused.get(watch.key)
            if reason is not None and not watch.ended.is_set():
                watch.reason = reason
                watch.ended.set()
                ended += 1
        return ended

    def _refused(self, keys: set[str]) -> dict[str, str]:
        """Keys that no longer authenticate, with why (looked up afresh: no cache)."""
        with Session(self._engine) as session:
            return refused_keys(session, keys)

    async def _listen(self) -> None:
        while True:
            try:
                async with self._broker.subscribe(CHANNEL) as subscription:
                    async for _ in subscription:
                        self._principals.clear()
                        self._wake.set()
            except asyncio.CancelledError:
                raise
            except Exception:  # the broker is away: the periodic check covers the gap
                await asyncio.sleep(1.0)
