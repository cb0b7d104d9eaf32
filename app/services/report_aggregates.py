"""Response-time aggregates: per group (month, week, shift, district, ambulance, post, receiving
hospital, category, triage, source), how many calls, the median and 90th percentile of an
interval, and the share within a target.

All in SQL, with the same answers on SQLite and PostgreSQL: the interval in seconds per call
(from ``reports.call_steps``' query), then the percentiles by nearest rank. PostgreSQL has
``percentile_disc`` (an ordered-set aggregate, which is the nearest rank); SQLite ranks each
call within its group by a window function and picks the rank. No Python loop over the calls.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    union_all,
)
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Dialect
from sqlmodel import Session

from app.errors import InputError
from app.services.reports import CallSteps, steps_query

# The steps an interval may run between; "created" is the call's taking.
STEP_NAMES = ("created", "dispatched", "en_route", "on_scene", "transporting", "at_hospital",
              "handed_over")  # fmt: skip
GROUPS = ("all", "month", "week", "shift", "district", "ambulance", "post", "hospital", "category",
          "triage", "source")  # fmt: skip
SERVED = ("ambulance", "post", "hospital")  # who served the call (reports.served_by)


@dataclass(frozen=True)
class Interval:
    """A named interval of a call, as the reports and the health office speak of it."""

    name: str
    start: str
    end: str
    label_en: str
    label_id: str


INTERVALS = {i.name: i for i in (
    Interval("handling", "created", "dispatched", "Call handling", "Penanganan panggilan"),
    Interval("turnout", "dispatched", "en_route", "Crew turnout", "Waktu berangkat"),
    Interval("response", "created", "on_scene", "Response time", "Waktu tanggap"),
    Interval("on_scene", "on_scene", "transporting", "On-scene time", "Waktu di lokasi"),
    Interval("transport", "transporting", "at_hospital", "Transport time", "Waktu transportasi"),
    Interval("handover", "at_hospital", "handed_over", "Handover delay", "Waktu serah terima"),
    Interval("total", "created", "handed_over", "Total", "Total"),
)}  # fmt: skip


@dataclass(frozen=True)
class Shifts:
    """Shifts by local start hour (e.g. 7, 14, 21), and the local time's offset from UTC."""

    starts_h: tuple[int, ...] = (7, 14, 21)
    utc_offset_h: int = 7  # WIB: Indonesia keeps no summer time


@dataclass(frozen=True)
class Summary:
    """One group's figures for an interval (seconds)."""

    group: str
    calls: int
    median_s: float | None
    p90_s: float | None
    within_target: float | None  # share of the calls with the interval, 0..1


@dataclass(frozen=True)
class Question:
    """Which interval, grouped how, over which calls, against which target."""

    start: str
    end: str
    by: str
    since: datetime
    until: datetime
    target_s: float | None = None


def summarise(session: Session, question: Question, shifts: Shifts = Shifts()) -> list[Summary]:
    """Figures per group for the calls taken in [since, until) that have both steps."""
    return summarise_by(session, question, (question.by,), shifts)[question.by]


