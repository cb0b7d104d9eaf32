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


class Reason(NamedTuple):
    """One reason a hospital was passed over: a code, a sentence, and what it is about."""

    code: PassOver
    message: str
    subject: str | None = None


@dataclass(frozen=True)
class Readiness:
    """A hospital's live readiness, as last reported, with the time of each value (UTC)."""

    free_beds: Mapping[str, int] = field(default_factory=dict)
    beds_updated_at: datetime | None = None
    on_diversion: bool = False
    diversion_reason: str | None = None
    diversion_since: datetime | None = None
    capabilities_down: frozenset[str] = frozenset()


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


def capability_reasons(
    category: Category, hospitals: Sequence[Hospital], taxonomy: Taxonomy
) -> tuple[tuple[Reason, ...], ...]:
    """For each hospital, the capabilities it lacks for this category (static: cache it)."""
    result = []
    for hospital in hospitals:
        missing = category.requires_mask & ~hospital.capability_mask
        result.append(
            tuple(
                Reason(PassOver.LACKS_CAPABILITY, f"no {taxonomy.capabilities[code].label}", code)
                for code in taxonomy.codes(missing)
            )
        )
    return tuple(result)


def rank(
    *,
    point: LonLat,
    category: Category,
    hospitals: Sequence[Hospital],
    eta_s: list[float],
    distance_m: list[float],
    lacking: Sequence[tuple[Reason, ...]],
    taxonomy: Taxonomy,
    readiness: Mapping[str, Readiness] | None,
    now: datetime | None,
    stale_after_s: float = DEFAULT_STALE_AFTER_S,
) -> Ranking:
    """Judge every hospital for this category and sort by ETA.

    ``lacking`` is what :func:`capability_reasons` gives for this category. With
    ``readiness=None`` the ranking rests on capabilities alone (a notebook, a coverage study);
    with a mapping, a hospital missing from it is passed over as having reported no readiness.
    """
    eligible: list[RankedHospital] = []
    passed: list[RankedHospital] = []
    for i, hospital in enumerate(hospitals):
        reasons = lacking[i]
        if readiness is not None:
            reasons += _readiness_reasons(
                readiness.get(hospital.id), category, taxonomy, now, stale_after_s
            )
        if not math.isfinite(eta_s[i]):
            reasons = (*reasons, Reason(PassOver.UNREACHABLE, "no road from the incident"))
        entry = RankedHospital(hospital, eta_s[i], distance_m[i], reasons)
        (passed if reasons else eligible).append(entry)
    eligible.sort(key=_by_eta)
    passed.sort(key=_by_eta)
    return Ranking(point, category, tuple(eligible), tuple(passed))


def _by_eta(entry: RankedHospital) -> tuple[float, str]:
    return (entry.eta_s, entry.hospital.id)


def _readiness_reasons(
    state: Readiness | None,
    category: Category,
    taxonomy: Taxonomy,
    now: datetime | None,
    stale_after_s: float,
) -> tuple[Reason, ...]:
    if state is None:
        return (Reason(PassOver.NO_READINESS, "has not reported its readiness"),)
    reasons: list[Reason] = []
    if state.capabilities_down:
        for code in sorted(state.capabilities_down.intersection(category.requires)):
            label = taxonomy.capabilities[code].label
            reasons.append(Reason(PassOver.CAPABILITY_DOWN, f"{label} temporarily down", code))
    if state.on_diversion:
        since = f" since {state.diversion_since:%H:%M}" if state.diversion_since else ""
        why = f": {state.diversion_reason}" if state.diversion_reason else ""
        reasons.append(Reason(PassOver.ON_DIVERSION, f"on diversion{since}{why}"))
    reasons.extend(_bed_reasons(state, category, taxonomy, now, stale_after_s))
    return tuple(reasons)


def _bed_reasons(
    state: Readiness, category: Category, taxonomy: Taxonomy, now: datetime | None, stale_s: float
) -> list[Reason]:
    if state.beds_updated_at is None:
        return [Reason(PassOver.NO_READINESS, "has never reported free beds")]
    if now is not None:
        age_s = (now - state.beds_updated_at).total_seconds()
        if age_s > stale_s:
            hours = age_s / 3600
            return [Reason(PassOver.READINESS_STALE, f"beds not updated for {hours:.0f} h")]
    if state.free_beds.get(category.bed, 0) <= 0:
        label = taxonomy.bed_kinds[category.bed].label
        return [Reason(PassOver.NO_FREE_BED, f"no free {label}", category.bed)]
    return []
