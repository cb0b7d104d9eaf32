"""Dependencies: the resources the lifespan made, and who is calling.

Keys arrive as ``Authorization: Bearer <key>`` or ``X-API-Key: <key>``; both are declared so
that /docs can send them. A route states the roles it admits with ``Allow(...)``.
"""

from __future__ import annotations

import contextlib
import functools
import hmac
import inspect
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Request, Response, WebSocket, WebSocketDisconnect
from fastapi.concurrency import run_in_threadpool
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.requests import HTTPConnection

from app.core.config import Settings
from app.core.security import PersonalDataVault, hash_api_key
from app.errors import AuthenticationError, PermissionDeniedError
from app.models import Role
from app.services.assessment import Assessor
from app.services.calls import Intake
from app.services.crew_answers import CrewDesk
from app.services.dispatch import Dispatcher
from app.services.referral_answers import ReferralDesk
from app.services.socket_keys import KeyWatch
from app.services.state import ServiceState
from app.services.users import Principal, PrincipalCache, authenticate, authenticate_key
from routing import Region
from tracking.messages import ErrorMessage

_bearer = HTTPBearer(auto_error=False, description="API key as a bearer token.")
_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="API key.")


# The cheap dependencies are ``async def`` on purpose: FastAPI runs a sync dependency in the
# thread pool, and a thread hop per dependency costs more than the ranking itself.


async def get_session(request: Request) -> Session:
    """A database session for one request, made here (no I/O: a connection is taken only
    when the handler first uses it). Only sync handlers of a ``SessionReleasingRoute`` may
    take one: the route closes it in the handler's own thread as the handler returns.

    Not a ``yield`` dependency: FastAPI runs those in an exit stack of their own, which
    cost more per call than the session itself.
    """
    return Session(request.app.state.engine, expire_on_commit=False)


async def get_engine(request: Request) -> Engine:
    """The database engine (for work that opens its own sessions in worker threads)."""
    engine: Engine = request.app.state.engine
    return engine


async def get_region(request: Request) -> Region:
    """The region loaded in the lifespan."""
    region: Region = request.app.state.region
    return region


async def get_settings(request: Request) -> Settings:
    """The settings the app was built with."""
    settings: Settings = request.app.state.settings
    return settings


async def get_vault(request: Request) -> PersonalDataVault:
    """Hashing and encryption of personal data."""
    vault: PersonalDataVault = request.app.state.vault
    return vault


def services_of(connection: HTTPConnection) -> ServiceState:
    """The services the lifespan assembled (for a request or a websocket)."""
    state: ServiceState = connection.app.state.services
    return state


async def get_services(request: Request) -> ServiceState:
    """The services the lifespan assembled, whole: for routes that use several parts."""
    return services_of(request)


async def get_intake(request: Request) -> Intake:
    """Taking calls."""
    return services_of(request).intake


async def get_dispatcher(request: Request) -> Dispatcher:
    """Every change to a call after intake."""
    return services_of(request).dispatcher


async def get_crew_desk(request: Request) -> CrewDesk:
    """Crews' answers to their assignments, and their duty."""
    return services_of(request).crew_desk


async def get_referral_desk(request: Request) -> ReferralDesk:
    """Hospitals' answers to referrals."""
    return services_of(request).referral_desk


async def get_assessor(request: Request) -> Assessor:
    """Rankings and ambulances for a call."""
    return services_of(request).assessor


class SessionReleasingRoute(APIRoute):
    """The API's routes: the key is checked before the body is read, and sync handlers hand
    their database connection back as they return.

    FastAPI reads and parses a body before it resolves dependencies, so a request without a
    valid key but with a bad body would learn about its body (400, 422) instead of being
    told it is not authenticated (401). A route that needs a key checks it first here.

    FastAPI validates a sync handler's answer in another hop to the thread pool, and closes
    the request's session later still. Under load every pool thread can be a new handler
    waiting for a database connection while the finished handlers wait for a thread with
    their connections held: a deadlock, seen at 300 simulated crews. Closing the session in
    the handler's own thread, as it returns, breaks the cycle (views are built by then).
    """

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        is_async = inspect.iscoroutinefunction(endpoint)
        if not is_async:
            endpoint = _releasing(endpoint)
        super().__init__(path, endpoint, **kwargs)
        if is_async and _needs(self.dependant, get_session):
            # Nothing would close its session: an async handler has no thread of its own.
            msg = f"{path}: an async handler cannot take a SessionDep; make it sync"
            raise TypeError(msg)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if not _needs(self.dependant, current_principal):
            return handler

        async def key_first(request: Request) -> Response:
            await current_principal(request, None, None)  # kept on the request for the route
            return await handler(request)

        return key_first


