"""Databases and running services for the service tests.

Every database test runs on SQLite and, when SATRIA_TEST_POSTGRES_URL is set (``.ci/run``
sets it), on PostgreSQL too: each gets its own schema, dropped afterwards. When the variable
is set and the server cannot be reached, the tests fail: CI asked for PostgreSQL.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine
from sqlmodel import Session

from app.core.config import Settings
from app.core.db import make_engine, upgrade
from app.main import create_app
from app.models import Incident, Role
from app.services import users
from routing import LonLat, Region
from tests.live_server import postgres_schema

POSTGRES_URL = os.environ.get("SATRIA_TEST_POSTGRES_URL", "")
BACKENDS = ["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"]
SECRET = "test secret, not for production"


@contextmanager
def fresh_database(backend: str, folder: Path) -> Iterator[str]:
    """An empty database on this backend, removed afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'satria.db'}"
        return
    with postgres_schema(POSTGRES_URL, prefix="t_") as url:
        yield url


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL on each backend."""
    with fresh_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture(scope="module", params=BACKENDS)
def module_database_url(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    pinned_clock: datetime | None,
) -> Iterator[str]:
    """A database shared by the tests of one module, on each backend; a fresh one for each
    pinned instant (a day's readiness reports are stale on another day)."""
    with fresh_database(request.param, tmp_path_factory.mktemp("db")) as url:
        yield url


@dataclass
class Service:
    """A running app with one user (and key) per role, bound to real demo entities."""

    client: TestClient
    app: FastAPI
    keys: dict[str, str] = field(default_factory=dict)
    user_ids: dict[str, int] = field(default_factory=dict)
    hospital_id: str = "rsud-purwa"
    other_hospital_id: str = "rs-islam-purwa"
    ambulance_id: str = ""
    other_ambulance_id: str = ""

    def auth(self, who: str) -> dict[str, str]:
        """Headers for a user: operator, admin, crew, crew_other, hospital, hospital_other,
        facility, agency."""
        return {"Authorization": f"Bearer {self.keys[who]}"}

    def call(self, who: str = "operator", **body: Any) -> dict[str, Any]:
        """Create a call (STEMI in Kota Purwa by default) and return the response body."""
        payload = {"category": "stemi", "triage": "merah", "lon": 109.233, "lat": -7.39, **body}
        response = self.client.post("/api/calls", json=payload, headers=self.auth(who))
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result


USERS: dict[str, tuple[Role, dict[str, Any]]] = {
    "operator": (Role.OPERATOR, {}),
    "operator_other": (Role.OPERATOR, {}),
    "admin": (Role.ADMIN, {}),
    "crew": (Role.CREW, {"ambulance_id": "{ambulance}"}),
    "crew_other": (Role.CREW, {"ambulance_id": "{other_ambulance}"}),
    "hospital": (Role.HOSPITAL, {"hospital_id": "rsud-purwa"}),
    "hospital_other": (Role.HOSPITAL, {"hospital_id": "rs-islam-purwa"}),
    "hospital_system": (Role.HOSPITAL_SYSTEM, {"hospital_id": "rsud-purwa"}),
    "health_office": (Role.HEALTH_OFFICE, {}),
    "citizen": (Role.CITIZEN, {}),  # an account's key comes from tests/app/test_public_door.py
    "facility": (Role.FACILITY, {"facility": LonLat(109.05, -7.41)}),
    "agency": (Role.AGENCY, {"incidents": [Incident.TRAFFIC_ACCIDENT, Incident.FIRE]}),
}


@contextmanager
def _migrated(url: str) -> Iterator[Engine]:
    upgrade(url)
    made = make_engine(url)
    with Session(made) as session:
        users.create_user(session, users.NewUser("operator", Role.OPERATOR))
        session.commit()
    yield made
    made.dispose()


@pytest.fixture
def migrated_engine(database_url: str) -> Iterator[Engine]:
    """An engine on a fresh, migrated database with one operator (user 1)."""
    with _migrated(database_url) as engine:
        yield engine


@pytest.fixture(scope="module")
def module_engine(module_database_url: str) -> Iterator[Engine]:
    """An engine on the module's database, migrated once, with one operator (user 1)."""
    with _migrated(module_database_url) as engine:
        yield engine


@contextmanager
def rolled_back_transaction(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction rolled back at the end. Sessions bound to it join its
    transaction: their commits are not the database's."""
    with engine.connect() as connection:
        transaction = connection.begin()
        try:
            yield connection
        finally:
            transaction.rollback()


@pytest.fixture
def rolled_back(module_engine: Engine) -> Iterator[Connection]:
    """Every test of the module starts from the same migrated database and leaves nothing
    behind (no cleaning up by hand, no migration per test)."""
    with rolled_back_transaction(module_engine) as connection:
        yield connection


@contextmanager
def running_service(
    database_url: str, data_dir: Path, region: Region, **settings: Any
) -> Iterator[Service]:
    """Start the app (lifespan included) and create one user per role. Rate limits are off
    unless a test sets them (tests send faster than any person or phone would)."""
    settings = {
        "rate_limit": "", "crew_messages_per_s": 10_000.0, "speed_profile": "",
        "secret_key": SECRET, **settings,
    }  # fmt: skip
    config = Settings(
        database_url=database_url,
        data_dir=data_dir,
        region="demo",
        regions_dir=region.directory.parent if region.directory else data_dir,
        **settings,
    )
    app = create_app(config, region=region)
    with TestClient(app) as client:
        service = Service(client, app)
        with Session(app.state.engine) as session:
            ambulances = sorted(a.id for a in _ambulances(session))
            service.ambulance_id, service.other_ambulance_id = ambulances[0], ambulances[1]
            for who, (role, binding) in USERS.items():
                bound = {
                    k: (
                        v.format(ambulance=ambulances[0], other_ambulance=ambulances[1])
                        if isinstance(v, str)
                        else v
                    )
                    for k, v in binding.items()
                }
                user = users.create_user(session, users.NewUser(f"test {who}", role, **bound))
                issued = users.issue_key(session, user_id=user.id or 0, days=30)
                service.keys[who], service.user_ids[who] = issued.key, user.id or 0
            session.commit()
        yield service


def _ambulances(session: Session) -> list[Any]:
    from sqlmodel import select  # noqa: PLC0415

    from app.models import Ambulance  # noqa: PLC0415

    return list(session.exec(select(Ambulance)))


@pytest.fixture(scope="module")
def service(
    module_database_url: str,
    demo: Region,
    tmp_path_factory: pytest.TempPathFactory,
    pinned_clock: datetime | None,
) -> Iterator[Service]:
    """A service shared by one module's tests (each test makes its own calls), started under
    the module's clock."""
    with running_service(module_database_url, tmp_path_factory.mktemp("data"), demo) as running:
        yield running
