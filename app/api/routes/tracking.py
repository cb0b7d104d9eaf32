"""GPS from the crews: the websocket for live fixes, the REST batch for offline backfill."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Annotated

from fastapi import APIRouter, Body, WebSocket, WebSocketDisconnect
from pydantic import BaseModel, Field, ValidationError, field_validator

from app.api import schemas as s
from app.api.deps import (
    CLOSE_POLICY,
    EngineDep,
    OperatorOrCrew,
    RegionDep,
    ServicesDep,
    SessionDep,
    SessionReleasingRoute,
    SocketCaller,
    accept_principal,
    close_when_key_ends,
    receive_text,
    services_of,
    websocket_key,
    websocket_principal,
)
from app.errors import AuthenticationError, PermissionDeniedError, ServiceUnavailableError
from app.models import Role
from app.services import ingest
from app.services.fix_store import MAX_BATCH, Stored, rejection_counts
from app.services.users import Principal
from tracking.fixes import Fix, readable_time
from tracking.messages import (
    Ack,
    AuthMessage,
    ErrorMessage,
    FixIn,
    FixMessage,
    crew_message,
)

router = APIRouter(prefix="/api", tags=["tracking"], route_class=SessionReleasingRoute)
ws_router = APIRouter(tags=["tracking"], route_class=SessionReleasingRoute)
log = logging.getLogger("satria.tracking")
MAX_MESSAGE_BYTES = 1_000_000
AUTH_WAIT_S = 10.0  # a connection that has not said who it is by then is dropped
MAX_REFUSED = 100  # messages refused for the pace before the connection is closed


class MessagePace:
    """A token bucket per connection: ``per_s`` messages a second sustained, bursts of five
    seconds' worth (a phone sending what it held during a short gap)."""

    def __init__(self, per_s: float) -> None:
        self.per_s = per_s
        self.capacity = per_s * 5
        self.tokens = self.capacity
        self.refused = 0
        self._at = time.monotonic()

    def allow(self) -> bool:
        """Take a token if there is one."""
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self._at) * self.per_s)
        self._at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        self.refused += 1
        return False


class FixBatch(BaseModel):
    """Fixes buffered while offline, in any order (at most 5,000)."""

    fixes: list[FixIn] = Field(max_length=MAX_BATCH)

    @field_validator("fixes")
    @classmethod
    def _times_readable(cls, fixes: list[FixIn]) -> list[FixIn]:
        # Refused whole with the faulty positions named: a device that sends times without
        # a zone sends them all so, and must be fixed (the live socket rejects them one by
        # one in its acknowledgement instead).
        unreadable = [i for i, fix in enumerate(fixes) if not readable_time(fix.fix_time)]
        if unreadable:
            msg = (
                "fix_time must carry a zone (e.g. 2026-11-23T07:30:00+07:00) and a year "
                f"from 2000 to 2099; not so at positions {unreadable[:10]}"
            )
            raise ValueError(msg)
        return fixes


class StoredOut(BaseModel):
    """What happened to a batch: stored, already stored, rejected by reason."""

    stored: int
    duplicates: int
    rejected: dict[str, int]


def _fixes(items: list[FixIn]) -> list[Fix]:
    return [f.to_fix() for f in items]


def _own_ambulance(principal: Principal, ambulance_id: str) -> None:
    if principal.role is Role.CREW and principal.ambulance_id != ambulance_id:
        msg = "a crew sends the fixes of its own ambulance only"
        raise PermissionDeniedError(msg)


def _out(stored: Stored) -> StoredOut:
    rejected = {k: v for k, v in stored.rejected.items() if k != "duplicate"}
    return StoredOut(stored=stored.stored, duplicates=stored.duplicates, rejected=rejected)


@router.post("/ambulances/{ambulance_id}/fixes")
async def backfill(
    ambulance_id: s.IdInPath,
    body: Annotated[FixBatch, Body()],
    principal: OperatorOrCrew,
    region: RegionDep,
    services: ServicesDep,
    engine: EngineDep,
) -> StoredOut:
    """Store a batch of buffered fixes (idempotent: a replayed batch changes nothing)."""
    _own_ambulance(principal, ambulance_id)
    stored = await ingest.store(
        services.fix_writer, ambulance_id=ambulance_id, fixes=_fixes(body.fixes)
    )
    return _out(stored)


