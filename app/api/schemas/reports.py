"""The reports' answers: figures per group, each call's steps, counts with reasons, the
slowest calls, the terms (intervals, targets, shifts) and the dashboard's first paint."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from app.models import CallSource, CallStatus, Triage


class IntervalSummaryOut(BaseModel):
    """One group's figures for an interval: count, median and 90th percentile (seconds), and
    the share within the target (0..1; null without a target)."""

    group: str
    calls: int
    median_s: float | None
    p90_s: float | None
    within_target: float | None


class CallStepsOut(BaseModel):
    """A call's steps and the time it took to reach the patient (seconds)."""

    call_id: int
    created_at: datetime
    status: CallStatus
    category: str
    triage: Triage
    source: CallSource
    district_code: str | None
    dispatched_at: datetime | None
    en_route_at: datetime | None
    on_scene_at: datetime | None
    transporting_at: datetime | None
    at_hospital_at: datetime | None
    handed_over_at: datetime | None
    cancelled_at: datetime | None
    response_s: float | None
    promised_eta_s: float | None  # the ETA given at the first dispatch
    eta_error_s: float | None  # positive: the ambulance came later than promised

    @classmethod
    def of(cls, steps: Any) -> CallStepsOut:
        """From a call's steps (app.services.reports.CallSteps)."""
        return cls(
            **steps.__dict__,
            response_s=steps.seconds("created", "on_scene"),
            eta_error_s=steps.eta_error_s,
        )


class CountOut(BaseModel):
    """How many of a kind (calls, synthetic, cancelled, prank, crew_refusal,
    referral_declined, referral_escalated) for one reason ("" where the kind has none)."""

    kind: str
    reason: str
    count: int


class SlowCallOut(BaseModel):
    """A call and how long its interval took (seconds)."""

    seconds: float
    call: CallStepsOut


class IntervalTermOut(BaseModel):
    """An interval the reports measure: between which steps, its names, its target."""

    name: str
    start: str
    end: str
    label_en: str
    label_id: str
    target_min: float | None


class ReportTermsOut(BaseModel):
    """What the reports can be asked: intervals (with targets), groupings, shifts."""

    intervals: list[IntervalTermOut]
    groups: list[str]
    shifts: list[str]


class HeadlineOut(BaseModel):
    """One interval over the whole period, against its target."""

    interval: str
    calls: int
    median_s: float | None
    p90_s: float | None
    within_target: float | None
    target_min: float | None


class DashboardOut(BaseModel):
    """Everything the dashboard shows first, in one answer: the headline of every interval,
    the chosen interval by week, shift, district, post and hospital, the counts with their
    reasons, and the slowest calls."""

    since: datetime
    until: datetime
    interval: str
    synthetic_calls: int
    region_synthetic: bool  # the served region is made up (the demo)
    headline: list[HeadlineOut]
    groups: dict[str, list[IntervalSummaryOut]]
    counts: list[CountOut]
    slowest: list[SlowCallOut]
    # What the ids mean: names by kind (district, post, hospital), and where districts lie.
    names: dict[str, dict[str, str]]
    district_points: dict[str, tuple[float, float]]  # code: (lon, lat) of its centre
