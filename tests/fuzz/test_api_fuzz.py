"""Schemathesis against the service's own OpenAPI schema: every operation, with a valid key
of each role, on a real `satria serve`, on SQLite and on PostgreSQL. No answer may be a 5xx,
and every 4xx must be a problem+json body that names the fault. With the operator's and the
administrator's keys, every answer must also be what the schema documents: all of
Schemathesis's checks (status codes, content types, headers, response schemas).

``DELETE /api/keys/{key_id}`` is left out: with small integer ids the fuzzer would revoke the
keys it is using (revocation is tested in tests/app/test_permissions.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from routing.pack import DEFAULT_REGIONS_DIR
from tests.app.conftest import BACKENDS, fresh_database
from tests.live_server import LiveServer, live_server

CONFORMING = ("operator", "admin")  # every check of Schemathesis, on every answer
ROLES = {
    "operator": ("operator",),
    "admin": ("admin",),
    "hospital": ("hospital", "--hospital", "rsud-purwa"),
    "crew": ("crew", "--ambulance", "psc119-purwa-1"),
    "facility": ("facility", "--lon", "109.1076", "--lat", "-7.3626"),
    "agency": ("agency", "--incidents", "traffic_accident,fire"),
}
EXAMPLES = 12  # per operation, each sent with every role's key and none
# Every check, as configured by default, but one: the service validates more than a schema can
# say (a point inside the served region, a category of the loaded taxonomy, a NIK's district
# and date), so a schema-valid request may be refused with its documented 422 problem.
CONFIG = SchemathesisConfig.from_dict(
    {"checks": {"positive_data_acceptance": {
        "expected-statuses": ["2xx", "401", "403", "404", "409", "422", "429"]}}}
)  # fmt: skip


@pytest.fixture(scope="module", params=BACKENDS)
def fuzz_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LiveServer, dict[str, str]]]:
    folder: Path = tmp_path_factory.mktemp("fuzz")
    with fresh_database(request.param, folder) as database_url:
        yield from _serve(folder, database_url)


def _serve(folder: Path, database_url: str) -> Iterator[tuple[LiveServer, dict[str, str]]]:
    config = {
        "SATRIA_DATABASE_URL": database_url,
        "SATRIA_DATA_DIR": str(folder / "var"),
        "SATRIA_RATE_LIMIT": "",  # every example reaches its route
        "SATRIA_REGIONS_DIR": str(DEFAULT_REGIONS_DIR),
        "SATRIA_BROKER_URL": "memory://",
    }
    with live_server(config, folder / "serve.log") as server:
        keys = {who: server.create_user(f"fuzz {who}", *args) for who, args in ROLES.items()}
        yield server, keys


@pytest.fixture(scope="module")
def api_schema(fuzz_server: tuple[LiveServer, dict[str, str]]) -> Any:
    server, _ = fuzz_server
    loaded = schemathesis.openapi.from_url(f"{server.url}/openapi.json", config=CONFIG)
    return loaded.exclude(method="DELETE", path="/api/keys/{key_id}")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,  # the same requests every run: a failure can be replayed
)
def test_no_server_error_and_every_refusal_names_its_fault(
    case: Any, fuzz_server: tuple[LiveServer, dict[str, str]]
) -> None:
    server, keys = fuzz_server
    for role in (*sorted(ROLES), None):  # each role's key, and no key at all
        headers = {"Authorization": f"Bearer {keys[role]}"} if role else {}
        response = case.call(base_url=server.url, headers=headers)
        where = f"{case.method} {case.path} as {role}"
        if role in CONFORMING:
            case.validate_response(response, headers=headers)
        assert response.status_code < 500, f"{where}: {response.text[:500]}"
        if 400 <= response.status_code < 500:
            content_type = response.headers.get("content-type", [""])[0]  # values are lists
            assert content_type.startswith("application/problem+json"), (
                f"{where} {response.status_code}: {response.text[:300]}"
            )
            body = response.json()
            assert body["status"] == response.status_code and body["title"] and body["detail"]
