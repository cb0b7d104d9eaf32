"""Checking a caller's NIK against the civil registry, without ever holding up a call.

Two verifiers answer the same question (is this NIK registered, under this name?):

- ``HttpRegistryVerifier`` asks a Dukcapil-style web service: ``POST {base}/v1/nik/verify``
  with ``{"nik": ..., "name": ...}`` and HTTP Basic credentials; ``200 {"found": true,
  "name_match": true|false|null}`` or ``404``. Each attempt has a timeout, failures are
  retried with backoff, and a circuit breaker stops asking a registry that keeps failing
  (every call then gets "registry unavailable" at once, until one trial succeeds).
- ``LocalRegistryVerifier`` looks the keyed hash up in the registry table imported from CSV.

The verifier only ever sees the NIK in memory; the outcome stored on the call is a status
and a short reason.
"""

from __future__ import annotations

import asyncio
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple, Protocol

import httpx2
from sqlalchemy import Engine
from sqlalchemy import select as sa_select
from sqlmodel import col
from tenacity import (
    AsyncRetrying,
    RetryError,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from app.core.security import PersonalDataVault
from app.models import RegistryPerson, Verification


class Outcome(NamedTuple):
    """What the registry said: a status and a reason an operator can read."""

    status: Verification
    detail: str


class Verifier(Protocol):
    """Anything that can check a NIK (and optionally a name) against a registry."""

    async def verify(self, nik: str, name: str | None) -> Outcome:
        """The registry's answer; never raises for the registry's own failures."""
        ...


def normalise_name(name: str) -> str:
    """Case, accents, punctuation and spacing folded, so that 'Siti  Aminah' = 'SITI AMINAH'."""
    decomposed = unicodedata.normalize("NFKD", name)
    letters = "".join(c for c in decomposed if c.isalnum() or c.isspace())
    return " ".join(letters.casefold().split())


def _outcome(found: bool, name_match: bool | None) -> Outcome:
    if not found:
        return Outcome(Verification.NOT_FOUND, "NIK not in the civil registry")
    if name_match is False:
        return Outcome(Verification.MISMATCH, "NIK registered under another name")
    return Outcome(
        Verification.VERIFIED, "NIK registered" + (" with this name" if name_match else "")
    )


class LocalRegistryVerifier:
    """The registry table imported from CSV (offline use)."""

    def __init__(self, engine: Engine, vault: PersonalDataVault) -> None:
        self._engine = engine
        self._vault = vault

    async def verify(self, nik: str, name: str | None) -> Outcome:
        """Look the NIK up by its keyed hash; compare the name's keyed hash if given."""
        return await asyncio.to_thread(self._lookup, nik, name)

    def _lookup(self, nik: str, name: str | None) -> Outcome:
        query = sa_select(col(RegistryPerson.name_hash)).where(
            col(RegistryPerson.nik_hash) == self._vault.lookup_hash(nik)
        )
        with self._engine.connect() as connection:  # Core: one value, no ORM object
            found = connection.execute(query).first()
        if found is None:
            return _outcome(False, None)
        match = self._vault.lookup_hash(normalise_name(name)) == found[0] if name else None
        return _outcome(True, match)


class BreakerState(StrEnum):
    """Circuit breaker states."""

    CLOSED = "closed"  # calls go through
    OPEN = "open"  # calls fail fast until the reset time
    HALF_OPEN = "half_open"  # one trial call decides


@dataclass
class CircuitBreaker:
    """Stops calling a failing dependency, then lets one trial through after ``reset_s``.

    Small and synchronous on purpose: it is used from one event loop, and the Python
    breakers on PyPI are either sync-only or wrap the call in ways that hide our retries.
    """

    failures_to_open: int
    reset_s: float
    clock: Callable[[], float] = time.monotonic
    state: BreakerState = BreakerState.CLOSED
    failures: int = 0
    opened_at: float = field(default=0.0)

    def allow(self) -> bool:
        """May a call go through now?"""
        if self.state is BreakerState.OPEN and self.clock() - self.opened_at >= self.reset_s:
            self.state = BreakerState.HALF_OPEN
            return True
        return self.state is BreakerState.CLOSED

    def succeeded(self) -> None:
        """A call worked: close the circuit."""
        self.state, self.failures = BreakerState.CLOSED, 0

    def failed(self) -> None:
        """A call failed: open after enough failures, or at once after a failed trial."""
        self.failures += 1
        if self.state is BreakerState.HALF_OPEN or self.failures >= self.failures_to_open:
            self.state, self.opened_at = BreakerState.OPEN, self.clock()


class RegistryFailureError(Exception):
    """The registry answered with a server error or an unreadable body (retryable)."""


@dataclass(frozen=True)
class RegistryLogin:
    """The registry's HTTP Basic credentials (none when ``user`` is empty)."""

    user: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class Patience:
    """How long one attempt may take (s), how many attempts, the first backoff (s)."""

    timeout_s: float
    attempts: int
    backoff_s: float = 0.2


class HttpRegistryVerifier:
    """A Dukcapil-style registry over HTTP, with timeouts, retries and a circuit breaker."""

    def __init__(
        self, base_url: str, login: RegistryLogin, patience: Patience, breaker: CircuitBreaker
    ) -> None:
        self._client = httpx2.AsyncClient(
            base_url=base_url.rstrip("/"),
            auth=httpx2.BasicAuth(login.user, login.password) if login.user else None,
            timeout=httpx2.Timeout(patience.timeout_s),
        )
        self._attempts = patience.attempts
        self._backoff_s = patience.backoff_s
        self.breaker = breaker

    async def verify(self, nik: str, name: str | None) -> Outcome:
        """Ask the registry; "registry unavailable" when it fails or the circuit is open."""
        if not self.breaker.allow():
            return Outcome(
                Verification.UNAVAILABLE, "registry circuit open after repeated failures"
            )
        try:
            found, name_match = await self._ask_with_retries(nik, name)
        except (RetryError, httpx2.HTTPError, RegistryFailureError) as exc:
            self.breaker.failed()
            return Outcome(Verification.UNAVAILABLE, f"registry did not answer ({_why(exc)})")
        self.breaker.succeeded()
        return _outcome(found, name_match)

    async def _ask_with_retries(self, nik: str, name: str | None) -> tuple[bool, bool | None]:
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._attempts),
            wait=wait_exponential(multiplier=self._backoff_s, max=2.0),
            retry=retry_if_exception_type((httpx2.TransportError, RegistryFailureError)),
        )
        async for attempt in retrying:
            with attempt:
                return await self._ask(nik, name)
        raise AssertionError  # pragma: no cover - tenacity either returns or raises

    async def _ask(self, nik: str, name: str | None) -> tuple[bool, bool | None]:
        response = await self._client.post("/v1/nik/verify", json={"nik": nik, "name": name})
        if response.status_code == 404:
            return False, None
        if response.status_code != 200:
            msg = f"HTTP {response.status_code}"
            raise RegistryFailureError(msg)
        try:
            body = response.json()
            return bool(body["found"]), body.get("name_match")
        except (ValueError, KeyError, TypeError):
            msg = "unreadable answer"
            raise RegistryFailureError(msg) from None

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        await self._client.aclose()


def _why(exc: BaseException) -> str:
    """A short reason without the request (whose body holds the NIK)."""
    if isinstance(exc, RetryError):
        inner = exc.last_attempt.exception()
        return _why(inner) if inner is not None else "retries exhausted"
    if isinstance(exc, httpx2.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx2.TransportError):
        return "connection failed"
    return str(exc) or type(exc).__name__
