"""Simulated ambulance crews (SYNTHETIC data): they drive the region's roads and talk to
Satria only through its public API, as a crew's phone would.

Each crew opens the crew websocket and sends one fix per ``1 / rate_hz`` seconds, read off a
trip along a real route at the route's own speed, with GPS noise. With an operator key a crew
runs missions: the operator takes a call near the crew's post (``POST /api/calls``), dispatches
this ambulance and refers the patient to the recommended hospital; the crew drives to the
scene (the geofence marks it on scene), waits, marks itself transporting, drives to the
hospital (at hospital by geofence), closes the call and drives home. Without one, crews roam
between random points. Now and then a crew drives through a tunnel: its socket drops, fixes
are buffered, and the buffer goes to the offline backfill endpoint when it is out. A few fixes
are bad on purpose (a jump no ambulance can make, a clock an hour ahead, a poor accuracy).

    stats = await simulate(
        region, crews, SimulationSettings(base_url="http://127.0.0.1:8000"), clock=clock
    )

``clock`` gives the time each fix carries (the caller's: this module never reads the clock).
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections import Counter
from collections.abc import Sequence

import httpx2

from routing import Region
from tracking.simulated_crew import SimulatedCrew
from tracking.simulation_run import Clock, Crew, Simulation, SimulationSettings, SimulationStats

STOP_GRACE_S = 35.0  # longer than a fix's answer may take (30 s)


async def simulate(
    region: Region,
    crews: Sequence[Crew],
    settings: SimulationSettings,
    *,
    clock: Clock,
    stop_on_sigterm: bool = False,
) -> SimulationStats:
    """Drive every crew until ``duration_s`` has passed (or SIGTERM comes, when the run owns
    its process), or the task is cancelled."""
    stats = SimulationStats()
    _dump_tasks_on_sigusr1()
    # Requests queue for a pooled connection as long as they must (pool=None).
    timeout = httpx2.Timeout(30.0, pool=None)
    async with httpx2.AsyncClient(base_url=settings.base_url, timeout=timeout) as http:
        shared = Simulation(region, settings, stats, http, clock)
        tasks = [
            asyncio.create_task(
                SimulatedCrew(shared, crew, settings.seed + i).run(
                    first_mission_after_s=i / settings.calls_per_s
                )
            )
            for i, crew in enumerate(crews)
        ]
        if stop_on_sigterm:  # not inside `satria demo`: there SIGTERM is the server's
            _stop_on_sigterm(shared.stopping)
        try:
            # Until the time is up or SIGTERM comes; crews then stop after the answer each
            # is waiting for, so that what the statistics say was stored was stored.
            await asyncio.wait(tasks, timeout=settings.duration_s)
            shared.stopping.set()
            await asyncio.wait(tasks, timeout=STOP_GRACE_S)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    return stats


def _stop_on_sigterm(stopping: asyncio.Event) -> None:
    """``kill <pid>`` ends the run as its duration would: statistics printed."""
    if hasattr(signal, "SIGTERM"):
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stopping.set)


def _dump_tasks_on_sigusr1() -> None:
    """``kill -USR1 <pid>`` prints where every crew's task waits (a stuck load run)."""
    if not hasattr(signal, "SIGUSR1"):
        return

    def dump() -> None:
        waiting = Counter(
            " <- ".join(f"{f.f_code.co_name}:{f.f_lineno}" for f in task.get_stack(limit=4))
            for task in asyncio.all_tasks()
        )
        for where, count in waiting.most_common(15):
            print(f"{count:5d} tasks at {where}", file=sys.stderr, flush=True)

    asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, dump)
