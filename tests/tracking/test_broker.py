"""The broker, in memory and on Redis: delivery, isolation, latest position wins, overflow,
and a Redis connection that drops and comes back."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Awaitable, Callable

import pytest
import redis

from tracking.broker import MemoryBroker, RedisBroker, Subscription, make_broker

REDIS_URL = os.environ.get("SATRIA_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
BACKENDS = ["memory", "redis"]


def broker_for(backend: str) -> MemoryBroker | RedisBroker:
    return MemoryBroker() if backend == "memory" else RedisBroker(REDIS_URL)


async def eventually(probe: Callable[[], bool], timeout_s: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not probe():
        if asyncio.get_running_loop().time() > deadline:
            msg = "condition not met in time"
            raise AssertionError(msg)
        await asyncio.sleep(0.01)


def run(test: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(test(), 30))


@pytest.mark.parametrize("backend", BACKENDS)
def test_subscribers_get_their_channels_only(backend: str) -> None:
    async def scenario() -> None:
        broker = broker_for(backend)
        a, b = f"hospital:a-{uuid.uuid4().hex}", f"hospital:b-{uuid.uuid4().hex}"
        try:
            async with broker.subscribe(a) as sub_a, broker.subscribe(a, b) as sub_ab:
                await asyncio.sleep(0.05)  # Redis: the subscription is live
                await broker.publish(a, '{"n": 1}')
                await broker.publish(b, '{"n": 2}')
                assert await asyncio.wait_for(sub_a.get(), 5) == '{"n": 1}'
                got = {await asyncio.wait_for(sub_ab.get(), 5) for _ in range(2)}
                assert got == {'{"n": 1}', '{"n": 2}'}
                await asyncio.sleep(0.05)
                assert sub_a.backlog == 0  # b's message never reached a's subscriber
        finally:
            await broker.close()

    run(scenario)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_slow_reader_gets_the_latest_position_and_never_slows_the_publisher(
    backend: str,
) -> None:
    async def scenario() -> None:
        broker = broker_for(backend)
        channel = f"operators-{uuid.uuid4().hex}"
        try:
            async with broker.subscribe(channel) as slow, broker.subscribe(channel) as fast:
                await asyncio.sleep(0.05)
                seen: list[str] = []

                async def read_fast() -> None:
                    async for message in fast:
                        seen.append(message)

                reader = asyncio.create_task(read_fast())
                for i in range(500):
                    await broker.publish(channel, f'{{"amb": "a1", "i": {i}}}', coalesce_key="a1")
                    await broker.publish(channel, f'{{"amb": "a2", "i": {i}}}', coalesce_key="a2")
                await eventually(lambda: any('"i": 499' in m for m in seen))
                reader.cancel()
                await asyncio.sleep(0.05)
                # The slow subscriber never read: it holds one message per ambulance, the latest.
                assert slow.backlog == 2 and not slow.overflowed
                latest = [await slow.get(), await slow.get()]
                assert sorted(latest) == ['{"amb": "a1", "i": 499}', '{"amb": "a2", "i": 499}']
                assert slow.dropped == 998
        finally:
            await broker.close()

    run(scenario)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_reader_that_stops_overflows_and_others_carry_on(backend: str) -> None:
    async def scenario() -> None:
        broker = broker_for(backend)
        channel = f"hospital:{uuid.uuid4().hex}"
        try:
            async with (
                broker.subscribe(channel, limit=10) as stuck,
                broker.subscribe(channel, limit=1000) as healthy,
            ):
                await asyncio.sleep(0.05)
                for i in range(50):
                    await broker.publish(channel, f'{{"event": {i}}}')  # not coalescable
                await eventually(lambda: healthy.backlog == 50)
                assert stuck.overflowed  # the feed closes it; nobody waited for it
                assert not healthy.overflowed
        finally:
            await broker.close()

    run(scenario)


def test_redis_subscriptions_come_back_after_the_connection_drops() -> None:
    async def scenario() -> None:
        broker = RedisBroker(REDIS_URL, reconnect_s=0.1)
        channel = f"hospital:{uuid.uuid4().hex}"
        try:
            async with broker.subscribe(channel) as subscription:
                await asyncio.sleep(0.05)
                await broker.publish(channel, "before")
                assert await asyncio.wait_for(subscription.get(), 5) == "before"
                killed = redis.Redis.from_url(REDIS_URL).client_kill_filter(_type="pubsub")
                assert killed >= 1

                async def delivered() -> bool:
                    await broker.publish(channel, "after")
                    try:
                        return await asyncio.wait_for(subscription.get(), 0.3) == "after"
                    except TimeoutError:
                        return False

                for _ in range(50):
                    if await delivered():
                        break
                else:
                    raise AssertionError("no delivery after the reconnect")
        finally:
            await broker.close()

    run(scenario)


def test_the_broker_is_chosen_by_url() -> None:
    assert isinstance(make_broker(""), MemoryBroker)
    assert isinstance(make_broker("memory://"), MemoryBroker)
    assert isinstance(make_broker(REDIS_URL), RedisBroker)
    with pytest.raises(ValueError, match="unknown broker URL"):
        make_broker("kafka://somewhere")


def test_subscription_is_bounded_and_ordered() -> None:
    async def scenario() -> None:
        subscription = Subscription(("c",), limit=3)
        subscription.put("1")
        subscription.put("p-old", coalesce_key="amb")
        subscription.put("2")
        subscription.put("p-new", coalesce_key="amb")  # replaces p-old, queued last
        assert [await subscription.get() for _ in range(3)] == ["1", "2", "p-new"]
        for i in range(4):
            subscription.put(str(i))
        assert subscription.overflowed

    run(scenario)
