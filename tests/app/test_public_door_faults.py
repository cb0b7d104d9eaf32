"""The public's door when its neighbours fail: the civil registry down or slow (the account
works and calls, its flag says so) and the message gateway down (a clear answer, and asking
again sends a new code once it is back). SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from sqlmodel import Session

from app.models import Citizen, Verification
from routing import Region
from tests.app.conftest import Service, running_service


class Neighbour(BaseHTTPRequestHandler):
    """A registry or an SMS provider that answers as planned: a status, after a delay."""

    plan: ClassVar[list[tuple[int, float]]] = []
    texts: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if "text" in body:
            type(self).texts.append(body["text"])
        status, delay_s = type(self).plan.pop(0) if type(self).plan else (200, 0.0)
        time.sleep(delay_s)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"found": true, "name_match": true}')

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def neighbour() -> Iterator[str]:
    Neighbour.plan, Neighbour.texts = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Neighbour)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def confirm_with(service: Service, citizen_id: int, text: str) -> str:
    code = text.split(": ", 1)[1][:6]
    confirmed = service.client.post(
        "/api/public/confirm", json={"citizen_id": citizen_id, "code": code}
    )
    assert confirmed.status_code == 200, confirmed.text
    key: str = confirmed.json()["key"]
    return key


def wait_for(check: Any, timeout_s: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if found := check():
            return found
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_registry_down_the_account_still_calls_and_says_so(
    database_url: str, demo: Region, tmp_path: Path, neighbour: str
) -> None:
    down = "http://127.0.0.1:9"  # nothing listens there: connection refused
    settings = {"registry_url": down, "registry_timeout_s": 0.3, "registry_attempts": 1,
                "sms_url": f"{neighbour}/send"}  # fmt: skip
    with running_service(database_url, tmp_path, demo, **settings) as service:
        made = service.client.post(
            "/api/public/register",
            json={"nik": "3302264107900201", "name": "Ani", "phone": "081300001111"},
        )
        assert made.status_code == 201, made.text
        key = confirm_with(service, made.json()["citizen_id"], Neighbour.texts[-1])
        auth = {"Authorization": f"Bearer {key}"}
        me = wait_for(
            lambda: (
                (r := service.client.get("/api/public/me", headers=auth).json())["verification"]
                != "pending"
                and r
            )
        )
        assert me["verification"] == "registry_unavailable"
        pressed = service.client.post(
            "/api/public/emergency", json={"kind": "sakit_mendadak", "lon": 109.233, "lat": -7.39},
            headers=auth,
        )  # fmt: skip
        assert pressed.status_code == 201, pressed.text  # help is never refused for it


def test_registry_slow_the_account_is_checked_when_it_answers(
    database_url: str, demo: Region, tmp_path: Path, neighbour: str
) -> None:
    settings = {"registry_url": neighbour, "registry_timeout_s": 2.0, "registry_attempts": 1,
                "sms_url": f"{neighbour}/send"}  # fmt: skip
    with running_service(database_url, tmp_path, demo, **settings) as service:
        made = service.client.post(
            "/api/public/register",
            json={"nik": "3302264107900202", "name": "Budi", "phone": "081300002222"},
        )
        Neighbour.plan = [(200, 0.8)]  # the registry takes its time
        key = confirm_with(service, made.json()["citizen_id"], Neighbour.texts[-1])
        auth = {"Authorization": f"Bearer {key}"}
        assert (
            service.client.get("/api/public/me", headers=auth).json()["verification"] == "pending"
        )
        pressed = service.client.post(
            "/api/public/emergency", json={"kind": "lainnya", "lon": 109.233, "lat": -7.39},
            headers=auth,
        )  # fmt: skip
        assert pressed.status_code == 201  # while the registry is still thinking
        me = wait_for(
            lambda: (
                (r := service.client.get("/api/public/me", headers=auth).json())["verification"]
                == "verified"
                and r
            )
        )
        assert me["verification"] == "verified"


def test_gateway_down_says_so_and_asking_again_sends_a_new_code(
    database_url: str, demo: Region, tmp_path: Path, neighbour: str
) -> None:
    with running_service(database_url, tmp_path, demo, sms_url=f"{neighbour}/send") as service:
        Neighbour.plan = [(503, 0.0)] * 3  # every attempt of the first request fails
        body = {"nik": "3302264107900203", "name": "Citra", "phone": "081300003333"}
        failed = service.client.post("/api/public/register", json=body)
        assert failed.status_code == 503
        assert (
            failed.json()["detail"]
            == "the code could not be sent now: try again in a minute, or call 119"
        )
        again = service.client.post("/api/public/register", json=body)
        assert again.status_code == 201, again.text
        key = confirm_with(service, again.json()["citizen_id"], Neighbour.texts[-1])
        assert (
            service.client.get(
                "/api/public/me", headers={"Authorization": f"Bearer {key}"}
            ).status_code
            == 200
        )


def test_a_check_left_pending_by_a_stopped_service_is_done_at_start(
    database_url: str, demo: Region, tmp_path: Path, neighbour: str
) -> None:
    settings = {"sms_url": f"{neighbour}/send", "secret_key": "restart secret, not for production"}
    with running_service(database_url, tmp_path, demo, **settings) as service:
        made = service.client.post(
            "/api/public/register",
            json={"nik": "3302264107900204", "name": "Dian", "phone": "081300004444"},
        )
        key = confirm_with(service, made.json()["citizen_id"], Neighbour.texts[-1])
        auth = {"Authorization": f"Bearer {key}"}
        wait_for(lambda: service.client.get("/api/public/me", headers=auth).json()["verification"]
                 != "pending")  # fmt: skip
        with Session(service.app.state.engine) as session:  # as if it had stopped mid-check
            citizen = session.get(Citizen, made.json()["citizen_id"])
            assert citizen is not None
            citizen.verification = Verification.PENDING
            session.add(citizen)
            session.commit()
    with running_service(database_url, tmp_path, demo, **settings) as restarted:
        state = wait_for(
            lambda: (
                (v := restarted.client.get("/api/public/me", headers=auth).json()["verification"])
                != "pending"
                and v
            )
        )
        assert state == "not_found"  # the demo's local registry is empty
