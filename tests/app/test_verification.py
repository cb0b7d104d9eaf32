"""NIK verification against a real local HTTP registry and the local registry table: the
outcomes, the slow and the failing registry, and calls that never wait for any of it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

from app.core.security import PersonalDataVault
from app.models import Verification
from app.services.registry import import_csv
from app.services.verification import (
    BreakerState,
    CircuitBreaker,
    HttpRegistryVerifier,
    Patience,
    RegistryLogin,
)
from bench.registry import PASSWORD, USER, RegistryServer
from routing import Region
from tests.app.conftest import SECRET, Service, running_service

KNOWN = "3302264107900001"  # registered as SITI AMINAH
OTHER = "3302190101850003"  # not registered


@pytest.fixture
def registry() -> Iterator[RegistryServer]:
    server = RegistryServer({KNOWN: "SITI AMINAH"})
    yield server
    server.stop()


def verifier(
    server: RegistryServer,
    *,
    password: str = PASSWORD,
    timeout_s: float = 0.5,
    attempts: int = 2,
    breaker: CircuitBreaker | None = None,
) -> HttpRegistryVerifier:
    return HttpRegistryVerifier(
        server.url, RegistryLogin(USER, password), Patience(timeout_s, attempts, backoff_s=0.01),
        breaker or CircuitBreaker(3, 30.0),
    )  # fmt: skip


def check(v: HttpRegistryVerifier, nik: str, name: str | None) -> tuple[Verification, str]:
    async def run() -> tuple[Verification, str]:
        try:
            outcome = await v.verify(nik, name)
        finally:
            await v.aclose()
        return outcome.status, outcome.detail

    return asyncio.run(run())


def test_registry_outcomes(registry: RegistryServer) -> None:
    assert check(verifier(registry), KNOWN, "Siti Aminah")[0] is Verification.VERIFIED
    assert check(verifier(registry), KNOWN, None)[0] is Verification.VERIFIED
    assert check(verifier(registry), KNOWN, "Budi")[0] is Verification.MISMATCH
    assert check(verifier(registry), OTHER, "Budi")[0] is Verification.NOT_FOUND


def test_wrong_credentials_are_an_unavailable_registry(registry: RegistryServer) -> None:
    outcome, detail = check(verifier(registry, password="wrong"), KNOWN, None)
    assert outcome is Verification.UNAVAILABLE and "401" in detail


def test_a_slow_registry_times_out_after_each_attempt(registry: RegistryServer) -> None:
    registry.mode, registry.delay_s = "slow", 3.0
    outcome, detail = check(verifier(registry, timeout_s=0.2, attempts=2), KNOWN, None)
    assert outcome is Verification.UNAVAILABLE and "timed out" in detail
    assert registry.requests == 2


def test_server_errors_are_retried_then_open_the_circuit(registry: RegistryServer) -> None:
    clock = [0.0]
    breaker = CircuitBreaker(2, 30.0, clock=lambda: clock[0])
    registry.mode = "error"
    for _ in range(2):
        outcome, detail = check(verifier(registry, breaker=breaker), KNOWN, None)
        assert outcome is Verification.UNAVAILABLE and "503" in detail
    assert registry.requests == 4  # two attempts each
    assert breaker.state is BreakerState.OPEN
    # Open: answered at once, the registry is not asked.
    outcome, detail = check(verifier(registry, breaker=breaker), KNOWN, None)
    assert outcome is Verification.UNAVAILABLE and "circuit open" in detail
    assert registry.requests == 4
    # After the reset time one trial goes through; the registry is back, the circuit closes.
    registry.mode = "normal"
    clock[0] = 31.0
    assert check(verifier(registry, breaker=breaker), KNOWN, None)[0] is Verification.VERIFIED
    assert breaker.state is BreakerState.CLOSED


def test_a_failed_trial_opens_the_circuit_again() -> None:
    clock = [0.0]
    breaker = CircuitBreaker(1, 10.0, clock=lambda: clock[0])
    breaker.failed()
    assert not breaker.allow()
    clock[0] = 10.0
    assert breaker.allow() and breaker.state is BreakerState.HALF_OPEN
    breaker.failed()
    assert breaker.state is BreakerState.OPEN and not breaker.allow()


def wait_for(probe: Callable[[], Any], timeout_s: float = 15.0) -> Any:
    """Poll until ``probe`` returns something truthy (the background work is asynchronous)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if result := probe():
            return result
        time.sleep(0.05)
    msg = "condition not met in time"
    raise AssertionError(msg)


def verification_of(service: Service, call_id: int) -> dict[str, Any] | None:
    body = service.client.get(f"/api/calls/{call_id}", headers=service.auth("operator")).json()
    result: dict[str, Any] = body["verification"]
    return result if result["status"] != "pending" else None


def http_settings(registry: RegistryServer, **changes: Any) -> dict[str, Any]:
    return {
        "registry_url": registry.url,
        "registry_user": USER,
        "registry_password": PASSWORD,
        "registry_timeout_s": 0.3,
        "registry_attempts": 1,
        **changes,
    }


