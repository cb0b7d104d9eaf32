"""Judging a batch of one ambulance's fixes: the one loop both storing paths use.

Fixes go in fix-time order, each judged against the last usable fix before it (see
``tracking.fixes.judge``); what is kept becomes a row to insert, and the newest usable fix
the ambulance's position.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from routing.geo import BBox
from tracking.fixes import FilterRules, Fix, Flag, Rejection, StoredFix, judge


class Tally(Protocol):
    """Where a batch's counts go (the batch's result)."""

    stored: int
    duplicates: int
    rejected: Counter[str]


@dataclass(frozen=True)
class FixPolicy:
    """What every fix is judged against besides the fix before it: the region's box and the
    filter rules."""

    bbox: BBox
    rules: FilterRules

    def at(self, now: datetime) -> Judging:
        """Judging as of ``now`` (fix times in the future or too old are measured from it)."""
        return Judging(self.bbox, self.rules, now)


@dataclass
class Judged:
    """A batch judged: the rows to insert, its last usable fix, its newest position."""

    rows: list[dict[str, object]]
    usable: Fix | None
    newest: StoredFix | None = None


def fix_row(
    ambulance_id: str, fix: Fix, flags: frozenset[Flag], now: datetime
) -> dict[str, object]:
    """A fix as a row of the fix table."""
    return {
        "ambulance_id": ambulance_id,
        "fix_time": fix.fix_time,
        "received_at": now,
        "lon": fix.lon,
        "lat": fix.lat,
        "speed_mps": fix.speed_mps,
        "heading_deg": fix.heading_deg,
        "accuracy_m": fix.accuracy_m,
        "outlier": Flag.OUTLIER in flags,
        "low_accuracy": Flag.LOW_ACCURACY in flags,
    }


def unique_by_time(batch: list[Fix], result: Tally) -> list[Fix]:
    """One fix per fix time within the batch (the first); the others are duplicates."""
    unique: list[Fix] = []
    for fix in batch:
        if unique and unique[-1].fix_time == fix.fix_time:
            result.duplicates += 1
            continue
        unique.append(fix)
    return unique


@dataclass(frozen=True)
class Judging:
    """A policy as of one moment: the one judging loop of both storing paths."""

    bbox: BBox
    rules: FilterRules
    now: datetime

    def judge_all(
        self,
        ambulance_id: str,
        fixes: list[Fix],
        previous: Fix | None,
        result: Tally,
        stored_times: set[datetime] | frozenset[datetime] = frozenset(),
    ) -> Judged:
        """The one judging loop of both paths: fixes in time order, each judged against the
        last usable one before it; counts go to ``result`` (``stored_times``: duplicates)."""
        judged = Judged([], previous)
        for fix in fixes:
            if fix.fix_time in stored_times:
                result.duplicates += 1
                continue
            verdict = judge(
                fix, previous=judged.usable, bbox=self.bbox, now=self.now, rules=self.rules
            )
            if verdict.rejection is not None:
                result.rejected[verdict.rejection.value] += 1
                continue
            judged.rows.append(fix_row(ambulance_id, fix, verdict.flags, self.now))
            result.stored += 1
            if verdict.usable:
                judged.usable = fix
                judged.newest = StoredFix(ambulance_id, fix, Flag.LOW_ACCURACY in verdict.flags)
        if result.duplicates:
            result.rejected[Rejection.DUPLICATE.value] += result.duplicates
        return judged
