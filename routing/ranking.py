"""Explained hospital ranking: every hospital, eligible ones by travel time, others with reasons.

Readiness is an input: the service stores it, the library judges it. A hospital is passed
over when it lacks a capability the category requires, has that capability down, is on
diversion, has no free bed of the kind needed, or has not updated its readiness for too long.
Passed-over hospitals are still listed, with their ETA, because an operator must see that
the nearest hospital was considered and why it was not chosen.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple

from routing.capabilities import Category, Taxonomy
from routing.geo import LonLat

DEFAULT_STALE_AFTER_S = 6 * 3600.0


class PassOver(StrEnum):
    """Why a hospital was not ranked among the eligible ones."""

    LACKS_CAPABILITY = "lacks_capability"
    CAPABILITY_DOWN = "capability_down"
    ON_DIVERSION = "on_diversion"
    NO_FREE_BED = "no_free_bed"
    READINESS_STALE = "readiness_stale"
    NO_READINESS = "no_readiness"
    UNREACHABLE = "unreachable"
    DECLINED = "declined"
    NO_SPECIALIST = "no_specialist"
    LOW_BLOOD = "low_blood"


class Reason(NamedTuple):
    """One reason a hospital was passed over: a code, a sentence, what it is about, and the
    time it ends when one is known (a specialist on call from then)."""

    code: PassOver
    message: str
    subject: str | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class OnCall:
    """The hours a specialist covers (UTC; ``end`` excluded)."""

    start: datetime
    end: datetime


@dataclass(frozen=True)
class Readiness:
    """A hospital's live readiness, as last reported, with the time of each value (UTC).

    ``beds_updated_at`` is when free beds were last reported; ``bed_updated_at`` may give a
    time per bed kind where kinds are reported separately (it wins over the common time).
    """

    free_beds: Mapping[str, int] = field(default_factory=dict)
    beds_updated_at: datetime | None = None
    bed_updated_at: Mapping[str, datetime] = field(default_factory=dict)
    on_diversion: bool = False
    diversion_reason: str | None = None
    diversion_since: datetime | None = None
    capabilities_down: frozenset[str] = frozenset()
    # The hospital declined a referral (or let one go unanswered): passed over until then,
    # with the reason's code and its words.
    declined_until: datetime | None = None
    declined_reason: str | None = None
    declined_words: str | None = None
    # Specialists on call (a specialist absent is not on call) and blood in stock (units of
    # packed red cells per group), each list with the time it was reported; None: the
    # hospital never reported it, and categories are judged without it.
    on_call: Mapping[str, OnCall] = field(default_factory=dict)
    on_call_reported_at: datetime | None = None
    blood_units: Mapping[str, int] = field(default_factory=dict)
    blood_reported_at: datetime | None = None

    def beds_reported_at(self, kind: str) -> datetime | None:
        """When the free beds of this kind were last reported, or None if never."""
        return self.bed_updated_at.get(kind, self.beds_updated_at)


@dataclass(frozen=True, slots=True)
class Hospital:
    """A receiving hospital as the routing library knows it.

    ``node`` is its access node on the road network; ``access_m`` how far the hospital's
    point lies from that node (the last metres are not routed).
    """

    id: str
    name: str
    hospital_class: str
    location: LonLat
    capabilities: tuple[str, ...]
    capability_mask: int
    beds: Mapping[str, int]
    node: int
    access_m: float
    osm_id: str = ""
    address: str = ""


class RankedHospital(NamedTuple):
    """A hospital in a ranking: ETA (seconds) and road distance (metres) from the incident."""

    hospital: Hospital
    eta_s: float
    distance_m: float
    reasons: tuple[Reason, ...] = ()

    @property
    def eligible(self) -> bool:
        """True when nothing passed this hospital over."""
        return not self.reasons


@dataclass(frozen=True)
class Ranking:
    """Eligible hospitals fastest first, then passed-over ones fastest first."""

    point: LonLat
    category: Category
    eligible: tuple[RankedHospital, ...]
    passed_over: tuple[RankedHospital, ...]

    @property
    def best(self) -> RankedHospital | None:
        """The recommended hospital, or None when no hospital is eligible."""
        return self.eligible[0] if self.eligible else None

    @property
    def all(self) -> tuple[RankedHospital, ...]:
        """Every hospital: eligible first."""
        return self.eligible + self.passed_over


class ReadinessBoard:
    """Every hospital's readiness, digested once per update so that a ranking only reads it.

    What does not depend on the clock (capabilities lacking or down, diversion, no free bed)
    is judged once per category and cached; only staleness is checked per ranking. Build a
    new board when readiness changes; ``readiness=None`` judges capabilities alone.
    """

    def __init__(
        self,
        hospitals: Sequence[Hospital],
        taxonomy: Taxonomy,
        readiness: Mapping[str, Readiness] | None = None,
    ) -> None:
        self.hospitals = tuple(hospitals)
        self.taxonomy = taxonomy
        self.readiness = readiness
        self._states = [readiness.get(h.id) for h in hospitals] if readiness is not None else None
        self._judged: dict[str, _Judged] = {}

    def judged(self, category: Category) -> _Judged:
        """Per hospital: the reasons that do not depend on the clock, the no-bed reason, and
        when the category's bed kind was last reported (epoch s)."""
        cached = self._judged.get(category.code)
        if cached is None:
            fixed, no_bed, beds_at_s, declined, extras = [], [], [], [], []
            for i, hospital in enumerate(self.hospitals):
                state = self._states[i] if self._states is not None else None
                reasons = _lacking(hospital, category, self.taxonomy)
                if self._states is not None:
                    reasons += _state_reasons(state, category, self.taxonomy)
                fixed.append(reasons)
                no_bed.append(_no_bed(state, category, self.taxonomy) if state else None)
                # inf (never stale) where there is nothing to judge: no readiness at all, or
                # no beds ever reported (a reason of its own).
                reported = state.beds_reported_at(category.bed) if state else None
                beds_at_s.append(reported.timestamp() if reported else math.inf)
                declined.append(_declined(state) if state else None)
                extras.append(_extras(state, category, self.taxonomy) if state else None)
            cached = _Judged(
                tuple(fixed), tuple(no_bed), tuple(beds_at_s), tuple(declined), tuple(extras)
            )
            self._judged[category.code] = cached
        return cached