def test_calls_never_wait_for_the_registry(
    database_url: str, demo: Region, tmp_path: Path, registry: RegistryServer
) -> None:
    # The registry holds every request until released: the call is answered meanwhile.
    registry.mode = "hold"
    with running_service(database_url, tmp_path, demo, **http_settings(registry)) as service:
        created = service.call(caller={"nik": KNOWN, "name": "Siti Aminah"})
        call_id = created["call"]["id"]
        assert created["call"]["status"] == "received"  # stored and answered...
        assert created["call"]["verification"]["status"] == "pending"  # ...registry pending
        outcome = wait_for(lambda: verification_of(service, call_id))
        assert outcome["status"] == "registry_unavailable" and "timed out" in outcome["detail"]
        registry.released.set()
        registry.mode = "normal"
        fresh = service.call(caller={"nik": KNOWN, "name": "Siti Aminah"})["call"]["id"]
        assert wait_for(lambda: verification_of(service, fresh))["status"] == "verified"
        events = service.client.get(
            "/api/audit", params={"action": "call.verification", "entity_id": str(fresh)},
            headers=service.auth("admin"),
        ).json()  # fmt: skip
        assert events[0]["detail"]["outcome"] == "verified"


def test_a_registry_that_is_down_opens_the_circuit_and_calls_flow_on(
    database_url: str, demo: Region, tmp_path: Path, registry: RegistryServer
) -> None:
    settings = http_settings(registry, registry_breaker_failures=2)
    with running_service(database_url, tmp_path, demo, **settings) as service:
        registry.stop()
        outcomes = []
        for _ in range(4):
            created = service.call(caller={"nik": KNOWN})
            assert created["call"]["status"] == "received"
            call_id = created["call"]["id"]
            outcomes.append(wait_for(lambda call_id=call_id: verification_of(service, call_id)))
        assert {o["status"] for o in outcomes} == {"registry_unavailable"}
        assert "connection failed" in outcomes[0]["detail"]
        assert "circuit open" in outcomes[-1]["detail"]


def test_local_registry_verifies_and_an_invalid_nik_is_flagged_at_once(
    database_url: str, demo: Region, tmp_path: Path
) -> None:
    residents = tmp_path / "residents.csv"
    residents.write_text(
        f"nik,name\n{KNOWN},Siti Aminah\n3302264107900000,Zero Serial\n9902264107900001,Nowhere\n"
    )
    with running_service(database_url, tmp_path, demo) as service:
        with Session(service.app.state.engine) as session:
            result = import_csv(session, PersonalDataVault(SECRET.encode()), residents)
        assert (result.added, result.rejected) == (
            1, ["line 3: zero_serial", "line 4: unknown_province"],
        )  # fmt: skip
        cases = {
            "verified": {"nik": KNOWN, "name": "SITI  aminah"},
            "data_mismatch": {"nik": KNOWN, "name": "Budi"},
            "not_found": {"nik": OTHER},
        }
        for expected, caller in cases.items():
            call_id = service.call(caller=caller)["call"]["id"]
            assert wait_for(lambda c=call_id: verification_of(service, c))["status"] == expected
        invalid = service.call(caller={"nik": "3302264107900000"})["call"]
        assert invalid["status"] == "received"
        assert invalid["verification"] == {
            "status": "invalid_nik", "detail": "invalid NIK: zero_serial",
            "at": invalid["verification"]["at"],
        }  # fmt: skip


def test_verification_left_pending_by_a_stop_resumes_at_the_next_start(
    database_url: str, demo: Region, tmp_path: Path, registry: RegistryServer
) -> None:
    registry.mode = "hold"  # the registry never answers before the service stops
    settings = http_settings(registry, registry_timeout_s=20.0)
    with running_service(database_url, tmp_path, demo, **settings) as service:
        call_id = service.call(caller={"nik": KNOWN, "name": "Siti Aminah"})["call"]["id"]
        wait_for(lambda: registry.requests)
    back = RegistryServer({KNOWN: "SITI AMINAH"})
    try:
        with running_service(database_url, tmp_path, demo, **http_settings(back)) as service:
            assert wait_for(lambda: verification_of(service, call_id))["status"] == "verified"
    finally:
        back.stop()
        registry.released.set()


def test_a_verification_orphaned_by_a_dead_worker_is_taken_up_by_a_live_one(
    database_url: str, demo: Region, tmp_path: Path, registry: RegistryServer
) -> None:
    """Worker A takes a call and dies while the registry has not answered; worker B, running
    all along, finds the call pending far longer than a check can take and verifies it, with
    no restart."""
    registry.mode = "hold"
    back = RegistryServer({KNOWN: "SITI AMINAH"})
    try:
        live = http_settings(back, registry_timeout_s=0.5)  # a check takes 2.5 s at most
        with running_service(database_url, tmp_path / "b", demo, **live) as worker_b:
            dying = http_settings(registry, registry_timeout_s=20.0)
            with running_service(database_url, tmp_path / "a", demo, **dying) as worker_a:
                call = worker_a.call(caller={"nik": KNOWN, "name": "Siti Aminah"})["call"]
                wait_for(lambda: registry.requests)
            assert verification_of(worker_b, call["id"]) is None  # still pending
            outcome = wait_for(lambda: verification_of(worker_b, call["id"]), timeout_s=30)
            assert outcome["status"] == "verified"
    finally:
        back.stop()
        registry.released.set()
