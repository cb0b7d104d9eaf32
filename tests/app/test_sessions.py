"""A request's database session is closed by the handler's own thread as it returns, whatever
happens: answered, refused, failed. The route class enforces who may take one."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import APIRouter
from fastapi.routing import APIRoute
from sqlmodel import Session

from app.api.deps import SessionDep, SessionReleasingRoute, get_session
from tests.app.conftest import Service


def _takes_session(route: APIRoute) -> bool:
    def needs(dependant: Any) -> bool:
        return any(d.call is get_session or needs(d) for d in dependant.dependencies)

    return needs(route.dependant)


def _api_routes(routes: list[Any]) -> list[APIRoute]:
    """Every API route, through the routers included (FastAPI includes them lazily)."""
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif (router := getattr(route, "original_router", None)) is not None:
            found.extend(_api_routes(router.routes))
    return found


def test_every_route_with_a_session_closes_it_itself(service: Service) -> None:
    with_session = [r for r in _api_routes(service.app.routes) if _takes_session(r)]
    assert len(with_session) > 30  # the API's sync handlers
    not_releasing = [r.path for r in with_session if not isinstance(r, SessionReleasingRoute)]
    assert not_releasing == []


def test_an_async_handler_cannot_take_a_session() -> None:
    router = APIRouter(route_class=SessionReleasingRoute)

    async def handler(session: SessionDep) -> None:  # pragma: no cover - never routed
        del session

    with pytest.raises(TypeError, match="async handler"):
        router.add_api_route("/x", handler)


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", "/api/calls", None, 200),
        ("GET", "/api/calls/999999", None, 404),  # the handler raised
        ("POST", "/api/calls", {"category": "stemi", "lon": 999, "lat": 0}, 422),  # never ran
        (
            "POST",
            "/api/calls",
            {"category": "stemi", "triage": "merah", "lon": 109.1, "lat": -7.4},
            201,
        ),
    ],
)
def test_no_connection_is_left_checked_out(
    service: Service, method: str, path: str, body: dict[str, Any] | None, status: int
) -> None:
    pool = service.app.state.engine.pool
    for _ in range(3):
        response = service.client.request(method, path, json=body, headers=service.auth("operator"))
        assert response.status_code == status, response.text
    assert pool.checkedout() == 0


def test_a_session_takes_no_connection_until_used(service: Service) -> None:
    class Request:
        class app:  # noqa: N801 - the attribute FastAPI's request has
            state = service.app.state

    pool = service.app.state.engine.pool
    before = pool.checkedout()
    session = _run(get_session(Request()))  # type: ignore[arg-type]
    assert isinstance(session, Session) and pool.checkedout() == before
    session.close()


def _run(coroutine: Any) -> Any:
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    raise AssertionError("get_session awaited something")  # pragma: no cover
