"""Health for orchestrators and monitoring: liveness, readiness, Prometheus metrics."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import BaseModel

from app.api.deps import metrics_reader
from app.services.health import readiness

router = APIRouter(tags=["health"])


class Readiness(BaseModel):
    """Whether the process can serve, and each check's outcome ("ok" or what failed)."""

    status: str
    checks: dict[str, str]


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "Not ready, with the failed checks"}},
)
async def readyz(request: Request) -> JSONResponse:
    """Ready to serve: the database answers, the broker answers, the region is loaded."""
    checks = await readiness(request.app)
    ready = all(v == "ok" for v in checks.values())
    body = {"status": "ready" if ready else "not ready", "checks": checks}
    return JSONResponse(body, status_code=200 if ready else 503)


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}}},
)
def metrics(request: Request, _reader: Annotated[None, Depends(metrics_reader)]) -> Response:
    """Prometheus metrics of this process (calls by category, rankings, fixes by outcome,
    feeds, request latencies): for SATRIA_METRICS_TOKEN or an administrator's key."""
    exposition = request.app.state.services.metrics.exposition()
    return Response(exposition, media_type=CONTENT_TYPE_LATEST)
