"""Health for orchestrators and monitoring: liveness, readiness, Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST

from app.services.health import readiness

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "not ready, with the failed checks"}})
async def readyz(request: Request) -> JSONResponse:
    """Ready to serve: the database answers, the broker answers, the region is loaded."""
    checks = await readiness(request.app)
    ready = all(v == "ok" for v in checks.values())
    body = {"status": "ready" if ready else "not ready", "checks": checks}
    return JSONResponse(body, status_code=200 if ready else 503)


@router.get("/metrics", response_class=Response)
def metrics(request: Request) -> Response:
    """Prometheus metrics of this process: calls, rankings, fixes by outcome, feeds, drops,
    request latencies by route."""
    exposition = request.app.state.services.metrics.exposition()
    return Response(exposition, media_type=CONTENT_TYPE_LATEST)
