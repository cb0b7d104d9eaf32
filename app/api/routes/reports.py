"""Response-time reports for the PSC and the district health office (JSON, or CSV with
``Accept: text/csv``)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from app.api import schemas as s
from app.api.deps import ReportReader, SessionDep, SessionReleasingRoute
from app.models import utcnow
from app.services import report_aggregates, reports

router = APIRouter(prefix="/api/reports", tags=["reports"], route_class=SessionReleasingRoute)
Step = Annotated[str, Query(pattern="^[a-z_]{1,20}$")]


def _answer(request: Request, rows: list[dict[str, Any]]) -> list[dict[str, Any]] | Response:
    """The rows as JSON, or as CSV when the client asks for it."""
    if "text/csv" not in request.headers.get("accept", ""):
        return rows
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8")


@router.get("/intervals", response_model=list[s.IntervalSummaryOut])
def intervals(
    request: Request,
    _principal: ReportReader,
    session: SessionDep,
    start: Step = "created",
    end: Step = "on_scene",
    by: Annotated[str, Query(pattern="^[a-z]{1,12}$")] = "month",
    since: s.Instant | None = None,
    until: s.Instant | None = None,
    target_min: Annotated[float | None, Query(gt=0, le=1440)] = None,
) -> Any:
    """An interval between two steps of the calls taken in [since, until) (default: the last
    30 days), per month, week, shift, district, category, triage or source: the count, the
    median and 90th percentile (seconds), and the share within ``target_min``."""
    until = until or utcnow()
    since = since or until - timedelta(days=30)
    target_s = target_min * 60 if target_min is not None else None
    question = report_aggregates.Question(start, end, by, since, until, target_s)
    rows = [
        s.IntervalSummaryOut(**r.__dict__).model_dump()
        for r in report_aggregates.summarise(session, question)
    ]
    return _answer(request, rows)


@router.get("/calls", response_model=list[s.CallStepsOut])
def call_steps(
    request: Request,
    _principal: ReportReader,
    session: SessionDep,
    since: s.Instant | None = None,
    until: s.Instant | None = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> Any:
    """Each call's steps (when it was dispatched, the crew left, on scene, transporting, at
    hospital, handed over, cancelled) and its response time, oldest first."""
    until = until or utcnow()
    since = since or until - timedelta(days=30)
    rows = [
        s.CallStepsOut.of(steps).model_dump(mode="json")
        for steps in reports.call_steps(session, since=since, until=until)[:limit]
    ]
    return _answer(request, rows)