class _Judged(NamedTuple):
    fixed: tuple[tuple[Reason, ...], ...]
    no_bed: tuple[Reason | None, ...]
    beds_at_s: tuple[float, ...]
    declined: tuple[tuple[float, Reason] | None, ...]  # until (epoch s), and why
    extras: tuple[_Extras | None, ...]  # specialists and blood, where reported


class _Cover(NamedTuple):
    code: str
    label: str
    start_s: float  # -inf..inf: not on call at all when start_s == inf
    end_s: float
    start: datetime | None


class _Extras(NamedTuple):
    """What a category needs beyond beds, for one hospital that reports it."""

    covers: tuple[_Cover, ...]
    on_call_at_s: float  # when the on-call list was reported; inf: never (not judged)
    low_blood: tuple[Reason, ...]
    blood_at_s: float


def rank(  # noqa: PLR0913 - keyword-only: every input of a ranking, named
    *,
    point: LonLat,
    category: Category,
    board: ReadinessBoard,
    eta_s: list[float],
    distance_m: list[float],
    order: list[int],
    now: datetime | None,
    stale_after_s: float = DEFAULT_STALE_AFTER_S,
) -> Ranking:
    """Judge every hospital for this category; ``order`` lists hospital indexes by ETA."""
    fixed, no_bed, beds_at_s, declined, extras = board.judged(category)
    now_s = now.timestamp() if now is not None else None
    # Beds updated before the cutoff are stale; -inf when there is no clock to judge by.
    cutoff_s = now_s - stale_after_s if now_s is not None else -math.inf
    hospitals = board.hospitals
    eligible: list[RankedHospital] = []
    passed: list[RankedHospital] = []
    for i in order:
        reasons = fixed[i]
        if beds_at_s[i] < cutoff_s:
            hours = (now_s - beds_at_s[i]) / 3600  # type: ignore[operator]
            stale = Reason(PassOver.READINESS_STALE, f"beds not updated for {hours:.0f} h")
            reasons += (stale,)  # free beds are unknown: "no free bed" would be a guess
        elif (bed := no_bed[i]) is not None:
            reasons += (bed,)
        if (refusal := declined[i]) is not None and (now_s is None or now_s < refusal[0]):
            reasons += (refusal[1],)
        if (more := extras[i]) is not None:
            reasons += _beyond_beds(more, now_s, cutoff_s)
        eta = eta_s[i]
        if eta == math.inf:
            reasons += (Reason(PassOver.UNREACHABLE, "no road from the incident"),)
        entry = RankedHospital(hospitals[i], eta, distance_m[i], reasons)
        (passed if reasons else eligible).append(entry)
    return Ranking(point, category, tuple(eligible), tuple(passed))


