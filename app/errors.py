"""Domain errors mapped once to problem-style JSON (RFC 9457) responses."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from routing.errors import RegionError, RoutingError, SnapError, TaxonomyError

PROBLEM = "application/problem+json"


def problem(status: int, title: str, detail: str) -> JSONResponse:
    """A problem+json response."""
    return JSONResponse(
        {"type": "about:blank", "title": title, "status": status, "detail": detail},
        status_code=status,
        media_type=PROBLEM,
    )


def install(app: FastAPI) -> None:
    """Map the routing library's errors to HTTP problems."""

    @app.exception_handler(RoutingError)
    async def routing_error(_request: Request, exc: RoutingError) -> JSONResponse:
        if isinstance(exc, SnapError | TaxonomyError):
            return problem(422, "Unprocessable location or category", str(exc))
        if isinstance(exc, RegionError):
            return problem(503, "Region unavailable", str(exc))
        return problem(500, "Routing failed", str(exc))
