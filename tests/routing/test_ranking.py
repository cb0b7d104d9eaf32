"""Explained ranking: every hospital, the eligible by ETA, the others with their reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from routing.capabilities import Taxonomy
from routing.demo import geography as geo
from routing.errors import SnapError, UnknownCategoryError
from routing.geo import LonLat, haversine_m
from routing.ranking import OnCall, PassOver, Readiness
from routing.region import Region
from tests.conftest import random_points

pytestmark = pytest.mark.any_hour  # time of day matters here: see tests/conftest.py

NOW = datetime(2026, 11, 23, 14, 30, tzinfo=UTC)
INCIDENT = LonLat(109.2330, -7.3900)  # in Kota Purwa


def ready(**changes: object) -> Readiness:
    base = {
        "free_beds": {"igd": 5, "icu": 2, "nicu": 1, "picu": 1, "ward": 10},
        "beds_updated_at": NOW,
    }
    return Readiness(**{**base, **changes})  # type: ignore[arg-type]


def all_ready(region: Region) -> dict[str, Readiness]:
    return {h.id: ready() for h in region.hospitals}


def test_the_issue_categories_are_all_defined() -> None:
    taxonomy = Taxonomy.load()
    expected = {
        "cardiac_arrest", "stemi", "stroke", "major_trauma", "head_injury", "obstetric_emergency",
        "neonatal", "burns", "paediatric", "poisoning", "respiratory", "psychiatric", "general",
    }  # fmt: skip
    assert expected <= set(taxonomy.categories)
    assert taxonomy.category("stemi").requires == ("igd_24h", "cath_lab", "icu")


def test_every_hospital_once_eligible_first_each_part_by_eta(demo: Region) -> None:
    for point in random_points(demo, 50, seed=31):
        ranking = demo.rank_hospitals(point, "stroke", all_ready(demo), now=NOW)
        ids = [entry.hospital.id for entry in ranking.all]
        assert sorted(ids) == sorted(h.id for h in demo.hospitals)
        for part in (ranking.eligible, ranking.passed_over):
            etas = [e.eta_s for e in part]
            assert etas == sorted(etas)
        assert all(e.eligible for e in ranking.eligible)
        assert all(e.reasons for e in ranking.passed_over)


def test_a_hospital_without_the_capability_is_passed_over_with_that_reason(demo: Region) -> None:
    ranking = demo.rank_hospitals(INCIDENT, "stemi", all_ready(demo), now=NOW)
    without = {e.hospital.id: e for e in ranking.passed_over}
    reasons = without["rs-elisabeth-purwa"].reasons
    assert [(r.code, r.subject) for r in reasons] == [(PassOver.LACKS_CAPABILITY, "cath_lab")]
    assert "catheterisation" in reasons[0].message
    assert all("cath_lab" in e.hospital.capabilities for e in ranking.eligible)


def test_diversion_moves_the_best_hospital_out_with_the_time_and_reason(demo: Region) -> None:
    readiness = all_ready(demo)
    best = demo.rank_hospitals(INCIDENT, "stemi", readiness, now=NOW).eligible
    first, second = best[0].hospital.id, best[1].hospital.id
    readiness[first] = ready(
        on_diversion=True,
        diversion_reason="CT rusak",
        diversion_since=NOW.replace(hour=14, minute=5),
    )
    ranking = demo.rank_hospitals(INCIDENT, "stemi", readiness, now=NOW)
    assert ranking.best is not None and ranking.best.hospital.id == second
    entry = next(e for e in ranking.passed_over if e.hospital.id == first)
    assert entry.reasons[0].code is PassOver.ON_DIVERSION
    assert entry.reasons[0].message == "on diversion since 14:05: CT rusak"
    assert entry.eta_s < ranking.best.eta_s  # it was faster: the operator sees why it was skipped


def test_no_free_bed_of_the_needed_kind(demo: Region) -> None:
    readiness = all_ready(demo)
    readiness["rsud-purwa"] = ready(free_beds={"igd": 4, "icu": 0})
    ranking = demo.rank_hospitals(INCIDENT, "stemi", readiness, now=NOW)
    entry = next(e for e in ranking.passed_over if e.hospital.id == "rsud-purwa")
    assert [(r.code, r.subject) for r in entry.reasons] == [(PassOver.NO_FREE_BED, "icu")]
    # The same hospital still takes a general emergency, which needs an IGD bed.
    general = demo.rank_hospitals(INCIDENT, "general", readiness, now=NOW)
    assert "rsud-purwa" in {e.hospital.id for e in general.eligible}


def test_staleness_is_judged_on_the_bed_kind_the_category_needs(demo: Region) -> None:
    readiness = all_ready(demo)
    # IGD beds reported a minute ago, ICU beds nine hours ago.
    readiness["rsud-purwa"] = ready(
        beds_updated_at=None,
        bed_updated_at={"igd": NOW - timedelta(minutes=1), "icu": NOW - timedelta(hours=9)},
    )
    stemi = demo.rank_hospitals(INCIDENT, "stemi", readiness, now=NOW, stale_after_s=6 * 3600)
    entry = next(e for e in stemi.passed_over if e.hospital.id == "rsud-purwa")
    assert [r.code for r in entry.reasons] == [PassOver.READINESS_STALE]
    general = demo.rank_hospitals(INCIDENT, "general", readiness, now=NOW, stale_after_s=6 * 3600)
    assert "rsud-purwa" in {e.hospital.id for e in general.eligible}
    # A kind never reported is a reason of its own, not a guess of "no free bed".
    readiness["rsud-purwa"] = ready(beds_updated_at=None, bed_updated_at={"igd": NOW})
    stemi = demo.rank_hospitals(INCIDENT, "stemi", readiness, now=NOW)
    entry = next(e for e in stemi.passed_over if e.hospital.id == "rsud-purwa")
    assert [(r.code, r.message) for r in entry.reasons] == [
        (PassOver.NO_READINESS, "has never reported free ICU beds")
    ]


def test_stale_readiness_is_passed_over_with_its_age(demo: Region) -> None:
    readiness = all_ready(demo)
    readiness["rsud-purwa"] = ready(beds_updated_at=NOW - timedelta(hours=9))
    ranking = demo.rank_hospitals(INCIDENT, "stemi", readiness, now=NOW, stale_after_s=6 * 3600)
    entry = next(e for e in ranking.passed_over if e.hospital.id == "rsud-purwa")
    assert entry.reasons[0].code is PassOver.READINESS_STALE
    assert entry.reasons[0].message == "beds not updated for 9 h"
    fresh = demo.rank_hospitals(INCIDENT, "stemi", readiness, now=NOW, stale_after_s=10 * 3600)
    assert "rsud-purwa" in {e.hospital.id for e in fresh.eligible}


def test_capability_down_and_missing_readiness(demo: Region) -> None:
    readiness = all_ready(demo)
    readiness["rsud-purwa"] = ready(capabilities_down=frozenset({"cath_lab", "burn_unit"}))
    del readiness["rs-islam-purwa"]
    ranking = demo.rank_hospitals(INCIDENT, "stemi", readiness, now=NOW)
    passed = {e.hospital.id: e.reasons for e in ranking.passed_over}
    assert [(r.code, r.subject) for r in passed["rsud-purwa"]] == [
        (PassOver.CAPABILITY_DOWN, "cath_lab")
    ]
    assert [r.code for r in passed["rs-islam-purwa"]] == [PassOver.NO_READINESS]
    # A capability the category does not need being down changes nothing.
    burns_down = {h.id: ready(capabilities_down=frozenset({"burn_unit"})) for h in demo.hospitals}
    assert demo.rank_hospitals(INCIDENT, "stemi", burns_down, now=NOW).best is not None


def test_without_readiness_capabilities_alone_decide(demo: Region) -> None:
    ranking = demo.rank_hospitals(INCIDENT, "stemi")
    assert {e.hospital.id for e in ranking.eligible} == {
        h.id for h in demo.hospitals if {"igd_24h", "cath_lab", "icu"} <= set(h.capabilities)
    }


def test_unknown_category_names_the_valid_ones(demo: Region) -> None:
    with pytest.raises(UnknownCategoryError, match="stemi"):
        demo.rank_hospitals(INCIDENT, "heart attack")


def test_nearest_as_the_crow_flies_across_the_river_is_not_ranked_first(demo: Region) -> None:
    # A point 300 m south of the river, facing RS Patikraja Tengah on the north bank; the
    # nearest bridge is kilometres away.
    patikraja = demo.hospital("rs-patikraja")
    proj = geo.projection()
    x, _ = proj.point_to_xy(patikraja.location)
    point = proj.point_to_lonlat(x, float(geo.river_y(x)) - 300)
    nearest = min(demo.hospitals, key=lambda h: haversine_m(point, h.location))
    assert nearest.id == "rs-patikraja"
    ranking = demo.rank_hospitals(point, "general")
    assert ranking.best is not None
    assert ranking.best.hospital.id != "rs-patikraja"
    crossing = next(e for e in ranking.eligible if e.hospital.id == "rs-patikraja")
    assert crossing.eta_s > ranking.best.eta_s + 120  # the bridge costs minutes, not seconds


def test_across_the_river_the_crow_is_usually_wrong(demo: Region) -> None:
    proj = geo.projection()
    lon = np.array([h.location.lon for h in demo.hospitals])
    lat = np.array([h.location.lat for h in demo.hospitals])
    hx, hy = proj.to_xy(lon, lat)
    side = geo.river_side(hx, hy)
    across = wrong = 0
    for point in random_points(demo, 3000, seed=32):
        try:
            ranking = demo.rank_hospitals(point, "general")
        except SnapError:
            continue
        nearest = int(np.argmin([haversine_m(point, h.location) for h in demo.hospitals]))
        x, y = proj.point_to_xy(point)
        if geo.river_side(np.array([x]), np.array([y]))[0] != side[nearest]:
            across += 1
            wrong += (
                ranking.best is not None and ranking.best.hospital.id != demo.hospitals[nearest].id
            )
    assert across >= 50
    assert wrong / across >= 0.8


def test_a_hospital_that_declined_is_passed_over_until_its_memory_ends(demo: Region) -> None:
    readiness = all_ready(demo)
    until = NOW + timedelta(minutes=30)
    readiness["rsud-purwa"] = ready(
        declined_until=until, declined_reason="icu_full", declined_words="intensive care full"
    )
    ranking = demo.rank_hospitals(INCIDENT, "stemi", readiness, now=NOW)
    entry = next(e for e in ranking.passed_over if e.hospital.id == "rsud-purwa")
    assert [(r.code, r.subject) for r in entry.reasons] == [(PassOver.DECLINED, "icu_full")]
    assert entry.reasons[0].message == "declined a referral: intensive care full"
    # Any category: a hospital that just said no is not the one to send the next patient to.
    stroke = demo.rank_hospitals(INCIDENT, "stroke", readiness, now=NOW)
    assert "rsud-purwa" not in {e.hospital.id for e in stroke.eligible}
    later = demo.rank_hospitals(INCIDENT, "stemi", readiness, now=until + timedelta(seconds=1))
    assert "rsud-purwa" in {e.hospital.id for e in later.eligible}


def on_call_all_day(codes: list[str]) -> dict[str, OnCall]:
    return {c: OnCall(NOW - timedelta(hours=8), NOW + timedelta(hours=8)) for c in codes}


NEEDS_MORE = [c for c, k in Taxonomy.load().categories.items() if k.specialists or k.blood]


@pytest.mark.parametrize("category", NEEDS_MORE)
def test_each_categorys_specialists_and_blood_are_needed_where_reported(
    demo: Region, category: str
) -> None:
    needs = demo.taxonomy.category(category)
    everyone = list(demo.taxonomy.specialists)
    full_blood = dict.fromkeys(demo.taxonomy.blood_groups, 50)
    readiness = {
        h.id: ready(on_call=on_call_all_day(everyone), on_call_reported_at=NOW,
                    blood_units=full_blood, blood_reported_at=NOW)
        for h in demo.hospitals
    }  # fmt: skip
    baseline = demo.rank_hospitals(INCIDENT, category, readiness, now=NOW)
    assert baseline.best is not None
    target = baseline.best.hospital.id
    # Nobody on call and no blood at the best hospital: one reason per specialist and group.
    readiness[target] = ready(on_call={}, on_call_reported_at=NOW, blood_units={},
                              blood_reported_at=NOW)  # fmt: skip
    ranking = demo.rank_hospitals(INCIDENT, category, readiness, now=NOW)
    entry = next(e for e in ranking.passed_over if e.hospital.id == target)
    assert [(r.code, r.subject) for r in entry.reasons] == [
        *((PassOver.NO_SPECIALIST, s) for s in needs.specialists),
        *((PassOver.LOW_BLOOD, g) for g, _ in needs.blood),
    ]
    # A hospital that has never reported its specialists or blood is judged without them.
    readiness[target] = ready()
    assert demo.rank_hospitals(INCIDENT, category, readiness, now=NOW).best.hospital.id == target  # type: ignore[union-attr]


def test_a_specialist_on_call_later_says_from_when(demo: Region) -> None:
    readiness = all_ready(demo)
    evening = NOW.replace(hour=13, minute=0)  # 20:00 in Banyumas (UTC+7)
    day = OnCall(NOW.replace(hour=0, minute=0), NOW.replace(hour=0, minute=0) + timedelta(days=2))
    later = {"obgyn": OnCall(evening, evening + timedelta(hours=12)), "anaesthesia": day}
    readiness["rsud-purwa"] = ready(on_call=later, on_call_reported_at=NOW)
    morning = NOW.replace(hour=1)  # 08:00 in Banyumas, before the cover starts
    ranking = demo.rank_hospitals(INCIDENT, "obstetric_emergency", readiness, now=morning)
    entry = next(e for e in ranking.passed_over if e.hospital.id == "rsud-purwa")
    (reason,) = entry.reasons
    assert (reason.code, reason.subject, reason.until) == (PassOver.NO_SPECIALIST, "obgyn", evening)
    assert reason.message == "no obstetrician (obstetrics and gynaecology) on call until 13:00 UTC"
    during = demo.rank_hospitals(INCIDENT, "obstetric_emergency", readiness, now=evening)
    assert "rsud-purwa" in {e.hospital.id for e in during.eligible}
    after = evening + timedelta(hours=12)  # the end is excluded: the cover is over
    readiness["rsud-purwa"] = ready(on_call=later, on_call_reported_at=after,
                                    beds_updated_at=after)  # fmt: skip
    gone = demo.rank_hospitals(INCIDENT, "obstetric_emergency", readiness, now=after)
    entry = next(e for e in gone.passed_over if e.hospital.id == "rsud-purwa")
    assert [(r.code, r.until) for r in entry.reasons] == [(PassOver.NO_SPECIALIST, None)]


def test_old_on_call_lists_and_blood_stock_are_stale_like_beds(demo: Region) -> None:
    readiness = all_ready(demo)
    old = NOW - timedelta(hours=9)
    readiness["rsud-purwa"] = ready(
        on_call=on_call_all_day(list(demo.taxonomy.specialists)), on_call_reported_at=old,
        blood_units={"O+": 1}, blood_reported_at=old,
    )  # fmt: skip
    ranking = demo.rank_hospitals(
        INCIDENT, "major_trauma", readiness, now=NOW, stale_after_s=6 * 3600
    )
    entry = next(e for e in ranking.passed_over if e.hospital.id == "rsud-purwa")
    assert [(r.code, r.subject, r.message) for r in entry.reasons] == [
        (PassOver.READINESS_STALE, "on_call", "on-call list not updated for 9 h"),
        (PassOver.READINESS_STALE, "blood", "blood stock not updated for 9 h"),
    ]  # a stale "below 4 units" would be a guess, as a stale "no free bed" would
