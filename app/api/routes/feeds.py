"""Live feeds over websockets: a hospital sees the ambulances coming to it; operators see all;
police and fire see the calls of the incident kinds they follow.

The connection subscribes first and then sends a snapshot, so that nothing happening in
between is lost; events follow. A hospital may acknowledge an incoming patient on the same
socket. A reader too slow to keep up loses intermediate positions (latest wins) and is
disconnected if events pile up; nobody else waits for it. Uvicorn pings every 20 s.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError
from sqlmodel import Session

from app.api.deps import (
    CLOSE_POLICY,
    SocketCaller,
    accept_principal,
    receive_text,
    services_of,
    websocket_key,
    websocket_principal,
)
from app.errors import AuthenticationError, NotFoundError, PermissionDeniedError
from app.services import events
from app.services.publisher import FeedLimits
from app.services.socket_keys import KeyWatch
from app.services.users import Principal
from tracking.broker import RESYNC, Subscription
from tracking.messages import ErrorMessage, acknowledge_message

router = APIRouter(tags=["feeds"])
log = logging.getLogger("satria.feeds")
CLOSE_TOO_SLOW = 1013  # try again later: this reader fell too far behind
CLOSE_WAIT_S = 5.0  # a reader that stopped reading may not take our close frame either
Ending = tuple[int, str, str]  # close code, reason for the client, reason for the metrics


@router.websocket("/ws/feed")
async def feed(websocket: WebSocket) -> None:
    """A hospital's incoming ambulances, every call for operators, an agency's incident kinds:
    snapshot, then events."""
    caller = await accept_principal(websocket, _authenticate)
    if caller is None:
        return
    services = services_of(websocket)
    channels = events.feed_channels(caller.principal)
    kind = channels[0].split(":", 1)[0]  # hospital, operators or incident (an agency)
    subscribers = services.metrics.feed_subscribers.labels(kind)
    subscribers.inc()
    watch = services.socket_keys.open(caller.key)
    try:
        await _serve_feed(websocket, caller.principal, channels, watch)
    finally:
        services.socket_keys.close(watch)
        subscribers.dec()


async def _serve_feed(
    websocket: WebSocket, principal: Principal, channels: tuple[str, ...], watch: KeyWatch
) -> None:
    """Subscribe, snapshot, then events until the socket closes or the reader falls behind."""
    engine = websocket.app.state.engine
    services = services_of(websocket)
    limits = services.feed_limits
    async with services.broker.subscribe(*channels, limit=limits.queue) as subscription:

        def take_snapshot() -> str:
            with Session(engine) as session:
                return events.snapshot(session, services.feed_view, principal).model_dump_json()

        try:
            await websocket.send_text(await run_in_threadpool(take_snapshot))
            sender = _Sender(websocket, subscription, resync=take_snapshot)
            tasks = {
                asyncio.create_task(sender.run()),
                asyncio.create_task(sender.watch(limits)),
                asyncio.create_task(_receive(websocket, principal)),
                asyncio.create_task(_key_ended(watch)),
            }
            done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()
            for task in done:
                if (ending := task.result()) is not None:
                    code, reason, why = ending
                    log.info("feed %s closed: %s", channels[0].split(":")[0], why)
                    services.metrics.feed_closed.labels(why).inc()
                    with contextlib.suppress(TimeoutError, WebSocketDisconnect, RuntimeError):
                        await asyncio.wait_for(websocket.close(code, reason), CLOSE_WAIT_S)
        except WebSocketDisconnect:
            return
        finally:
            services.metrics.positions_dropped.inc(subscription.dropped)


class _Sender:
    """Forwards events to the socket; its watchdog gives up on a reader that fell behind.

    A reader that stops reading blocks our send once the socket's buffers are full. The
    watchdog ends the feed when the queue overflows (at once) or when one send has taken
    longer than the timeout; the sends themselves need no timer each.
    """

    def __init__(
        self, websocket: WebSocket, subscription: Subscription, *, resync: Callable[[], str]
    ) -> None:
        self.websocket = websocket
        self.subscription = subscription
        self.resync = resync  # a fresh snapshot, after the broker lost messages
        self.sending_since: float | None = None  # loop time the current send began

    async def run(self) -> None:
        """Forward events until the socket closes."""
        loop = asyncio.get_running_loop()
        with contextlib.suppress(WebSocketDisconnect, RuntimeError):
            while True:
                payload = await self.subscription.get()
                if payload == RESYNC:
                    payload = await run_in_threadpool(self.resync)
                self.sending_since = loop.time()
                await self.websocket.send_text(payload)
                self.sending_since = None

    async def watch(self, limits: FeedLimits) -> Ending:
        """Returns how to close once the reader is too far behind."""
        loop = asyncio.get_running_loop()
        every_s = min(1.0, limits.send_timeout_s / 4)
        while not self.subscription.overflowed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.subscription.wait_overflow(), every_s)
            since = self.sending_since
            if since is not None and loop.time() - since > limits.send_timeout_s:
                break
        return CLOSE_TOO_SLOW, "reader too slow", "too_slow"


async def _key_ended(watch: KeyWatch) -> Ending:
    """Returns how to close once the feed's key is revoked or expires."""
    await watch.ended.wait()
    return CLOSE_POLICY, watch.reason[:120], "key_ended"


async def _receive(websocket: WebSocket, principal: Principal) -> Ending | None:
    """Acknowledgements from a hospital; returns when the client goes away."""
    engine = websocket.app.state.engine
    dispatcher = services_of(websocket).dispatcher
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            text = await receive_text(websocket)
            if text is None:
                continue  # a binary frame, answered with an error
            try:
                message = acknowledge_message.validate_json(text)
            except ValidationError:
                error = ErrorMessage(detail='expected {"type": "acknowledge", "referral_id": N}')
                await websocket.send_text(error.model_dump_json())
                continue

            def store_ack(referral_id: int = message.referral_id) -> None:
                with Session(engine, expire_on_commit=False) as session:
                    dispatcher.acknowledge(session, referral_id=referral_id, principal=principal)

            try:
                await run_in_threadpool(store_ack)
            except (NotFoundError, PermissionDeniedError) as exc:
                error = ErrorMessage(detail=str(exc))
                await websocket.send_text(error.model_dump_json())
    return None


async def _authenticate(websocket: WebSocket) -> SocketCaller:
    """The principal of a feed: a hospital, an operator, an administrator or an agency."""
    key = websocket_key(websocket)
    if not key:
        msg = "give the key as Authorization: Bearer or ?token="
        raise AuthenticationError(msg)
    principal = await websocket_principal(websocket, key)
    if not events.feed_channels(principal):
        msg = f"role {principal.role} has no feed here"
        raise PermissionDeniedError(msg)
    return SocketCaller(principal, key)
