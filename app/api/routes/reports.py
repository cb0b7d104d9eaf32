"""Response-time reports for the PSC and the district health office (JSON, or CSV with
``Accept: text/csv``): figures per group, each call's steps, counts with their reasons, the
slowest calls, and the dashboard's first paint."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from app.api import schemas as s
from app.api.deps import (
    RegionDep,
    ReportReader,
    ServicesDep,
    SessionDep,
    SessionReleasingRoute,
)
from app.api.schemas import reports as rs
from app.models import utcnow
from app.services import report_aggregates, report_counts, reports
from app.services.report_aggregates import GROUPS, INTERVALS, Question
from app.services.report_desk import names_of

router = APIRouter(prefix="/api/reports", tags=["reports"], route_class=SessionReleasingRoute)
Step = Annotated[str | None, Query(pattern="^[a-z_]{1,20}$")]
IntervalName = Annotated[str, Query(pattern="^[a-z_]{1,20}$")]
Limit = Annotated[int, Query(ge=1, le=10_000)]


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


def _period(since: datetime | None, until: datetime | None) -> tuple[datetime, datetime]:
    """[since, until), by default the last 30 days."""
    until = until or utcnow()
    return since or until - timedelta(days=30), until


@router.get("/terms", response_model=rs.ReportTermsOut)
def terms(_principal: ReportReader, services: ServicesDep) -> rs.ReportTermsOut:
    """The intervals the reports measure (with their targets from settings), the groupings
    and the shifts."""
    desk = services.reports
    return rs.ReportTermsOut(
        intervals=[
            rs.IntervalTermOut(**i.__dict__, target_min=desk.targets_min.get(i.name))
            for i in INTERVALS.values()
        ],
        groups=list(GROUPS),
        shifts=desk.shift_names(),
    )


@router.get("/intervals", response_model=list[rs.IntervalSummaryOut])
def intervals(
    request: Request,
    _principal: ReportReader,
    session: SessionDep,
    services: ServicesDep,
    interval: IntervalName | None = None,
    start: Step = None,
    end: Step = None,
    by: Annotated[str, Query(pattern="^[a-z]{1,12}$")] = "month",
    since: s.Instant | None = None,
    until: s.Instant | None = None,
    target_min: Annotated[float | None, Query(gt=0, le=1440)] = None,
) -> Any:
    """A named ``interval`` (handling, turnout, response, on_scene, transport, handover,
    total; its target from settings unless ``target_min`` is given), or one between any two
    steps (``start``, ``end``), of the calls taken in [since, until) (default: the last 30
    days), grouped ``by`` all, month, week, shift, district, ambulance, post, hospital,
    category, triage or source: the count, the median and 90th percentile (seconds), and the
    share within the target."""
    desk = services.reports
    since, until = _period(since, until)
    if interval is not None or (start is None and end is None):
        named = desk.interval(interval or "response")
        start, end = start or named.start, end or named.end
        target_s = target_min * 60 if target_min is not None else desk.target_s(named.name)
    else:
        target_s = target_min * 60 if target_min is not None else None
    question = Question(start or "created", end or "on_scene", by, since, until, target_s)
    rows = [
        rs.IntervalSummaryOut(**r.__dict__).model_dump()
        for r in desk.summarise(session, question, (by,))[by]
    ]
    return _answer(request, rows)


@router.get("/calls", response_model=list[rs.CallStepsOut])
def call_steps(
    request: Request,
    _principal: ReportReader,
    session: SessionDep,
    since: s.Instant | None = None,
    until: s.Instant | None = None,
    limit: Limit = 1000,
) -> Any:
    """Each call's steps (when it was dispatched, the crew left, on scene, transporting, at
    hospital, handed over, cancelled) and its response time, oldest first."""
    since, until = _period(since, until)
    rows = [
        rs.CallStepsOut.of(steps).model_dump(mode="json")
        for steps in reports.call_steps(session, since=since, until=until)[:limit]
    ]
    return _answer(request, rows)


@router.get("/counts", response_model=list[rs.CountOut])
def counts(
    request: Request,
    _principal: ReportReader,
    session: SessionDep,
    since: s.Instant | None = None,
    until: s.Instant | None = None,
) -> Any:
    """Of the calls taken in [since, until): how many, how many SYNTHETIC, cancelled (by
    reason), pranks (by source), crew refusals (by reason), referrals declined (by the
    hospital's reason) and escalated; every kind present, 0 when none."""
    since, until = _period(since, until)
    rows = [c.__dict__ for c in report_counts.counts(session, since=since, until=until)]
    return _answer(request, rows)


@router.get("/slowest", response_model=list[rs.SlowCallOut])
def slowest_calls(
    request: Request,
    _principal: ReportReader,
    session: SessionDep,
    services: ServicesDep,
    interval: IntervalName = "response",
    since: s.Instant | None = None,
    until: s.Instant | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 20,
) -> Any:
    """The calls whose ``interval`` took longest, longest first, each with its steps."""
    named = services.reports.interval(interval)
    since, until = _period(since, until)
    question = Question(named.start, named.end, "all", since, until)
    found = report_aggregates.slowest(session, question, limit=limit)
    rows = [
        {"seconds": secs, **rs.CallStepsOut.of(steps).model_dump(mode="json")}
        for steps, secs in found
    ]
    if "text/csv" in request.headers.get("accept", ""):
        return _answer(request, rows)
    return [{"seconds": row.pop("seconds"), "call": row} for row in rows]


@router.get("/dashboard", response_model=rs.DashboardOut)
def dashboard(
    _principal: ReportReader,
    session: SessionDep,
    services: ServicesDep,
    region: RegionDep,
    interval: IntervalName = "response",
    since: s.Instant | None = None,
    until: s.Instant | None = None,
) -> rs.DashboardOut:
    """The dashboard's first paint in one answer: every interval's headline against its
    target, ``interval`` by week, shift, district, post and hospital, the counts with their
    reasons, and the slowest calls."""
    since, until = _period(since, until)
    found = services.reports.dashboard(session, since=since, until=until, interval=interval)
    return rs.DashboardOut(
        since=found.since,
        until=found.until,
        interval=found.interval,
        synthetic_calls=found.synthetic_calls,
        region_synthetic=region.meta.synthetic,
        headline=[rs.HeadlineOut(**h.__dict__) for h in found.headline],
        groups={
            by: [rs.IntervalSummaryOut(**r.__dict__) for r in rows]
            for by, rows in found.groups.items()
        },
        counts=[rs.CountOut(**c.__dict__) for c in found.counts],
        slowest=[
            rs.SlowCallOut(seconds=secs, call=rs.CallStepsOut.of(steps))
            for steps, secs in found.slowest
        ],
        names=names_of(region),
        district_points={
            code: (d.centre.lon, d.centre.lat) for code, d in region.districts.items()
        },
    )
