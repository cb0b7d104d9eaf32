"""Publish/subscribe between the ingest and the feeds: one process (memory) or many (Redis).

    async with broker.subscribe("hospital:rsud-purwa") as subscription:
        async for message in subscription:
            ...

Every subscription has its own bounded queue, filled without ever waiting: a message with a
``coalesce_key`` (an ambulance's position) replaces the queued one with the same key, so a
slow reader gets the latest position, not a backlog; when other messages pile up beyond the
limit, the subscription is marked ``overflowed`` and its reader should disconnect. Ingest
never waits for a subscriber.

The Redis backend keeps one pub/sub connection per process and fans messages out to the
local subscriptions; if Redis goes away it reconnects and subscribes again by itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Protocol

log = logging.getLogger("satria.broker")
DEFAULT_QUEUE_LIMIT = 256
# What ``Subscription.get`` returns after a gap (the broker lost its connection, so messages
# may be missing): the reader should start again from a fresh snapshot. Never valid JSON.
RESYNC = "\x00resync"
_SEPARATOR = "\x1f"  # between coalesce key and payload on the wire (never in JSON text)


class Subscription:
    """A subscriber's queue: bounded, never blocking the publisher, latest position wins."""

    def __init__(self, channels: tuple[str, ...], limit: int = DEFAULT_QUEUE_LIMIT) -> None:
        self.channels = channels
        self.limit = limit
        self.overflowed = False
        self.dropped = 0  # positions replaced by a newer one before being read
        self._pending: OrderedDict[object, str] = OrderedDict()
        self._sequence = 0
        self._ready = asyncio.Event()
        self._overflow = asyncio.Event()

    def put(self, payload: str, coalesce_key: str | None = None) -> None:
        """Queue a message (called by the broker; never waits)."""
        if self.overflowed:
            return
        if coalesce_key is not None:
            key: object = ("k", coalesce_key)
            if key in self._pending:
                del self._pending[key]  # re-queued at the end, as the newest message
                self.dropped += 1
        else:
            self._sequence += 1
            key = ("n", self._sequence)
        self._pending[key] = payload
        if len(self._pending) > self.limit:
            self.overflowed = True
            self._overflow.set()
        self._ready.set()

    def mark_gap(self) -> None:
        """Messages may have been lost: drop what is queued and tell the reader to resync."""
        self._pending.clear()
        self._pending[("n", 0)] = RESYNC
        self._ready.set()

    async def wait_overflow(self) -> None:
        """Returns when the queue overflows (a reader blocked on a send can give up then)."""
        await self._overflow.wait()

    async def get(self) -> str:
        """The next message; waits until there is one."""
        while not self._pending:
            self._ready.clear()
            await self._ready.wait()
        _, payload = self._pending.popitem(last=False)
        return payload

    @property
    def backlog(self) -> int:
        """Messages waiting to be read."""
        return len(self._pending)

    def __aiter__(self) -> AsyncIterator[str]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[str]:
        while True:
            yield await self.get()


class Broker(Protocol):
    """What the ingest and the feeds need from a broker."""

    async def publish(self, channel: str, payload: str, *, coalesce_key: str | None = None) -> None:
        """Send a message to every subscriber of ``channel``, in every process."""
        ...

    def subscribe(
        self, *channels: str, limit: int = DEFAULT_QUEUE_LIMIT
    ) -> contextlib.AbstractAsyncContextManager[Subscription]:
        """Receive the messages of these channels until the block ends."""
        ...

    async def ping(self) -> bool:
        """True when the broker can carry messages (readiness)."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


class _LocalHub:
    """Subscriptions of this process by channel."""

    def __init__(self) -> None:
        self.by_channel: dict[str, set[Subscription]] = {}

    def add(self, subscription: Subscription) -> list[str]:
        """Register; returns the channels that had no local subscriber before."""
        new = [c for c in subscription.channels if c not in self.by_channel]
        for channel in subscription.channels:
            self.by_channel.setdefault(channel, set()).add(subscription)
        return new

    def subscriptions(self) -> set[Subscription]:
        """Every subscription of this process."""
        return set().union(*self.by_channel.values())

    def remove(self, subscription: Subscription) -> list[str]:
        """Unregister; returns the channels left with no local subscriber."""
        empty = []
        for channel in subscription.channels:
            members = self.by_channel.get(channel)
            if members is None:
                continue
            members.discard(subscription)
            if not members:
                del self.by_channel[channel]
                empty.append(channel)
        return empty

    def deliver(self, channel: str, payload: str, coalesce_key: str | None) -> None:
        for subscription in self.by_channel.get(channel, ()):
            subscription.put(payload, coalesce_key)


class MemoryBroker:
    """One process: messages go straight to the local subscriptions."""

    def __init__(self) -> None:
        self._hub = _LocalHub()

    async def publish(self, channel: str, payload: str, *, coalesce_key: str | None = None) -> None:
        """Deliver to this process's subscribers."""
        self._hub.deliver(channel, payload, coalesce_key)

    @asynccontextmanager
    async def subscribe(
        self, *channels: str, limit: int = DEFAULT_QUEUE_LIMIT
    ) -> AsyncIterator[Subscription]:
        """Receive these channels until the block ends."""
        subscription = Subscription(channels, limit)
        self._hub.add(subscription)
        try:
            yield subscription
        finally:
            self._hub.remove(subscription)

    async def ping(self) -> bool:
        """Always: it lives in this process."""
        return True

    async def close(self) -> None:
        """Nothing to release."""