def _needs(dependant: Dependant, call: Callable[..., Any]) -> bool:
    """Whether ``call`` is among a route's dependencies, however deep."""
    return any(d.call is call or _needs(d, call) for d in dependant.dependencies)


def _releasing(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """A sync handler run in the thread pool by a coroutine, closing its sessions there.

    FastAPI checks a sync handler's answer in a second hop to the thread pool; a coroutine's
    answer is checked on the event loop, where checking a model the handler built is a type
    check. One hop per request instead of two (and then a third, to close the session)."""

    def run_and_release(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        try:
            return endpoint(*args, **kwargs)
        finally:
            for value in kwargs.values():
                if isinstance(value, Session):
                    value.close()

    @functools.wraps(endpoint)
    async def run(*args: Any, **kwargs: Any) -> Any:
        return await run_in_threadpool(run_and_release, args, kwargs)

    return run


CLOSE_POLICY = 1008  # RFC 6455 policy violation: a bad or missing key, or a flood


@dataclass(frozen=True)
class SocketCaller:
    """Who opened a websocket, and the key they gave (followed while the socket is open)."""

    principal: Principal
    key: str = field(repr=False)


async def accept_principal(
    websocket: WebSocket, authenticate: Callable[[WebSocket], Awaitable[SocketCaller]]
) -> SocketCaller | None:
    """Accept a websocket and find who it is; None (after closing it with 1008 and the
    reason) when the key is wrong or the role may not use this socket."""
    await websocket.accept()
    try:
        return await authenticate(websocket)
    except (AuthenticationError, PermissionDeniedError) as exc:
        await websocket.close(CLOSE_POLICY, str(exc)[:120])
    except WebSocketDisconnect:
        pass
    return None


async def receive_text(websocket: WebSocket) -> str | None:
    """The next text message; None for a binary frame (answered with an error message, the
    socket stays open). WebSocketDisconnect when the client has gone."""
    message = await websocket.receive()
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000), message.get("reason"))
    text: str | None = message.get("text")
    if text is None:
        error = ErrorMessage(detail="binary frames are not read here: send JSON as text")
        await websocket.send_text(error.model_dump_json())
    return text


async def close_when_key_ends(websocket: WebSocket, watch: KeyWatch) -> None:
    """Close the socket (1008, with the reason) once its key is revoked or expires."""
    await watch.ended.wait()
    with contextlib.suppress(RuntimeError, WebSocketDisconnect):
        await websocket.close(CLOSE_POLICY, watch.reason[:120])


def websocket_key(websocket: WebSocket) -> str:
    """The key a websocket client gave as ``Authorization: Bearer`` or ``?token=`` (or "")."""
    header = websocket.headers.get("authorization", "")
    key = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
    return key or websocket.query_params.get("token", "")


async def websocket_principal(websocket: WebSocket, key: str) -> Principal:
    """Who holds this key (AuthenticationError if nobody), checked in a worker thread."""
    engine: Engine = websocket.app.state.engine

    def check() -> Principal:
        with Session(engine) as session:
            return authenticate(session, key)

    return await run_in_threadpool(check)


