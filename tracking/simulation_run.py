"""What a simulated run (SYNTHETIC) is made of: its crews, its settings, its statistics, and
what every crew of the run shares."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx2

from routing import LonLat, Region
from tracking import simulated_care


@dataclass(frozen=True)
class Crew:
    """One simulated ambulance: its id, its crew key and where it starts."""

    ambulance_id: str
    key: str = field(repr=False)
    home: LonLat


@dataclass(frozen=True)
class SimulationSettings:
    """How the crews behave."""

    base_url: str  # http://host:port of `satria serve`
    rate_hz: float = 1.0  # fixes per second per crew
    duration_s: float | None = None  # None: until cancelled
    noise_m: float = 4.0  # standard deviation of the GPS noise
    tunnel_every_s: float | None = 900.0  # mean time between tunnels per crew (None: never)
    tunnel_s: float = 40.0  # how long a tunnel lasts
    bad_fix_probability: float = 0.003
    refuse_share: float = simulated_care.REFUSE_SHARE  # assignments a crew refuses
    operator_key: str | None = field(default=None, repr=False)  # with it: missions
    on_scene_s: float = 20.0
    mission_radius_m: float = 8_000.0
    calls_per_s: float = 20.0  # first missions are spread out: operators take calls one by one
    seed: int = 1


@dataclass
class SimulationStats:
    """What the crews sent and what Satria answered."""

    calls_taken: int = 0  # answered 201: stored
    fixes_sent: int = 0
    fixes_stored: int = 0
    duplicates: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    bad_fixes_sent: int = 0
    backfilled: int = 0
    tunnels: int = 0
    missions_started: int = 0
    missions_done: int = 0
    reconnects: int = 0
    refusals: int = 0
    vitals_recorded: int = 0
    errors: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        """For printing."""
        return {k: dict(v) if isinstance(v, Counter) else v for k, v in vars(self).items()}


Clock = Callable[[], datetime]


class RunOverError(Exception):
    """The run is over: a crew stops between two fixes, never with one unanswered."""


@dataclass(frozen=True)
class Simulation:
    """What every crew of a run shares: the roads, the settings, the statistics, the HTTP
    client and the clock its fixes read."""

    region: Region
    settings: SimulationSettings
    stats: SimulationStats
    http: httpx2.AsyncClient
    clock: Clock
    # Set when the run's time is up. Crews stop at their next tick, so that every fix sent
    # has its answer counted (a cancelled exchange would be stored but never counted).
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
