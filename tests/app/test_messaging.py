"""The message gateway: an HTTP provider with timeouts and retries, tested against a local
server this test starts; every message kept in the outbox with its outcome; `satria outbox`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from sqlmodel import Session, select

from app.core.db import make_engine, upgrade
from app.core.security import PersonalDataVault
from app.models import OutboxMessage
from app.services.messaging import HttpGateway, Messenger, Provider

SECRET = "test outbox secret, not for production"


class FakeProvider(BaseHTTPRequestHandler):
    """Answers each POST with the next planned status (and a delay)."""

    plan: ClassVar[list[tuple[int, float]]] = []
    received: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).received.append({"body": body, "auth": self.headers.get("Authorization")})
        status, delay_s = type(self).plan.pop(0) if type(self).plan else (200, 0.0)
        time.sleep(delay_s)
        self.send_response(status)
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def provider() -> Iterator[str]:
    FakeProvider.plan, FakeProvider.received = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeProvider)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/send"
    server.shutdown()
    server.server_close()


@contextmanager
def gateway(url: str, *, timeout_s: float = 5.0, attempts: int = 3) -> Iterator[HttpGateway]:
    made = HttpGateway(Provider(url, "token-1", timeout_s, attempts, backoff_s=0.01))
    try:
        yield made
    finally:
        made.close()


def send(url: str, *, timeout_s: float = 5.0, attempts: int = 3) -> bool:
    with gateway(url, timeout_s=timeout_s, attempts=attempts) as made:
        return made.send("+6281311112222", "Kode: 123456")


def test_a_message_reaches_the_provider_with_its_token(provider: str) -> None:
    assert send(provider)
    (got,) = FakeProvider.received
    assert got == {
        "body": {"to": "+6281311112222", "text": "Kode: 123456"},
        "auth": "Bearer token-1",
    }


def test_a_failing_provider_is_retried_then_given_up(provider: str) -> None:
    FakeProvider.plan = [(503, 0.0), (200, 0.0)]
    assert send(provider)
    assert len(FakeProvider.received) == 2
    FakeProvider.plan = [(500, 0.0)] * 3
    assert not send(provider)
    FakeProvider.received.clear()
    FakeProvider.plan = [(400, 0.0)]
    assert not send(provider)  # a refusal is not retried
    assert len(FakeProvider.received) == 1


def test_a_slow_provider_times_out(provider: str) -> None:
    FakeProvider.plan = [(200, 1.0)] * 2
    started = time.perf_counter()
    assert not send(provider, timeout_s=0.2, attempts=2)
    assert time.perf_counter() - started < 1.5


def test_every_message_is_kept_with_its_outcome_and_shown_by_the_cli(
    provider: str, database_url: str, tmp_path: Path
) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)
    vault = PersonalDataVault(SECRET.encode())
    FakeProvider.plan = [(500, 0.0)] * 3
    with gateway(provider) as made:
        text = "Kode PSC 119 Anda: 654321."
        sent = Messenger(engine, vault, made).send("+6281311112222", text, purpose="citizen_code")
    assert not sent  # the provider failed three times: kept, not lost
    with Session(engine) as session:
        (row,) = session.exec(select(OutboxMessage)).all()
    assert row.sent is False and row.attempted_at is not None
    assert "654321" not in row.text_ciphertext and "6281311112222" not in row.phone_ciphertext
    engine.dispose()
    # `satria outbox` shows it to the developer, the phone masked.
    env = {**os.environ, "SATRIA_DATABASE_URL": database_url, "SATRIA_DATA_DIR": str(tmp_path),
           "SATRIA_SECRET_KEY": SECRET}  # fmt: skip
    shown = subprocess.run(
        [sys.executable, "-m", "app.cli", "outbox"], env=env, capture_output=True, text=True,
        timeout=120, check=True,
    ).stdout  # fmt: skip
    assert "Kode PSC 119 Anda: 654321." in shown and "(citizen_code, kept)" in shown
    assert "+6281311112222" not in shown and "222" in shown
