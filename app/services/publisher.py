"""Handing feed messages to the broker from any thread, without waiting.

Route handlers run in worker threads; ``EventPublisher.emit`` schedules the publication on
the service's event loop, so that telling the feeds never slows a request.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import Future
from dataclasses import dataclass

from app.services.channels import Published
from tracking.broker import Broker

log = logging.getLogger("satria.events")


@dataclass(frozen=True)
class FeedLimits:
    """How far behind a feed reader may fall: queued events, and seconds for one send."""

    queue: int = 512
    send_timeout_s: float = 10.0


class EventPublisher:
    """Publishes on the service's event loop from any thread, without waiting (a ``Sink``)."""

    def __init__(self, broker: Broker, loop: asyncio.AbstractEventLoop) -> None:
        self.broker = broker
        self._loop = loop

    def __call__(self, messages: list[Published], /) -> None:
        """Send messages to their channels (fire and forget; failures are logged)."""
        if messages:
            future = asyncio.run_coroutine_threadsafe(publish(self.broker, messages), self._loop)
            future.add_done_callback(_log_failure)

    emit = __call__


async def publish(broker: Broker, messages: list[Published]) -> None:
    """Publish messages in order, each on its channels."""
    for message in messages:
        for channel in message.channels:
            await broker.publish(channel, message.payload, coalesce_key=message.coalesce_key)


def _log_failure(future: Future[None]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.error("feed publish failed: %s", type(future.exception()).__name__)
