"""Every filter rule for GPS fixes, one by one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from routing.geo import BBox
from tracking.fixes import Fix, Flag, Rejection, judge

pytestmark = pytest.mark.any_hour  # time of day matters here: see tests/conftest.py

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
BOX = BBox(108.9, -7.65, 109.55, -7.25)
HERE = Fix(109.233, -7.39, NOW - timedelta(seconds=5))


def at(seconds_ago: float, lon: float = 109.233, lat: float = -7.39, **extra: float) -> Fix:
    return Fix(lon, lat, NOW - timedelta(seconds=seconds_ago), **extra)  # type: ignore[arg-type]


def test_a_good_fix_is_kept_and_usable() -> None:
    verdict = judge(at(1, lon=109.2335), previous=HERE, bbox=BOX, now=NOW)
    assert verdict.kept and verdict.usable and verdict.flags == frozenset()


@pytest.mark.parametrize(
    ("fix", "rejection"),
    [
        (at(1, lon=181.0), Rejection.OUT_OF_RANGE),
        (at(1, lat=-91.0), Rejection.OUT_OF_RANGE),
        (at(1, lon=float("nan")), Rejection.OUT_OF_RANGE),
        (at(1, lon=110.4, lat=-7.0), Rejection.OUTSIDE_REGION),  # Semarang
        (at(-120), Rejection.FUTURE),  # two minutes ahead: a wrong clock
        (at(2 * 86_400), Rejection.TOO_OLD),
    ],
)
def test_rejections(fix: Fix, rejection: Rejection) -> None:
    verdict = judge(fix, previous=None, bbox=BOX, now=NOW)
    assert verdict.rejection is rejection and not verdict.kept and verdict.detail


def test_small_clock_skew_and_the_border_margin_are_tolerated() -> None:
    assert judge(at(-20), previous=None, bbox=BOX, now=NOW).kept  # 20 s ahead
    just_outside = at(1, lon=BOX.max_lon + 0.02)  # about 2 km over the border
    assert judge(just_outside, previous=None, bbox=BOX, now=NOW).kept


def test_an_impossible_speed_is_an_outlier_kept_out_of_eta() -> None:
    jump = at(4, lon=109.30)  # 7 km in one second from HERE
    verdict = judge(jump, previous=HERE, bbox=BOX, now=NOW)
    assert verdict.kept and not verdict.usable
    assert Flag.OUTLIER in verdict.flags and "km/h" in verdict.detail
    fast_but_possible = at(4, lon=109.2335)  # 55 m in 1 s: 200 km/h is the limit
    assert judge(fast_but_possible, previous=HERE, bbox=BOX, now=NOW).usable
    same_time_elsewhere = Fix(109.24, -7.39, HERE.fix_time)
    assert Flag.OUTLIER in judge(same_time_elsewhere, previous=HERE, bbox=BOX, now=NOW).flags


def test_low_accuracy_is_marked_but_used() -> None:
    verdict = judge(at(1, accuracy_m=350.0), previous=HERE, bbox=BOX, now=NOW)
    assert verdict.usable and verdict.flags == {Flag.LOW_ACCURACY}