class RedisBroker:
    """Several processes: Redis pub/sub, one connection per process, local fan-out."""

    def __init__(self, url: str, *, reconnect_s: float = 0.5) -> None:
        import redis.asyncio as aioredis  # noqa: PLC0415 - only this backend needs it

        self._redis = aioredis.Redis.from_url(url, decode_responses=True)
        self._hub = _LocalHub()
        self._reconnect_s = reconnect_s
        self._pubsub = self._redis.pubsub()
        self._reader: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    async def publish(self, channel: str, payload: str, *, coalesce_key: str | None = None) -> None:
        """Publish through Redis (every process's subscribers get it, this one's included)."""
        await self._redis.publish(channel, f"{coalesce_key or ''}{_SEPARATOR}{payload}")

    @asynccontextmanager
    async def subscribe(
        self, *channels: str, limit: int = DEFAULT_QUEUE_LIMIT
    ) -> AsyncIterator[Subscription]:
        """Receive these channels until the block ends."""
        subscription = Subscription(channels, limit)
        async with self._lock:
            new = self._hub.add(subscription)
            if new:
                await self._pubsub.subscribe(*new)
            if self._reader is None or self._reader.done():
                self._reader = asyncio.create_task(self._read())
        try:
            yield subscription
        finally:
            async with self._lock:
                empty = self._hub.remove(subscription)
                if empty:
                    with contextlib.suppress(Exception):  # Redis may be down right now
                        await self._pubsub.unsubscribe(*empty)

    async def _read(self) -> None:
        while True:
            try:
                message = await self._pubsub.get_message(
                    ignore_subscribe_messages=True, timeout=1.0
                )
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # connection lost: reconnect and subscribe again
                log.warning("redis pub/sub lost (%s); reconnecting", type(exc).__name__)
                await asyncio.sleep(self._reconnect_s)
                await self._resubscribe()
                continue
            if message is None or message.get("type") != "message":
                continue
            key, _, payload = str(message["data"]).partition(_SEPARATOR)
            self._hub.deliver(str(message["channel"]), payload, key or None)

    async def _resubscribe(self) -> None:
        async with self._lock:
            with contextlib.suppress(Exception):
                await self._pubsub.aclose()  # type: ignore[no-untyped-call]
            self._pubsub = self._redis.pubsub()
            channels = list(self._hub.by_channel)
            if channels:
                try:
                    await self._pubsub.subscribe(*channels)
                except Exception as exc:
                    log.warning("redis resubscribe failed (%s); retrying", type(exc).__name__)
                    return
            log.info(
                "redis pub/sub back: %d channels; feeds start again from a snapshot", len(channels)
            )
            for subscription in self._hub.subscriptions():
                subscription.mark_gap()

    async def ping(self) -> bool:
        """True when Redis answers."""
        try:
            return bool(await self._redis.ping())
        except Exception:
            return False

    async def close(self) -> None:
        """Stop reading and close the connections."""
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        with contextlib.suppress(Exception):
            await self._pubsub.aclose()  # type: ignore[no-untyped-call]
        await self._redis.aclose()


def make_broker(url: str) -> MemoryBroker | RedisBroker:
    """The broker for a URL: empty or ``memory://`` in one process, ``redis://...`` across."""
    if not url or url.startswith("memory:"):
        return MemoryBroker()
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisBroker(url)
    msg = f"unknown broker URL {url!r}: use memory:// or redis://host:port"
    raise ValueError(msg)
