"""One simulated crew (SYNTHETIC): its life on the road.

See ``tracking.simulator`` for what a crew does; this module never reads the clock.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import random
from datetime import timedelta
from typing import Any

import httpx2
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException

from routing import LonLat
from routing.errors import RoutingError
from routing.geo import haversine_m
from tracking import simulated_care
from tracking.simulation_run import Crew, RunOverError, Simulation
from tracking.trip import Trip

log = logging.getLogger("satria.simulator")
EARTH_M_PER_DEG = 111_320.0
# Categories an operator could plausibly take on any road of the region.
MISSION_CATEGORIES = ("stemi", "stroke", "major_trauma", "respiratory", "general", "head_injury")
INCIDENTS = {"major_trauma": "traffic_accident", "head_injury": "traffic_accident"}


class SimulatedCrew:
    """One crew's life: connect, drive trips, send fixes, go through tunnels."""

    def __init__(self, simulation: Simulation, crew: Crew, seed: int) -> None:
        self.clock = simulation.clock
        self.region = simulation.region
        self.crew = crew
        self.settings = simulation.settings
        self.stats = simulation.stats
        self.http = simulation.http
        self.stopping = simulation.stopping
        self.rng = random.Random(seed)
        self.here = crew.home
        self.seq = 0
        self.socket: ClientConnection | None = None
        self.buffer: list[dict[str, Any]] = []
        self.offline_until = 0.0
        self.loop = asyncio.get_running_loop()

    @property
    def _ws_url(self) -> str:
        return self.settings.base_url.replace("http", "ws", 1) + "/ws/crew"

    async def run(self, first_mission_after_s: float = 0.0) -> None:
        # Crews do not all start on the same tick; they wait at their post for their call.
        await asyncio.sleep(self.rng.random() / self.settings.rate_hz)
        try:
            await self._idle(first_mission_after_s)
            while True:
                if self.settings.operator_key:
                    await self._mission()
                else:
                    await self._drive(self._random_destination())
        except RunOverError:
            pass
        finally:
            await close_quietly(self.socket)

    # --- missions -----------------------------------------------------------------------------

    async def _mission(self) -> None:
        incident = self._random_destination()
        category = self.rng.choice(MISSION_CATEGORIES)
        call = await self._operator(
            "POST",
            "/api/calls",
            {
                "category": category,
                "incident": INCIDENTS.get(category, "medical"),
                "triage": self.rng.choice(["merah", "kuning", "kuning", "hijau"]),
                "lon": round(incident.lon, 6),
                "lat": round(incident.lat, 6),
                "patients": [{"age_years": self.rng.randint(1, 90), "condition": "simulated"}],
            },
        )
        if call is None:
            await self._pause(10.0)
            return
        self.stats.calls_taken += 1
        call_id = call["call"]["id"]
        dispatched = await self._operator(
            "POST", f"/api/calls/{call_id}/dispatch", {"ambulance_id": self.crew.ambulance_id}
        )
        referred = dispatched and await self._operator("POST", f"/api/calls/{call_id}/referral", {})
        if not referred:
            await self._operator(
                "POST",
                f"/api/calls/{call_id}/status",
                {"status": "cancelled", "reason": "simulation: no ambulance or hospital"},
            )
            await self._pause(10.0)
            return
        said = simulated_care.answer(self.rng, self.settings.refuse_share)
        await self._crew("POST", "/api/crew/assignment/answer", said)
        if not said["accept"]:  # the call waits again; here its operator cancels it
            self.stats.refusals += 1
            why = {"status": "cancelled", "reason": "simulation: the crew refused"}
            await self._operator("POST", f"/api/calls/{call_id}/status", why)
            await self._idle(60.0)
            await self._crew("POST", "/api/crew/duty", {"on_duty": True})
            return
        self.stats.missions_started += 1
        hospital_id = referred["referral"]["hospital_id"]
        triage = call["call"]["triage"]
        await self._drive(incident)
        await self._crew_status(call_id, "on_scene")  # if the geofence has not said so already
        await self._idle(self.settings.on_scene_s)
        await self._record_vitals(call_id, triage)
        await self._crew_status(call_id, "transporting")
        await self._drive(self.region.hospital(hospital_id).location)
        await self._record_vitals(call_id, triage)
        await self._crew_status(call_id, "at_hospital")
        await self._idle(self.settings.on_scene_s)
        await self._operator("POST", f"/api/calls/{call_id}/status", {"status": "closed"})
        self.stats.missions_done += 1
        await self._drive(self.crew.home)

    async def _operator(self, method: str, path: str, body: dict[str, Any]) -> Any:
        headers = {"Authorization": f"Bearer {self.settings.operator_key}"}
        return await self._request(method, path, body, headers)

    async def _crew(self, method: str, path: str, body: dict[str, Any]) -> Any:
        return await self._request(method, path, body, {"Authorization": f"Bearer {self.crew.key}"})

    async def _record_vitals(self, call_id: int, triage: str) -> None:
        entry = {
            "recorded_at": self.clock().isoformat(),
            "vitals": simulated_care.vitals(self.rng, triage),
        }
        if await self._crew("POST", f"/api/calls/{call_id}/care", entry) is not None:
            self.stats.vitals_recorded += 1

    async def _crew_status(self, call_id: int, status: str) -> None:
        headers = {"Authorization": f"Bearer {self.crew.key}"}
        path = f"/api/calls/{call_id}/status"
        # 409: the geofence moved the call already, which is what should happen.
        await self._request("POST", path, {"status": status}, headers, conflict_ok=True)

    async def _request(
        self,
        method: str,
        path: str,
        body: dict[str, Any],
        headers: dict[str, str],
        *,
        conflict_ok: bool = False,
    ) -> Any:
        try:
            response = await self.http.request(method, path, json=body, headers=headers)
        except httpx2.HTTPError as exc:
            self.stats.errors[f"http {type(exc).__name__}"] += 1
            return None
        if response.status_code == 409 and conflict_ok:
            return None
        if response.status_code >= 400:
            self.stats.errors[f"{path.rsplit('/', maxsplit=1)[-1]} {response.status_code}"] += 1
            return None
        return response.json()

    # --- driving ------------------------------------------------------------------------------

    def _random_destination(self) -> LonLat:
        network = self.region.network
        radius = self.settings.mission_radius_m
        for _ in range(200):
            node = self.rng.randrange(network.node_count)
            point = LonLat(float(network.node_lon[node]), float(network.node_lat[node]))
            if 500.0 < haversine_m(self.crew.home, point) < radius:
                return point
        return self.crew.home

    async def _drive(self, destination: LonLat) -> None:
        try:
            route = self.region.route(self.here, destination)
        except RoutingError:
            self.stats.errors["no route"] += 1
            await self._idle(5.0)
            return
        coords = [(float(c[0]), float(c[1])) for c in route.geometry.coords]
        trip = Trip(coords, route.travel_time_s)
        started = self.loop.time()
        while (elapsed := self.loop.time() - started) < trip.duration_s:
            here, heading = trip.at(elapsed)
            await self._tick(here, heading, trip.speed_mps)
        self.here = destination
        await self._tick(destination, 0.0, 0.0)

    async def _idle(self, seconds: float) -> None:
        until = self.loop.time() + seconds
        while self.loop.time() < until:
            await self._tick(self.here, 0.0, 0.0)

    async def _tick(self, here: LonLat, heading: float, speed_mps: float) -> None:
        """Send one fix (or buffer it in a tunnel), then wait for the next period."""
        period = 1.0 / self.settings.rate_hz
        next_at = self.loop.time() + period
        self.here = here
        if self.stopping.is_set():
            raise RunOverError
        await self._send(self._fix(here, heading, speed_mps))
        await self._pause(next_at - self.loop.time())

    async def _pause(self, seconds: float) -> None:
        """Wait, unless the run is over: then stop at once."""
        try:
            await asyncio.wait_for(self.stopping.wait(), max(0.0, seconds))
        except TimeoutError:
            return
        raise RunOverError

    def _fix(self, here: LonLat, heading: float, speed_mps: float) -> dict[str, Any]:
        noise = self.settings.noise_m / EARTH_M_PER_DEG
        lon = here.lon + self.rng.gauss(0, noise) / math.cos(math.radians(here.lat))
        lat = here.lat + self.rng.gauss(0, noise)
        fix: dict[str, Any] = {
            "lon": round(lon, 7),
            "lat": round(lat, 7),
            "fix_time": self.clock().isoformat(),
            "speed_mps": round(speed_mps, 1),
            "heading_deg": heading,
            "accuracy_m": round(abs(self.rng.gauss(5, 2)) + 2, 1),
        }
        if self.rng.random() < self.settings.bad_fix_probability:
            self.stats.bad_fixes_sent += 1
            kind = self.rng.choice(("jump", "future", "inaccurate"))
            if kind == "jump":  # 30 km away one second later
                fix["lat"] = round(lat + 0.27, 7)
            elif kind == "future":
                fix["fix_time"] = (self.clock() + timedelta(hours=1)).isoformat()
            else:
                fix["accuracy_m"] = 800.0
        return fix

    async def _send(self, fix: dict[str, Any]) -> None:
        now = self.loop.time()
        tunnel_every = self.settings.tunnel_every_s
        if now < self.offline_until:
            self.buffer.append(fix)
            return
        if self.buffer:
            await self._backfill()
        if tunnel_every and self.rng.random() < 1.0 / (tunnel_every * self.settings.rate_hz):
            self.stats.tunnels += 1
            self.offline_until = now + self.settings.tunnel_s
            await close_quietly(self.socket)  # the phone loses its connection
            self.socket = None
            self.buffer.append(fix)
            return
        await self._send_live(fix)

    async def _send_live(self, fix: dict[str, Any]) -> None:
        for attempt in range(2):
            try:
                socket = await self._socket()
                self.seq += 1
                await socket.send(json.dumps({"type": "fix", "seq": self.seq, "fix": fix}))
                answer = json.loads(await asyncio.wait_for(socket.recv(), 30.0))
                if answer.get("type") != "ack":  # not stored (database down): keep it
                    self.stats.errors[f"crew socket {answer.get('type')}"] += 1
                    break
                self.stats.fixes_sent += 1
                self._count(answer)
                return
            except (OSError, WebSocketException, TimeoutError) as exc:
                self.stats.errors[f"ws {type(exc).__name__}"] += 1
                await close_quietly(self.socket)
                self.socket = None
                if attempt == 0:
                    self.stats.reconnects += 1
        self.buffer.append(fix)  # sent later by backfill, like a phone would

    async def _socket(self) -> ClientConnection:
        if self.socket is None:
            self.socket = await connect(
                self._ws_url,
                additional_headers={"Authorization": f"Bearer {self.crew.key}"},
                open_timeout=30,
                compression=None,  # fixes are ~200 bytes: deflate costs CPU on both ends
            )
        return self.socket

    def _count(self, answer: dict[str, Any]) -> None:
        self.stats.fixes_stored += answer["stored"]
        self.stats.duplicates += answer["duplicates"]
        self.stats.rejected.update(answer["rejected"])

    async def _backfill(self) -> None:
        """After the tunnel: the buffered fixes through the offline backfill endpoint."""
        batch, self.buffer = self.buffer, []
        answer = await self._request(
            "POST",
            f"/api/ambulances/{self.crew.ambulance_id}/fixes",
            {"fixes": batch},
            {"Authorization": f"Bearer {self.crew.key}"},
        )
        if answer is None:
            self.buffer = batch + self.buffer  # keep them; try again on the next fix
            return
        self.stats.fixes_sent += len(batch)
        self.stats.backfilled += len(batch)
        self.stats.fixes_stored += answer["stored"]
        self.stats.duplicates += answer["duplicates"]
        self.stats.rejected.update(answer["rejected"])


async def close_quietly(socket: ClientConnection | None, timeout_s: float = 2.0) -> None:
    """Close a socket that may already be gone; drop it if the closing handshake stalls."""
    if socket is None:
        return
    closing = asyncio.ensure_future(socket.close())
    done, _ = await asyncio.wait({closing}, timeout=timeout_s)
    if not done:  # the other side does not answer: a phone would just drop the connection
        socket.transport.abort()
        closing.cancel()
    elif not closing.cancelled():
        closing.exception()  # retrieved: a failed close of a dead socket is no news