def summarise_by(
    session: Session, question: Question, groupings: Sequence[str], shifts: Shifts = Shifts()
) -> dict[str, list[Summary]]:
    """The same interval grouped several ways in one query: the calls' steps are worked out
    once (a common table) and ranked within each grouping (``question.by`` is not used)."""
    _check_steps(question)
    unknown = [by for by in groupings if by not in GROUPS]
    if unknown or not groupings:
        msg = f"group by one of: {', '.join(GROUPS)}"
        raise InputError(msg, field="by")
    dialect = session.get_bind().dialect
    served = tuple(by for by in SERVED if by in groupings)
    steps = steps_query(
        question.since, question.until, ordered=False, promised=False, served=served
    ).cte("steps")
    began = steps.c.created_at if question.start == "created" else steps.c[f"{question.start}_at"]
    ended = steps.c[f"{question.end}_at"]
    seconds = _seconds_between(began, ended, dialect)
    timed_only = (began.is_not(None), ended.is_not(None), ended >= began)
    parts = []
    for by in groupings:
        group = _group(by, steps.c, shifts, dialect)
        if dialect.name == "postgresql":
            # Ordered-set aggregates: percentile_disc is the nearest rank, in one pass.
            within = _within_of(seconds, question.target_s)
            parts.append(
                sa_select(
                    literal(by).label("grouping"),
                    group.label("grp"),
                    func.count(),
                    func.percentile_disc(0.5).within_group(seconds),
                    func.percentile_disc(0.9).within_group(seconds),
                    within,
                )
                .where(*timed_only)
                .group_by(group)
            )
            continue
        timed = (
            sa_select(
                group.label("grp"),
                seconds.label("secs"),
                func.row_number().over(partition_by=group, order_by=seconds).label("rank"),
                func.count().over(partition_by=group).label("n"),
            )
            .where(*timed_only)
            .subquery(f"timed_{by}")
        )
        parts.append(
            sa_select(
                literal(by).label("grouping"),
                timed.c.grp,
                func.count(),
                _at_rank(timed, 0.5),
                _at_rank(timed, 0.9),
                _within(timed, question.target_s),
            ).group_by(timed.c.grp)
        )
    found: dict[str, list[Summary]] = {by: [] for by in groupings}
    for by, g, n, p50, p90, share in session.connection().execute(union_all(*parts)):
        found[by].append(Summary(str(g), int(n), _secs(p50), _secs(p90), _float(share)))
    return {by: sorted(rows, key=lambda r: r.group) for by, rows in found.items()}


def headline(
    session: Session,
    intervals: Sequence[tuple[str, float | None]],
    since: datetime,
    until: datetime,
    shifts: Shifts = Shifts(),
) -> dict[str, Summary]:
    """Several named intervals (with their targets, seconds) over the calls taken in
    [since, until), each as one group "all": on PostgreSQL in one pass over the calls."""
    dialect = session.get_bind().dialect
    if dialect.name != "postgresql":
        found = {}
        for name, target_s in intervals:
            named = INTERVALS[name]
            question = Question(named.start, named.end, "all", since, until, target_s)
            rows = summarise_by(session, question, ("all",), shifts)["all"]
            found[name] = rows[0] if rows else Summary("all", 0, None, None, None)
        return found
    steps = steps_query(since, until, ordered=False, promised=False).subquery("steps")
    columns: list[ColumnElement[Any]] = []
    for name, target_s in intervals:
        named = INTERVALS[name]
        began = steps.c.created_at if named.start == "created" else steps.c[f"{named.start}_at"]
        ended = steps.c[f"{named.end}_at"]
        # Null where the call lacks either step (or they came out of order): not counted.
        seconds = case((ended >= began, _seconds_between(began, ended, dialect)), else_=null())
        share = (
            func.avg(case((seconds <= target_s, 1.0), (seconds.is_not(None), 0.0)))
            if target_s is not None
            else cast(null(), Float)
        )
        columns += [
            func.count(seconds),
            func.percentile_disc(0.5).within_group(seconds),
            func.percentile_disc(0.9).within_group(seconds),
            share,
        ]
    row = session.connection().execute(sa_select(*columns)).one()
    return {
        name: Summary("all", int(row[4 * i]), _secs(row[4 * i + 1]), _secs(row[4 * i + 2]),
                      _float(row[4 * i + 3]))
        for i, (name, _target) in enumerate(intervals)
    }  # fmt: skip


