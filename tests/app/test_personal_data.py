"""No NIK, phone number or name in clear in the logs or in the database after a real run.

A real `satria serve` takes calls with personal data (valid and invalid NIKs, a registered
caller, patients' names, an address) and verifies them; then its whole log, the SQLite file
(with its WAL) or every PostgreSQL row is searched for each secret.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx2
import pytest
from sqlalchemy import create_engine, inspect, text
from websockets.sync.client import connect

from tests.app.conftest import BACKENDS, fresh_database
from tests.live_server import LiveServer, live_server

NIK = "3302264107900001"
INVALID_NIK = "3302264107900000"  # zero serial: rejected, still personal data
PHONE_DIGITS = "81234567890"
NAMES = ("Siti Aminah", "Budi Santoso")
ADDRESS = "Jl. Kenanga 12 RT 03"
# A citizen of the public's door: NIK, name, phone, home address, emergency contact.
CITIZEN = ("3302264107900301", "Dewi Lestari", "81355550123", "Jl. Melati 7 RT 01", "Pak Joko 0813")


def secrets_in(text_: str) -> list[str]:
    everything = (NIK, INVALID_NIK, PHONE_DIGITS, ADDRESS, *NAMES, *CITIZEN)
    found = [s for s in everything if s in text_]
    return found + [s for s in (*NAMES, CITIZEN[1]) if s.upper() in text_]


@pytest.mark.parametrize("backend", BACKENDS)
def test_no_personal_data_in_logs_or_database(backend: str, demo_dir: Path, tmp_path: Path) -> None:
    with fresh_database(backend, tmp_path) as url:
        settings = {
            "SATRIA_DATABASE_URL": url,
            "SATRIA_DATA_DIR": str(tmp_path / "var"),
            "SATRIA_REGIONS_DIR": str(demo_dir.parent),
        }
        with live_server(settings, tmp_path / "serve.log") as server:
            key = server.create_user("Op Test", "operator")
            auth = {"Authorization": f"Bearer {key}"}
            with httpx2.Client(base_url=server.url, headers=auth, timeout=30) as client:
                registered = client.post(
                    "/api/callers", json={"nik": NIK, "phone": "0" + PHONE_DIGITS}
                )
                assert registered.status_code == 201
                ids = []
                for nik in (NIK, INVALID_NIK, None):
                    body = {
                        "category": "stemi", "triage": "merah", "lon": 109.233, "lat": -7.39,
                        "address": ADDRESS,
                        "caller": {"nik": nik, "phone": "+62 " + PHONE_DIGITS, "name": NAMES[0]},
                        "patients": [{"name": NAMES[1], "age_years": 50, "condition": "sesak"}],
                    }  # fmt: skip
                    created = client.post("/api/calls", json=body)
                    assert created.status_code == 201
                    assert not secrets_in(created.text)  # masked in the answer too
                    ids.append(created.json()["call"]["id"])
                out_of_range = {"category": "stemi", "triage": "merah", "lon": 200, "lat": 0}
                bad = client.post("/api/calls", json={**out_of_range, "caller": {"nik": NIK}})
                assert bad.status_code == 422 and NIK not in bad.text
                deadline = time.monotonic() + 20
                while time.monotonic() < deadline:
                    states = [client.get(f"/api/calls/{i}").json()["verification"]["status"]
                              for i in ids]  # fmt: skip
                    if "pending" not in states:
                        break
                    time.sleep(0.1)
                assert states == ["not_found", "invalid_nik", "not_found"]
                personal = client.get(f"/api/calls/{ids[0]}/personal").json()
                assert personal["caller_nik"] == NIK  # the operator can read it...
                _citizen_calls(client, server)
            crew_key = server.create_user("Crew", "crew", "--ambulance", "psc119-purwa-1")
            ws_url = server.url.replace("http", "ws") + f"/ws/crew?token={crew_key}"
            with connect(ws_url) as ws:  # a device that cannot set headers
                fix = {"lon": 109.235, "lat": -7.364, "fix_time": datetime.now(UTC).isoformat()}
                ws.send(json.dumps({"type": "fix", "seq": 1, "fix": fix}))
                assert json.loads(ws.recv(timeout=30))["stored"] == 1
            device = server.add_device("psc119-purwa-2")  # Traccar Client: id in the URL
            osmand = httpx2.get(
                f"{server.url}/osmand",
                params={"id": device, "lat": -7.364, "lon": 109.235, "timestamp": int(time.time())},
                timeout=30,
            )
            assert osmand.json()["stored"] == 1
        log = (tmp_path / "serve.log").read_text()
        assert "POST /api/calls" in log  # the log is the service's, with its access lines
        assert secrets_in(log) == []  # ...but no log line shows it
        assert "/ws/crew?token=[redacted]" in log and crew_key not in log
        assert "/osmand?id=[redacted]" in log and device not in log
        stored = _database_text(url, tmp_path)
        assert "330226********01" in stored  # the right database: the masked NIK is there
        assert secrets_in(stored) == []


def _citizen_calls(client: httpx2.Client, server: LiveServer) -> None:
    """A citizen registers (the code comes through the development outbox), calls from the
    app, and the operator reads the call."""
    nik, name, phone, home, contact = CITIZEN
    body = {"nik": nik, "name": name, "phone": "0" + phone, "address": home,
            "emergency_contact": contact}  # fmt: skip
    made = client.post("/api/public/register", json=body, headers={"Authorization": ""})
    assert made.status_code == 201 and not secrets_in(made.text)
    shown = subprocess.run(
        [sys.executable, "-m", "app.cli", "outbox", "--limit", "1"], env=server.env,
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout  # fmt: skip
    code = shown.split("Kode PSC 119 Anda: ", 1)[1][:6]
    confirmed = client.post(
        "/api/public/confirm", json={"citizen_id": made.json()["citizen_id"], "code": code}
    )
    citizen = {"Authorization": f"Bearer {confirmed.json()['key']}"}
    me = client.get("/api/public/me", headers=citizen)
    assert me.status_code == 200 and not secrets_in(me.text)
    pressed = client.post(
        "/api/public/emergency", headers=citizen,
        json={"kind": "sakit_mendadak", "lon": 109.233, "lat": -7.39, "accuracy_m": 9},
    )  # fmt: skip
    assert pressed.status_code == 201 and not secrets_in(pressed.text)
    seen = client.get(f"/api/calls/{pressed.json()['call_id']}")
    assert seen.json()["source"] == "app" and not secrets_in(seen.text)


def _database_text(url: str, tmp_path: Path) -> str:
    """Everything the database holds, as text: the SQLite files' bytes, or every row."""
    if url.startswith("sqlite"):
        files = sorted((tmp_path).glob("satria.db*"))
        assert files, "the SQLite database file is missing"
        return "".join(f.read_bytes().decode("latin-1") for f in files)
    engine = create_engine(url)
    rows = []
    with engine.connect() as connection:
        for table in inspect(connection).get_table_names():
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                rows.append(json.dumps([str(v) for v in row]))
    engine.dispose()
    assert rows, "no rows read from PostgreSQL"
    return "\n".join(rows)
