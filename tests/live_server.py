"""A real `satria serve` in a child process, for end-to-end tests and benchmarks: the test
harness, not the product (it is not installed with it).

Starts the console script on a free port with the given SATRIA_* settings, waits until
/healthz answers, creates users with `satria users create`, and stops the process (and its
workers) at the end. Its output goes to a log file that the caller can read afterwards.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
from sqlalchemy import create_engine, text


def column(database_url: str, sql: str) -> list[Any]:
    """The first column of a query's rows, on a connection of its own."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(text(sql)).scalars())
    finally:
        engine.dispose()


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class LiveServer:
    """A running service: its URL, settings and log file."""

    url: str
    env: dict[str, str]
    log_path: Path
    pid: int = 0  # of the process group

    def kill(self) -> None:
        """Kill the service at once (SIGKILL, workers included), as a crash would."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)

    def create_user(self, name: str, role: str, *extra: str) -> str:
        """A new user's API key, made with the `satria users create` command."""
        result = subprocess.run(
            [sys.executable, "-m", "app.cli", "users", "create", "--name", name, "--role", role,
             *extra],
            env=self.env, capture_output=True, text=True, timeout=120, check=True,
        )  # fmt: skip
        return result.stdout.strip().splitlines()[-1]

    def add_device(self, ambulance_id: str) -> str:
        """A new Traccar Client device identifier, made with `satria devices add`."""
        result = subprocess.run(
            [sys.executable, "-m", "app.cli", "devices", "add", "--ambulance", ambulance_id],
            env=self.env, capture_output=True, text=True, timeout=120, check=True,
        )  # fmt: skip
        return result.stdout.strip().splitlines()[-1]


@contextmanager
def live_server(
    settings: dict[str, str],
    log_path: Path,
    *,
    workers: int = 1,
    timeout_s: float = 120.0,
    command: tuple[str, ...] = ("serve",),
) -> Iterator[LiveServer]:
    """Run `satria serve` (or another serving command, such as ``("demo",)``) with these
    SATRIA_* settings until the block ends."""
    port = free_port()
    env = {**os.environ, **settings, "SATRIA_PORT": str(port), "PYTHONUNBUFFERED": "1"}
    if not env.get("SATRIA_DATABASE_URL", "sqlite").startswith("sqlite"):
        # A shared database needs the same key in every process (the service refuses
        # otherwise); SQLite runs keep the embedded default, a key file in the data folder.
        env.setdefault("SATRIA_SECRET_KEY", "bench and test secret, not for production")
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", *command,
             *(("--workers", str(workers)) if command == ("serve",) else ())],
            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_up(url, process, log_path, timeout_s)
            yield LiveServer(url, env, log_path, process.pid)
        finally:
            with contextlib.suppress(ProcessLookupError):  # killed by the test already
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            msg = f"satria serve exited with {process.returncode}:\n{log.read_text()[-3000:]}"
            raise RuntimeError(msg)
        try:
            if httpx2.get(f"{url}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx2.TransportError:
            pass
        time.sleep(0.2)
    msg = f"satria serve did not answer within {timeout_s} s:\n{log.read_text()[-3000:]}"
    raise RuntimeError(msg)


@contextmanager
def postgres_schema(url: str, prefix: str = "bench_") -> Iterator[str]:
    """A fresh schema on this PostgreSQL server, dropped afterwards: yields its database URL."""
    schema = f"{prefix}{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, pool_pre_ping=True)  # the server may restart meanwhile
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in url else "?"
    try:
        yield f"{url}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def start_redis(port: int, folder: Path, timeout_s: float = 30.0) -> subprocess.Popen[bytes]:
    """A private redis-server on this port (nothing kept on disk), for fault injection."""
    binary = shutil.which("redis-server")
    if binary is None:
        msg = "redis-server is not installed"
        raise RuntimeError(msg)
    process = subprocess.Popen(
        [binary, "--port", str(port), "--save", "", "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + timeout_s
    while not _redis_answers(port):
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            msg = f"redis-server did not start on port {port}"
            raise RuntimeError(msg)
        time.sleep(0.1)
    return process


def _redis_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """Stop a helper process (if it still runs)."""
    if process.poll() is None:
        process.terminate()
        process.wait(timeout=10)
