"""The reports' routes: figures from calls taken and moved through the API, JSON and CSV
alike, for operators, admins and the health office only."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

import pytest

from app.services.history import HistoryWriter
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
    # Who served each call, as the dispatch recorded it on the call.
    units = {service.client.get(f"/api/calls/{i}", headers=service.auth("operator"))
             .json()["dispatch"]["ambulance_id"] for i in ids}  # fmt: skip
    question = {"start": "created", "end": "dispatched", "by": "ambulance"}
    by_unit = service.client.get(
        "/api/reports/intervals", params=question, headers=service.auth("operator")
    ).json()
    assert units <= {r["group"] for r in by_unit}
    before = _cancelled(service, "duplicate")
    for call_id in ids:
        answer = service.client.post(
            f"/api/calls/{call_id}/status",
            json={"status": "cancelled", "reason": "panggilan ganda: Bu Siti",
                  "reason_code": "duplicate"},
            headers=service.auth("operator"),
        )  # fmt: skip
        assert answer.status_code == 200, answer.text
    assert _cancelled(service, "duplicate") == before + 3
    counted = service.client.get("/api/reports/counts", headers=service.auth("health_office"))
    assert "Siti" not in counted.text  # the free text stays on the call


def _cancelled(service: Service, code: str) -> int:
    rows = service.client.get("/api/reports/counts", headers=service.auth("admin")).json()
    return sum(r["count"] for r in rows if r["kind"] == "cancelled" and r["reason"] == code)


def test_a_bad_question_is_a_clear_422(service: Service) -> None:
    bad = service.client.get(
        "/api/reports/intervals", params={"end": "lunch"}, headers=service.auth("operator")
    )
    assert bad.status_code == 422 and "interval" in bad.text


SINCE, UNTIL = "2026-06-01T00:00:00Z", "2026-09-01T00:00:00Z"  # before the tests' own calls


def test_a_synthetic_quarter_in_every_report_alike(service: Service) -> None:
    """Three months of SYNTHETIC history: the dashboard's figures are the single reports'
    figures; CSV matches JSON; the slowest calls are slowest first."""
    writer = HistoryWriter(service.app.state.engine, service.app.state.region,
                           now=datetime(2026, 9, 1, tzinfo=UTC), seed=5)  # fmt: skip
    written = writer.write(datetime(2026, 6, 1, tzinfo=UTC), datetime(2026, 9, 1, tzinfo=UTC), 900)
    assert written == 900
    who = service.auth("health_office")
    period = {"since": SINCE, "until": UNTIL}
    board = service.client.get("/api/reports/dashboard", params=period, headers=who).json()
    assert board["synthetic_calls"] == 900 and board["interval"] == "response"
    assert board["region_synthetic"] is True  # the demo region
    headline = {h["interval"]: h for h in board["headline"]}
    assert headline["response"]["target_min"] == 30.0 and headline["turnout"]["target_min"] is None
    for name in ("handling", "response", "handover"):
        alone = service.client.get(
            "/api/reports/intervals", params={**period, "interval": name, "by": "all"}, headers=who
        ).json()
        assert [alone[0][k] for k in ("calls", "median_s", "p90_s", "within_target")] == [
            headline[name][k] for k in ("calls", "median_s", "p90_s", "within_target")
        ]
    assert 700 < headline["response"]["calls"] < 900  # pranks and early cancellations have none
    assert set(board["groups"]) == {"week", "shift", "district", "post", "hospital"}
    assert [g["group"] for g in board["groups"]["shift"]] == ["07-14", "14-21", "21-07"]
    assert sum(g["calls"] for g in board["groups"]["week"]) == headline["response"]["calls"]
    seconds = [row["seconds"] for row in board["slowest"]]
    assert seconds == sorted(seconds, reverse=True) and len(seconds) == 15
    assert seconds[0] >= headline["response"]["p90_s"]
    first = board["slowest"][0]["call"]
    assert first["response_s"] == pytest.approx(seconds[0], abs=0.1)
    kinds = {c["kind"] for c in board["counts"]}
    assert kinds >= {"calls", "cancelled", "prank", "crew_refusal", "referral_declined"}
    for path in ("/api/reports/counts", "/api/reports/slowest", "/api/reports/intervals"):
        as_json = service.client.get(path, params=period, headers=who).json()
        as_csv = service.client.get(path, params=period, headers={**who, "Accept": "text/csv"})
        table = list(csv.DictReader(io.StringIO(as_csv.text)))
        flat = [row.get("call", row) | {"seconds": row["seconds"]} if "call" in row else row
                for row in as_json]  # fmt: skip
        assert len(table) == len(flat) > 0
        for written_row, row in zip(table, flat, strict=True):
            assert {k: written_row[k] for k in row} == {k: _text(v) for k, v in row.items()}


def _text(value: Any) -> str:
    """A JSON value as csv.DictWriter writes it."""
    return "" if value is None else str(value)


def test_the_terms_name_the_targets_and_shifts_of_the_settings(service: Service) -> None:
    terms = service.client.get("/api/reports/terms", headers=service.auth("admin")).json()
    targets = {i["name"]: i["target_min"] for i in terms["intervals"]}
    assert targets["handling"] == 2.0 and targets["response"] == 30.0
    assert terms["shifts"] == ["07-14", "14-21", "21-07"] and "hospital" in terms["groups"]
    wrong = service.client.get("/api/reports/dashboard", params={"interval": "lunch"},
                               headers=service.auth("admin"))  # fmt: skip
    assert wrong.status_code == 422 and "lunch" in wrong.text