SessionDep = Annotated[Session, Depends(get_session)]
EngineDep = Annotated[Engine, Depends(get_engine)]
RegionDep = Annotated[Region, Depends(get_region)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
VaultDep = Annotated[PersonalDataVault, Depends(get_vault)]
ServicesDep = Annotated[ServiceState, Depends(get_services)]
IntakeDep = Annotated[Intake, Depends(get_intake)]
DispatcherDep = Annotated[Dispatcher, Depends(get_dispatcher)]
CrewDeskDep = Annotated[CrewDesk, Depends(get_crew_desk)]
ReferralDeskDep = Annotated[ReferralDesk, Depends(get_referral_desk)]
AssessorDep = Annotated[Assessor, Depends(get_assessor)]


async def current_principal(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    header_key: Annotated[str | None, Depends(_header)],
) -> Principal:
    """The authenticated caller; 401 without a valid key. Checked once per request (the
    route checks it before reading the body; the dependency then finds it done)."""
    if (known := getattr(request.state, "principal", None)) is not None:
        return known  # type: ignore[no-any-return]
    if bearer is None and header_key is None:  # called before FastAPI parsed the headers
        bearer = await _bearer(request)
        header_key = await _header(request)
    key = bearer.credentials if bearer is not None else header_key
    if not key:
        msg = "an API key is required (Authorization: Bearer <key> or X-API-Key)"
        raise AuthenticationError(msg)
    services = services_of(request)
    cache: PrincipalCache = services.principals
    if (cached := cache.get(key)) is not None:
        services.rate_limits.check(hash_api_key(key))
        request.state.principal = cached
        return cached
    engine: Engine = request.app.state.engine

    def check() -> tuple[Principal, datetime | None]:
        with Session(engine) as session:
            return authenticate_key(session, key)

    principal, expires_at = await run_in_threadpool(check)
    cache.put(key, principal, expires_at)
    services.rate_limits.check(hash_api_key(key))  # counted once the key is known good
    request.state.principal = principal
    return principal


class Allow:
    """A dependency admitting only the given roles (403 for the others)."""

    def __init__(self, *roles: Role) -> None:
        self.roles = frozenset(roles)

    async def __call__(
        self, principal: Annotated[Principal, Depends(current_principal)]
    ) -> Principal:
        if principal.role not in self.roles:
            allowed = ", ".join(sorted(self.roles))
            msg = f"role {principal.role} may not do this (allowed: {allowed})"
            raise PermissionDeniedError(msg)
        return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
Operator = Annotated[Principal, Depends(Allow(Role.OPERATOR, Role.ADMIN))]
Admin = Annotated[Principal, Depends(Allow(Role.ADMIN))]
HospitalUser = Annotated[Principal, Depends(Allow(Role.HOSPITAL, Role.ADMIN))]
# Who reports a hospital's readiness: its staff at the board, or its own information system.
HospitalReporter = Annotated[
    Principal, Depends(Allow(Role.HOSPITAL, Role.HOSPITAL_SYSTEM, Role.ADMIN))
]
CrewUser = Annotated[Principal, Depends(Allow(Role.CREW))]
FacilityUser = Annotated[Principal, Depends(Allow(Role.FACILITY))]
OperatorOrCrew = Annotated[Principal, Depends(Allow(Role.OPERATOR, Role.ADMIN, Role.CREW))]
# Who reads the response-time reports: the PSC, and the district health office (read only).
ReportReader = Annotated[Principal, Depends(Allow(Role.OPERATOR, Role.ADMIN, Role.HEALTH_OFFICE))]
Staff = Annotated[
    Principal, Depends(Allow(Role.OPERATOR, Role.ADMIN, Role.HOSPITAL, Role.CREW, Role.FACILITY))
]


async def metrics_reader(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    header_key: Annotated[str | None, Depends(_header)],
) -> None:
    """A scraper with the metrics token (SATRIA_METRICS_TOKEN), or an administrator: the
    metrics tell how many calls of each kind the service takes."""
    token: str = request.app.state.settings.metrics_token
    given = bearer.credentials if bearer is not None else header_key
    if token and given and hmac.compare_digest(given.encode(), token.encode()):
        return
    principal = await current_principal(request, bearer, header_key)
    if principal.role is not Role.ADMIN:
        msg = f"role {principal.role} may not read metrics (the metrics token or an admin may)"
        raise PermissionDeniedError(msg)
