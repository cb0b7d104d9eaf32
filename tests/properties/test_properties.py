"""Properties that must hold for every input, checked with Hypothesis: NIK parsing, the GPS
fix filters, and the routing engine on the demo region."""

from __future__ import annotations

import math
import re
import string
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from app.nik import InvalidNikError, NikFault, mask, parse_nik
from routing import LonLat, Region
from routing.errors import SnapError
from routing.geo import BBox, haversine_m
from tracking.fixes import FilterRules, Fix, Flag, Rejection, judge

TODAY = date(2026, 11, 23)
SETTINGS = settings(max_examples=200, deadline=None, derandomize=True)
REGION_SETTINGS = settings(
    max_examples=60, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)  # fmt: skip

# --- NIK -------------------------------------------------------------------------------------

BANYUMAS_DISTRICT = "330226"  # Purwokerto Timur, Kabupaten Banyumas


@st.composite
def valid_niks(draw: st.DrawFn) -> tuple[str, date, bool]:
    born = draw(st.dates(min_value=date(1927, 1, 1), max_value=TODAY))
    female = draw(st.booleans())
    day = born.day + 40 if female else born.day
    serial = draw(st.integers(1, 9999))
    return (
        f"{BANYUMAS_DISTRICT}{day:02d}{born.month:02d}{born.year % 100:02d}{serial:04d}",
        born,
        female,
    )


@SETTINGS
@given(valid_niks())
def test_a_valid_nik_round_trips_its_birth_date_sex_and_district(
    case: tuple[str, date, bool],
) -> None:
    text, born, female = case
    nik = parse_nik(text, today=TODAY)
    assert nik.birth_date == born and nik.sex.value == ("female" if female else "male")
    assert nik.district_code == "26" and nik.regency_name  # a real district, named
    assert nik.masked == mask(text) and text[6:14] not in nik.masked  # birth and serial hidden
    assert parse_nik(f" {text[:4]} {text[4:]} ", today=TODAY) == nik  # spaces are forgiven


@SETTINGS
@given(st.text(alphabet=string.printable + "٣४", max_size=24))
def test_any_text_is_a_nik_or_a_named_fault_never_a_crash(text: str) -> None:
    try:
        nik = parse_nik(text, today=TODAY)
    except InvalidNikError as error:
        assert isinstance(error.fault, NikFault)
        for digits in re.findall(r"[0-9]{7,}", text):  # never echoes the number back
            assert digits not in str(error)
        return
    assert len(nik.value) == 16 and nik.value.isdigit() and nik.birth_date <= TODAY


@SETTINGS
@given(st.from_regex(r"\A[0-9]{16}\Z"))
def test_sixteen_digits_fail_only_for_the_named_reasons(text: str) -> None:
    try:
        parse_nik(text, today=TODAY)
    except InvalidNikError as error:
        assert error.fault is not NikFault.FORMAT


# --- GPS fix filters ---------------------------------------------------------------------------

BBOX = BBox(108.94, -7.63, 109.50, -7.27)
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
coordinates = st.tuples(
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.floats(allow_nan=True, allow_infinity=True, width=64),
)


@SETTINGS
@given(coordinates, st.floats(-7 * 86400, 7 * 86400), st.one_of(st.none(), st.floats(0, 1e5)))
def test_a_fix_is_rejected_with_a_reason_or_kept_never_both_never_a_crash(
    lonlat: tuple[float, float], age_s: float, accuracy_m: float | None
) -> None:
    fix = Fix(lonlat[0], lonlat[1], NOW - timedelta(seconds=age_s), accuracy_m=accuracy_m)
    verdict = judge(fix, previous=None, bbox=BBOX, now=NOW)
    inside = (
        all(math.isfinite(v) for v in lonlat)
        and -180 <= lonlat[0] <= 180
        and -90 <= lonlat[1] <= 90
    )
    if not inside:
        assert verdict.rejection is Rejection.OUT_OF_RANGE
    if verdict.rejection is not None:
        assert not verdict.flags and not verdict.usable
    else:
        assert -FilterRules().max_future_s <= age_s <= FilterRules().max_age_s
        assert (Flag.LOW_ACCURACY in verdict.flags) == (
            accuracy_m is not None and accuracy_m > FilterRules().low_accuracy_m
        )


@SETTINGS
@given(
    st.floats(109.0, 109.4), st.floats(-7.6, -7.3), st.floats(-0.05, 0.05),
    st.floats(-0.05, 0.05), st.floats(0.5, 600),
)  # fmt: skip
def test_an_outlier_is_exactly_a_move_faster_than_an_ambulance_drives(
    lon: float, lat: float, dlon: float, dlat: float, elapsed_s: float
) -> None:
    previous = Fix(lon, lat, NOW - timedelta(seconds=elapsed_s + 5))
    fix = Fix(lon + dlon, lat + dlat, NOW - timedelta(seconds=5))
    verdict = judge(fix, previous=previous, bbox=BBOX, now=NOW)
    assert verdict.rejection is None
    speed_mps = (
        previous.point.distance_m(fix.point) / elapsed_s
        if hasattr(previous.point, "distance_m")
        else None
    )

    speed_mps = haversine_m(previous.point, fix.point) / elapsed_s
    assume(abs(speed_mps - FilterRules().max_speed_mps) > 1e-6)  # not on the boundary itself
    assert (Flag.OUTLIER in verdict.flags) == (speed_mps > FilterRules().max_speed_mps)


# --- routing -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def region(demo: Region) -> Region:
    return demo


def lonlats(bbox: BBox, margin: float = 0.0) -> st.SearchStrategy[LonLat]:
    return st.builds(
        LonLat,
        st.floats(bbox.min_lon - margin, bbox.max_lon + margin),
        st.floats(bbox.min_lat - margin, bbox.max_lat + margin),
    )


@REGION_SETTINGS
@given(data=st.data())
def test_snapping_never_leaves_the_region_or_the_snap_distance(
    region: Region, data: st.DataObject
) -> None:
    bbox = region.meta.bbox
    point = data.draw(lonlats(bbox, margin=0.2))
    try:
        snap = region.snapper.snap(point)
    except SnapError:
        return  # outside, or too far from a road: refused with a reason
    assert bbox.contains(point)
    assert bbox.contains(snap.on_road)
    assert 0 <= snap.distance_m <= region.snapper.max_snap_m
    assert all(0.0 <= p.fraction <= 1.0 for p in snap.placements)


@REGION_SETTINGS
@given(data=st.data())
def test_ranking_is_ordered_by_eta_and_travel_times_are_never_negative(
    region: Region, data: st.DataObject
) -> None:
    point = data.draw(lonlats(region.meta.bbox))
    category = data.draw(st.sampled_from(sorted(region.taxonomy.categories)))
    try:
        ranking = region.rank_hospitals(point, category)
    except SnapError:
        return
    etas = [h.eta_s for h in ranking.eligible]
    assert etas == sorted(etas)
    assert all(e >= 0 for e in etas)
    assert all(h.distance_m >= 0 for h in ranking.eligible)
    everyone = {h.hospital.id for h in ranking.eligible} | {
        h.hospital.id for h in ranking.passed_over
    }
    assert everyone == {h.id for h in region.hospitals}  # each hospital is ranked or explained
    assert all(h.reasons for h in ranking.passed_over)
    if ranking.eligible:  # the first is as fast as the route to it says
        best = ranking.eligible[0]
        if math.isfinite(best.eta_s):
            route = region.route_to_hospital(point, best.hospital.id)
            assert route.travel_time_s == pytest.approx(best.eta_s, rel=1e-6, abs=1e-3)