def slowest(
    session: Session, question: Question, *, limit: int = 20
) -> list[tuple[CallSteps, float]]:
    """The calls with the longest interval (and its seconds), longest first: the ones a
    coordinator opens one by one."""
    _check_steps(question)
    dialect = session.get_bind().dialect
    steps = steps_query(question.since, question.until, ordered=False).subquery("steps")
    began = steps.c.created_at if question.start == "created" else steps.c[f"{question.start}_at"]
    ended = steps.c[f"{question.end}_at"]
    seconds = _seconds_between(began, ended, dialect)
    query = (
        sa_select(steps, seconds.label("secs"))
        .where(began.is_not(None), ended.is_not(None), ended >= began)
        .order_by(seconds.desc(), steps.c.call_id)
        .limit(limit)
    )
    found = []
    for row in session.connection().execute(query):
        values = row._asdict()
        secs = float(values.pop("secs"))
        found.append((CallSteps(**values), round(secs, 1)))
    return found


def _check_steps(question: Question) -> None:
    if question.start not in STEP_NAMES or question.end not in STEP_NAMES:
        msg = f"an interval runs between two of: {', '.join(STEP_NAMES)}"
        raise InputError(msg, field="interval")


def _at_rank(timed: Any, share: float) -> ColumnElement[Any]:
    """Nearest rank: the smallest value with at least ``share`` of the values at or below."""
    wanted = cast(func.ceil(timed.c.n * share), Integer)
    return func.min(case((timed.c.rank == wanted, timed.c.secs)))


def _within(timed: Any, target_s: float | None) -> ColumnElement[Any]:
    return _within_of(timed.c.secs, target_s)


def _within_of(seconds: ColumnElement[Any], target_s: float | None) -> ColumnElement[Any]:
    """The share of the values at or under the target (null without a target)."""
    if target_s is None:
        return cast(null(), Float)
    return func.avg(case((seconds <= target_s, literal(1.0)), else_=literal(0.0)))


def _secs(value: Any) -> float | None:
    """Seconds as the reports give them: to a tenth."""
    return round(float(value), 1) if value is not None else None


def _float(value: Any) -> float | None:
    return float(value) if value is not None else None


def _seconds_between(
    began: ColumnElement[Any], ended: ColumnElement[Any], dialect: Dialect
) -> ColumnElement[Any]:
    if dialect.name == "postgresql":  # date_part: double precision (extract is numeric)
        return func.date_part("epoch", ended - began)
    return (func.julianday(ended) - func.julianday(began)) * 86400.0


def _group(by: str, c: Any, shifts: Shifts, dialect: Dialect) -> ColumnElement[Any]:
    """The group of each call, as text; times in local time."""
    if by == "all":
        return literal("all")
    if by in ("district", "category", "triage", "source", *SERVED):
        column = c.district_code if by == "district" else c[by]
        return func.coalesce(cast(column, String()), "")
    if dialect.name == "postgresql":
        # The UTC wall time (whatever the session's zone), moved to local time.
        local = func.timezone("UTC", c.created_at) + func.make_interval(
            0, 0, 0, 0, shifts.utc_offset_h
        )
        if by == "month":
            return func.to_char(local, "YYYY-MM")
        if by == "week":  # named by its Monday, as on SQLite
            return func.to_char(func.date_trunc("week", local), "YYYY-MM-DD")
        hour = cast(func.extract("hour", local), Integer)
    else:
        offset = f"+{shifts.utc_offset_h} hours"
        if by == "month":
            return func.strftime("%Y-%m", c.created_at, offset)
        if by == "week":  # the Monday on or before the day
            return func.date(c.created_at, offset, "-6 days", "weekday 1")
        hour = cast(func.strftime("%H", c.created_at, offset), Integer)
    starts = sorted(shifts.starts_h)
    # A shift runs from its start to the next one's; the last one wraps past midnight.
    whens = [
        (and_(hour >= a, hour < b), literal(f"{a:02d}-{b:02d}"))
        for a, b in itertools.pairwise(starts)
    ]
    return case(*whens, else_=literal(f"{starts[-1]:02d}-{starts[0]:02d}"))
