"""The reports' routes: figures from calls taken and moved through the API, JSON and CSV
alike, for operators, admins and the health office only."""

from __future__ import annotations

import csv
import io
from typing import Any

from tests.app.conftest import Service

AJIBARANG = {"lon": 109.0800, "lat": -7.4100}


def moved(service: Service, source: str) -> int:
    call_id: int = service.call(**AJIBARANG, source=source)["call"]["id"]
    service.client.post(f"/api/calls/{call_id}/dispatch", json={}, headers=service.auth("operator"))
    return call_id


def test_intervals_in_json_and_csv_alike(service: Service) -> None:
    ids = [moved(service, "phone_119"), moved(service, "whatsapp"), moved(service, "whatsapp")]
    params = {"start": "created", "end": "dispatched", "by": "source", "target_min": 5}
    answer = service.client.get(
        "/api/reports/intervals", params=params, headers=service.auth("health_office")
    )
    assert answer.status_code == 200, answer.text
    rows = {r["group"]: r for r in answer.json()}
    assert rows["whatsapp"]["calls"] >= 2 and rows["phone_119"]["calls"] >= 1
    assert all(r["within_target"] == 1.0 for r in rows.values())  # dispatched in seconds
    as_csv = service.client.get(
        "/api/reports/intervals", params=params,
        headers={**service.auth("operator"), "Accept": "text/csv"},
    )  # fmt: skip
    assert as_csv.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert [r["group"] for r in table] == [r["group"] for r in answer.json()]
    assert [int(r["calls"]) for r in table] == [r["calls"] for r in answer.json()]
    assert [float(r["median_s"]) for r in table] == [r["median_s"] for r in answer.json()]
    steps = service.client.get("/api/reports/calls", headers=service.auth("admin")).json()
    mine: dict[int, Any] = {s["call_id"]: s for s in steps if s["call_id"] in ids}
    assert set(mine) == set(ids) and all(s["dispatched_at"] for s in mine.values())
    for call_id in ids:
        service.client.post(
            f"/api/calls/{call_id}/status", json={"status": "cancelled", "reason": "test"},
            headers=service.auth("operator"),
        )  # fmt: skip


def test_a_bad_question_is_a_clear_422(service: Service) -> None:
    bad = service.client.get(
        "/api/reports/intervals", params={"end": "lunch"}, headers=service.auth("operator")
    )
    assert bad.status_code == 422 and "interval" in bad.text
