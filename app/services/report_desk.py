"""The reports as the PSC and the health office ask for them: named intervals against the
targets in settings, grouped by the configured shifts, and the dashboard's first paint (every
headline, one interval by week, shift, district, post and hospital, the counts, the slowest
calls) in one answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session

from app.errors import InputError
from app.services import report_aggregates, report_counts
from app.services.report_aggregates import (
    INTERVALS,
    Interval,
    Question,
    Shifts,
    Summary,
    slowest,
    summarise_by,
)
from app.services.reports import CallSteps
from routing import Region

DASHBOARD_GROUPS = ("week", "shift", "district", "post", "hospital")


def names_of(region: Region) -> dict[str, dict[str, str]]:
    """What the reports' ids mean: district, post and hospital names by id."""
    return {
        "district": {code: d.name for code, d in region.districts.items()},
        "post": {p.id: p.name for p in region.posts},
        "hospital": {h.id: h.name for h in region.hospitals},
    }


@dataclass(frozen=True)
class Headline:
    """One interval over the whole period, against its target."""

    interval: str
    calls: int
    median_s: float | None
    p90_s: float | None
    within_target: float | None
    target_min: float | None


@dataclass(frozen=True)
class Dashboard:
    """What the dashboard (and the monthly report) shows of a period."""

    since: datetime
    until: datetime
    interval: str
    synthetic_calls: int
    headline: list[Headline]
    groups: dict[str, list[Summary]]
    counts: list[report_counts.Count]
    slowest: list[tuple[CallSteps, float]]


@dataclass(frozen=True)
class ReportDesk:
    """Reports with the service's targets (minutes per interval name) and shifts."""

    targets_min: Mapping[Any, float] = field(default_factory=dict)
    shifts: Shifts = field(default_factory=Shifts)

    def interval(self, name: str) -> Interval:
        found = INTERVALS.get(name)
        if found is None:
            msg = f"no interval {name!r}; ask for one of: {', '.join(INTERVALS)}"
            raise InputError(msg, field="interval")
        return found

    def target_s(self, name: str) -> float | None:
        minutes = self.targets_min.get(name)
        return minutes * 60 if minutes is not None else None

    def shift_names(self) -> list[str]:
        starts = sorted(self.shifts.starts_h)
        ends = [*starts[1:], starts[0]]
        return [f"{a:02d}-{b:02d}" for a, b in zip(starts, ends, strict=True)]

    def summarise(
        self, session: Session, question: Question, groupings: tuple[str, ...]
    ) -> dict[str, list[Summary]]:
        return summarise_by(session, question, groupings, self.shifts)

    def dashboard(
        self, session: Session, *, since: datetime, until: datetime, interval: str = "response"
    ) -> Dashboard:
        """The period at a glance: one query per interval for the headline, one for the
        chosen interval's groupings, one for the counts, one for the slowest calls."""
        chosen = self.interval(interval)
        wanted = [(name, self.target_s(name)) for name in INTERVALS]
        figures = report_aggregates.headline(session, wanted, since, until, self.shifts)
        headline = [
            Headline(name, row.calls, row.median_s, row.p90_s, row.within_target,
                     self.targets_min.get(name))
            for name, row in figures.items()
        ]  # fmt: skip
        question = Question(
            chosen.start, chosen.end, "week", since, until, self.target_s(chosen.name)
        )
        counts = report_counts.counts(session, since=since, until=until)
        synthetic = sum(c.count for c in counts if c.kind == "synthetic")
        return Dashboard(
            since=since,
            until=until,
            interval=chosen.name,
            synthetic_calls=synthetic,
            headline=headline,
            groups=summarise_by(session, question, DASHBOARD_GROUPS, self.shifts),
            counts=counts,
            slowest=slowest(session, question, limit=15),
        )
