"""A live `satria serve` for hostile clients, on SQLite and on PostgreSQL (each test module
runs against both), with a key per role and nine crews bound to nine ambulances."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx2
import pytest

from tests.app.conftest import BACKENDS, fresh_database
from tests.live_server import LiveServer, column, live_server

CREWS = 9
KEY_CACHE_S = 3.0  # open sockets of a revoked key must close within this


@dataclass
class Hostile:
    """A running service, its database and its users."""

    server: LiveServer
    database_url: str
    backend: str
    keys: dict[str, str] = field(default_factory=dict, repr=False)
    key_ids: dict[str, int] = field(default_factory=dict)
    ambulances: dict[str, str] = field(default_factory=dict)  # crew name -> ambulance id

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[who]}"}

    def ws(self, path: str) -> str:
        return self.server.url.replace("http", "ws", 1) + path

    def client(self, who: str | None = None) -> httpx2.Client:
        headers = self.auth(who) if who else {}
        return httpx2.Client(base_url=self.server.url, headers=headers, timeout=30)

    def log(self) -> str:
        return self.server.log_path.read_text(encoding="utf-8", errors="replace")

    def scalars(self, sql: str) -> list[Any]:
        return column(self.database_url, sql)

    def add_user(self, who: str, **body: Any) -> str:
        """A user made through the API (fast), with its key kept under ``who``."""
        with self.client("admin") as admin:
            made = admin.post("/api/users", json={"name": f"hostile {who}", **body})
        assert made.status_code == 201, made.text
        self.keys[who], self.key_ids[who] = made.json()["key"], made.json()["key_id"]
        return self.keys[who]


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def fix_message(seq: int, fix_time: str, lon: float = 109.24, lat: float = -7.36) -> str:
    fix = {"lon": lon, "lat": lat, "fix_time": fix_time, "speed_mps": 10.0}
    return json.dumps({"type": "fix", "seq": seq, "fix": fix})


@pytest.fixture(scope="package", params=BACKENDS)
def hostile(
    request: pytest.FixtureRequest, demo_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Hostile]:
    folder = tmp_path_factory.mktemp(f"hostile-{request.param}")
    with fresh_database(request.param, folder) as database_url:
        settings = {
            "SATRIA_DATABASE_URL": database_url,
            "SATRIA_DATA_DIR": str(folder / "var"),
            "SATRIA_REGIONS_DIR": str(demo_dir.parent),
            "SATRIA_RATE_LIMIT": "",  # these clients are hostile in kind, not in number
            "SATRIA_CREW_MESSAGES_PER_S": "1000",
            "SATRIA_KEY_CACHE_S": str(KEY_CACHE_S),
            "SATRIA_LOG_FORMAT": "json",
            "SATRIA_SPEED_PROFILE": "",
        }
        with live_server(settings, folder / "serve.log") as server:
            service = Hostile(server, database_url, request.param)
            service.keys["admin"] = server.create_user("hostile admin", "admin")
            with service.client("admin") as admin:
                ambulances = sorted(a["id"] for a in admin.get("/api/ambulances").json())
            service.add_user("operator", role="operator")
            service.add_user("hospital", role="hospital", hospital_id="rsud-purwa")
            service.add_user("agency", role="agency", incidents=["traffic_accident"])
            for i in range(CREWS):
                service.ambulances[f"crew{i}"] = ambulances[i]
                service.add_user(f"crew{i}", role="crew", ambulance_id=ambulances[i])
            yield service