@router.get("/ambulances/{ambulance_id}/fix-rejections")
def fix_rejections(
    ambulance_id: s.IdInPath, principal: OperatorOrCrew, session: SessionDep
) -> dict[str, int]:
    """How many fixes of this ambulance were rejected, by reason."""
    _own_ambulance(principal, ambulance_id)
    return rejection_counts(session, ambulance_id)


@ws_router.websocket("/ws/crew")
async def crew_socket(websocket: WebSocket) -> None:
    """A crew's live fixes: each message acknowledged by its seq once stored.

    The key comes as ``Authorization: Bearer``, as ``?token=`` (never logged), or in a first
    message ``{"type": "auth", "key": ...}``.
    """
    services = services_of(websocket)
    caller = await accept_principal(websocket, _authenticate)
    if caller is None:
        return
    watch = services.socket_keys.open(caller.key)
    guard = asyncio.create_task(close_when_key_ends(websocket, watch))
    try:
        await _take_fixes(websocket, caller.principal.ambulance_id or "")
    finally:
        guard.cancel()
        services.socket_keys.close(watch)


async def _take_fixes(websocket: WebSocket, ambulance_id: str) -> None:
    """Store and acknowledge fixes until the socket closes."""
    services = services_of(websocket)
    continuing = False  # this connection's first fixes are checked against the database
    pace = MessagePace(services.crew_messages_per_s)
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            text = await receive_text(websocket)
            if text is None:
                continue  # a binary frame, answered with an error
            if len(text) > MAX_MESSAGE_BYTES:
                await websocket.close(1009, "message too big")
                return
            if not pace.allow():  # a flood: refused, not stored; the crew sends it again
                services.metrics.rate_limited.labels("crew_websocket").inc()
                if pace.refused > MAX_REFUSED:
                    log.warning("crew socket of %s closed: flooding", ambulance_id)
                    await websocket.close(CLOSE_POLICY, "too many messages")
                    return
                error = ErrorMessage(detail="too many messages: slow down, then send it again")
                await websocket.send_text(error.model_dump_json())
                continue
            try:
                message = crew_message.validate_json(text)
            except ValidationError as exc:
                detail = "; ".join(
                    f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:5]
                )
                await websocket.send_text(ErrorMessage(detail=detail).model_dump_json())
                continue
            if isinstance(message, AuthMessage):
                continue  # already authenticated
            fixes = [message.fix] if isinstance(message, FixMessage) else message.fixes
            try:
                stored = await ingest.store(
                    services.fix_writer,
                    ambulance_id=ambulance_id,
                    fixes=_fixes(fixes),
                    continuing=continuing,
                )
            except ServiceUnavailableError as exc:  # not acknowledged: the crew sends it again
                error = ErrorMessage(seq=message.seq, detail=str(exc))
                await websocket.send_text(error.model_dump_json())
                continue
            continuing = True
            out = _out(stored)
            ack = Ack(
                seq=message.seq, stored=out.stored, duplicates=out.duplicates, rejected=out.rejected
            )
            await websocket.send_text(ack.model_dump_json())


async def _authenticate(websocket: WebSocket) -> SocketCaller:
    """The crew principal of this connection (header, query string or first message)."""
    key = websocket_key(websocket)
    if not key:
        try:
            first = await asyncio.wait_for(receive_text(websocket), AUTH_WAIT_S)
        except TimeoutError:
            msg = f"no key within {AUTH_WAIT_S:.0f} s"
            raise AuthenticationError(msg) from None
        try:
            message = crew_message.validate_json(first or "")
        except ValidationError:
            message = None
        if not isinstance(message, AuthMessage):
            msg = 'first message must be {"type": "auth", "key": ...}'
            raise AuthenticationError(msg)
        key = message.key
    principal = await websocket_principal(websocket, key)
    if principal.role is not Role.CREW or not principal.ambulance_id:
        msg = "only a crew key bound to an ambulance may send fixes"
        raise PermissionDeniedError(msg)
    return SocketCaller(principal, key)