def _lacking(hospital: Hospital, category: Category, taxonomy: Taxonomy) -> tuple[Reason, ...]:
    missing = category.requires_mask & ~hospital.capability_mask
    return tuple(
        Reason(PassOver.LACKS_CAPABILITY, f"no {taxonomy.capabilities[code].label}", code)
        for code in taxonomy.codes(missing)
    )


def _state_reasons(
    state: Readiness | None, category: Category, taxonomy: Taxonomy
) -> tuple[Reason, ...]:
    if state is None:
        return (Reason(PassOver.NO_READINESS, "has not reported its readiness"),)
    reasons: list[Reason] = []
    for code in sorted(state.capabilities_down.intersection(category.requires)):
        label = taxonomy.capabilities[code].label
        reasons.append(Reason(PassOver.CAPABILITY_DOWN, f"{label} temporarily down", code))
    if state.on_diversion:
        since = f" since {state.diversion_since:%H:%M}" if state.diversion_since else ""
        why = f": {state.diversion_reason}" if state.diversion_reason else ""
        reasons.append(Reason(PassOver.ON_DIVERSION, f"on diversion{since}{why}"))
    if state.beds_reported_at(category.bed) is None:
        label = taxonomy.bed_kinds[category.bed].label
        reasons.append(Reason(PassOver.NO_READINESS, f"has never reported free {label}s"))
    return tuple(reasons)


def _extras(state: Readiness, category: Category, taxonomy: Taxonomy) -> _Extras | None:
    covers: tuple[_Cover, ...] = ()
    on_call_at_s = math.inf
    if category.specialists and state.on_call_reported_at is not None:
        on_call_at_s = state.on_call_reported_at.timestamp()
        covers = tuple(
            _cover(code, taxonomy.specialists[code].label, state.on_call.get(code))
            for code in category.specialists
        )
    low: tuple[Reason, ...] = ()
    blood_at_s = math.inf
    if category.blood and state.blood_reported_at is not None:
        blood_at_s = state.blood_reported_at.timestamp()
        low = tuple(
            Reason(PassOver.LOW_BLOOD, f"blood {group} below {least} units", group)
            for group, least in category.blood
            if state.blood_units.get(group, 0) < least
        )
    if not covers and not low and math.isinf(blood_at_s):
        return None
    return _Extras(covers, on_call_at_s, low, blood_at_s)


def _cover(code: str, label: str, hours: OnCall | None) -> _Cover:
    if hours is None:
        return _Cover(code, label, math.inf, math.inf, None)
    return _Cover(code, label, hours.start.timestamp(), hours.end.timestamp(), hours.start)


def _beyond_beds(more: _Extras, now_s: float | None, cutoff_s: float) -> tuple[Reason, ...]:
    """Specialists not on call now (or unknown: the list is stale), blood below the least."""
    reasons: list[Reason] = []
    if more.covers and more.on_call_at_s < cutoff_s:
        hours = (now_s - more.on_call_at_s) / 3600  # type: ignore[operator]
        message = f"on-call list not updated for {hours:.0f} h"
        reasons.append(Reason(PassOver.READINESS_STALE, message, "on_call"))
    elif more.covers:
        for cover in more.covers:
            on_now = cover.start_s <= (now_s if now_s is not None else cover.start_s) < cover.end_s
            if on_now:
                continue
            later = now_s is not None and now_s < cover.start_s < math.inf
            until = cover.start if later else None
            message = f"no {cover.label} on call" + (f" until {until:%H:%M} UTC" if until else "")
            reasons.append(Reason(PassOver.NO_SPECIALIST, message, cover.code, until))
    if more.blood_at_s < cutoff_s:
        hours = (now_s - more.blood_at_s) / 3600  # type: ignore[operator]
        message = f"blood stock not updated for {hours:.0f} h"
        reasons.append(Reason(PassOver.READINESS_STALE, message, "blood"))
    else:
        reasons.extend(more.low_blood)
    return tuple(reasons)


def _declined(state: Readiness) -> tuple[float, Reason] | None:
    if state.declined_until is None:
        return None
    words = state.declined_words or "no reason given"
    reason = Reason(PassOver.DECLINED, f"declined a referral: {words}", state.declined_reason)
    return state.declined_until.timestamp(), reason


def _no_bed(state: Readiness, category: Category, taxonomy: Taxonomy) -> Reason | None:
    if state.beds_reported_at(category.bed) is None or state.free_beds.get(category.bed, 0) > 0:
        return None
    label = taxonomy.bed_kinds[category.bed].label
    return Reason(PassOver.NO_FREE_BED, f"no free {label}", category.bed)
