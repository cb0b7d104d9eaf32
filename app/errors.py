"""One error hierarchy for the service, mapped once to problem-style JSON (RFC 9457).

Services raise these; route handlers never build error responses themselves. Every body has
``type``, ``title``, ``status`` and ``detail``; validation problems add ``errors``, one entry
per faulty field with its location, so that a client can point at the field.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.logging import REQUEST_ID
from routing.errors import (
    NoRouteError,
    RegionError,
    RoutingError,
    SnapError,
    TaxonomyError,
    UnknownHospitalError,
)

PROBLEM = "application/problem+json"
log = logging.getLogger("satria.errors")


class SatriaError(Exception):
    """Base of the service's own errors: an HTTP status, a title, and a message for people."""

    status = 500
    title = "Internal error"


class InputError(SatriaError):
    """A request that is well-formed but cannot be acted on (names the field in the message)."""

    status = 422
    title = "Invalid input"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class AuthenticationError(SatriaError):
    """No key, or a key that is unknown, revoked or expired."""

    status = 401
    title = "Not authenticated"


class PermissionDeniedError(SatriaError):
    """The key is valid but its role or bound entity does not allow this."""

    status = 403
    title = "Forbidden"


class NotFoundError(SatriaError):
    """No such entity (or none that this user may see)."""

    status = 404
    title = "Not found"


class ConflictError(SatriaError):
    """The entity's state does not allow this change (an illegal status transition, a busy
    ambulance, a key prefix taken)."""

    status = 409
    title = "Conflict"


class RateLimitedError(SatriaError):
    """Too many requests for one key: slow down and try again after ``retry_after_s``."""

    status = 429
    title = "Too many requests"

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class ServiceUnavailableError(SatriaError):
    """A part the request needs (the database) is down for now: nothing was stored, and the
    same request may be sent again."""

    status = 503
    title = "Service unavailable"


MAX_DETAIL = 500  # a message quoting what a client sent never echoes more than this


def problem(
    status: int, title: str, detail: str, *, headers: Mapping[str, str] | None = None, **extra: Any
) -> JSONResponse:
    """A problem+json response; a long detail is cut (it may quote a client's input)."""
    if len(detail) > MAX_DETAIL:
        detail = detail[: MAX_DETAIL - 1] + "…"
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    headers = {**(headers or {}), **({"WWW-Authenticate": "Bearer"} if status == 401 else {})}
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
DOCUMENTED_PROBLEMS: dict[int | str, dict[str, Any]] = {
    status: {"description": description, "content": {PROBLEM: {"schema": PROBLEM_REF}}}
    for status, description in (
        (400, "A body that cannot be read (not UTF-8, not JSON)"),
        (401, "No API key, or one unknown, revoked or expired"),
        (403, "The key's role, or the entity it is bound to, may not do this"),
        (404, "No such entity, or none this key may see"),
        (409, "The entity's state does not allow this"),
        (422, "Invalid input: each faulty field is named"),
        (429, "Too many requests for this key: see Retry-After"),
        (500, "An unexpected error: nothing was changed; quote the request id"),
        (503, "A part the request needs is down: nothing was stored; send it again"),
    )
}


def problem_schema() -> dict[str, Any]:
    """The JSON schema of a problem body, for the API's documentation."""
    return {
        "title": "Problem",
        "description": "An error (RFC 9457 problem details).",
        "type": "object",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "field": {"type": "string"},
            "request_id": {"type": "string"},
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
                },
            },
        },
    }


def _field_errors(exc: RequestValidationError) -> list[dict[str, str]]:
    """Each validation fault with its dotted location; never the rejected value (it may be a
    NIK or a phone number)."""
    return [
        {"field": ".".join(str(part) for part in error["loc"]), "message": error["msg"]}
        for error in exc.errors()
    ]


def install(app: FastAPI) -> None:
    """Map the service's and the routing library's errors to HTTP problems."""

    @app.exception_handler(SatriaError)
    async def satria_error(_request: Request, exc: SatriaError) -> JSONResponse:
        extra: dict[str, Any] = (
            {"field": exc.field} if isinstance(exc, InputError) and exc.field else {}
        )
        response = problem(exc.status, exc.title, str(exc), **extra)
        if isinstance(exc, RateLimitedError):
            response.headers["Retry-After"] = str(exc.retry_after_s)
        return response

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _field_errors(exc)
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return problem(422, "Invalid request", detail, errors=errors)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        headers = dict(exc.headers or {})
        if exc.status_code == 405:  # Starlette names one route's methods: name the path's
            headers["Allow"] = ", ".join(_allowed_methods(request, headers.get("Allow", "")))
        return problem(exc.status_code, str(exc.detail), str(exc.detail), headers=headers)

    @app.exception_handler(RoutingError)
    async def routing_error(_request: Request, exc: RoutingError) -> JSONResponse:
        if isinstance(exc, SnapError | TaxonomyError):
            return problem(422, "Unprocessable location or category", str(exc))
        if isinstance(exc, NoRouteError):
            return problem(422, "No road route", str(exc))
        if isinstance(exc, UnknownHospitalError):
            return problem(404, "Not found", str(exc))
        if isinstance(exc, RegionError):
            return problem(503, "Region unavailable", str(exc))
        log.error("routing failed: %s", type(exc).__name__)
        return problem(500, "Routing failed", str(exc))


def _allowed_methods(request: Request, named: str) -> list[str]:
    """Every method some route answers at this path: the ones Starlette named (those of
    one route) and those the API documents for the path."""
    methods = {m.strip() for m in named.split(",") if m.strip()}
    for template, operations in request.app.openapi()["paths"].items():
        if compile_path(template)[0].match(request.url.path):
            methods |= {method.upper() for method in operations}
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


class UnexpectedErrors:
    """Answers an error that no handler maps with a problem+json 500 naming the request id,
    and logs it with its traceback (a pure ASGI middleware, inside the ones that add the
    request id and the security headers, so the answer carries both)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched_send)
        except Exception:
            # The path only: a query string may carry a key.
            log.exception("unexpected error answering %s %s", scope["method"], scope["path"])
            if started:
                raise  # the answer is half sent: only closing the connection is left
            request_id = REQUEST_ID.get()
            detail = f"an unexpected error; nothing more is known here (request id {request_id})"
            await problem(500, "Internal error", detail, request_id=request_id)(
                scope, receive, send
            )
