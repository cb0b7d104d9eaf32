"""Liveness, readiness (database, broker, region), Prometheus metrics, request ids and JSON
log lines."""

from __future__ import annotations

import json
import logging
import logging.config
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from app.core.logging import REQUEST_ID, JsonLines, log_config
from routing import Region
from tests.app.conftest import Service, running_service


def test_ready_when_database_broker_and_region_answer(service: Service) -> None:
    assert service.client.get("/healthz").json() == {"status": "ok"}
    ready = service.client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {
        "status": "ready", "checks": {"database": "ok", "broker": "ok", "region": "ok"}
    }  # fmt: skip


def test_not_ready_when_the_database_does_not_answer(service: Service) -> None:
    state = service.app.state
    real = state.engine
    state.engine = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    try:
        ready = service.client.get("/readyz")
    finally:
        state.engine.dispose()
        state.engine = real
    assert ready.status_code == 503
    assert ready.json()["checks"]["database"].startswith("failed: ")
    assert ready.json()["checks"]["broker"] == "ok"


def test_not_ready_when_the_broker_does_not_answer(
    database_url: str, demo: Region, tmp_path: Path
) -> None:
    with running_service(
        database_url, tmp_path, demo, broker_url="redis://127.0.0.1:1/0"
    ) as service:
        ready = service.client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"] == {
        "database": "ok", "broker": "failed: no answer", "region": "ok"
    }  # fmt: skip


def test_metrics_count_calls_rankings_fixes_and_time_requests(service: Service) -> None:
    nik = "3302264107900001"
    service.call(category="stroke", caller={"nik": nik})
    moment, later = datetime.now(UTC), datetime.now(UTC) + timedelta(seconds=1)
    service.client.post(
        f"/api/ambulances/{service.ambulance_id}/fixes",
        json={"fixes": [{"lon": 109.24, "lat": -7.36, "fix_time": moment.isoformat()},
                        {"lon": 250.0, "lat": -7.36, "fix_time": later.isoformat()}]},
        headers=service.auth("crew"),
    )  # fmt: skip
    text = service.client.get("/metrics", headers=service.auth("admin")).text
    values = {
        line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line and not line.startswith("#")
    }
    assert values['satria_calls_total{category="stroke"}'] >= 1
    assert values["satria_rankings_total"] >= 1
    assert values['satria_fixes_total{outcome="stored"}'] >= 1
    assert values['satria_fixes_total{outcome="out_of_range"}'] >= 1
    timed = 'satria_http_request_seconds_count{method="POST",route="/api/calls",status="201"}'
    assert values[timed] >= 1
    # Nothing a client sent becomes a label: not the NIK, not the ambulance in the path (a
    # route is labelled by its template). Whole values: a fragment can occur in a timestamp.
    assert nik not in text
    assert service.ambulance_id not in text


def test_every_response_carries_a_request_id(service: Service) -> None:
    given = service.client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    made = service.client.get("/healthz", headers={"X-Request-ID": "<script>"})
    assert made.headers["x-request-id"] != "<script>" and len(made.headers["x-request-id"]) == 32
    assert made.headers["x-content-type-options"] == "nosniff"


def test_log_lines_are_json_with_the_request_id_and_no_keys() -> None:
    logging.config.dictConfig(log_config("json"))  # the configuration `satria serve` uses
    handler = logging.getLogger("satria").handlers[0]
    assert isinstance(handler.formatter, JsonLines)
    record = logging.LogRecord(
        "satria.test", logging.INFO, __file__, 1, "opened %s", ("/ws/crew?token=sat_secret",), None
    )
    token = REQUEST_ID.set("req-42")
    try:
        for log_filter in handler.filters:
            log_filter.filter(record)  # type: ignore[union-attr]
        line = json.loads(handler.format(record))
    finally:
        REQUEST_ID.reset(token)
        logging.config.dictConfig({"version": 1, "disable_existing_loggers": False})
    assert line["request_id"] == "req-42" and line["level"] == "info"
    assert line["message"] == "opened /ws/crew?token=[redacted]"


def test_an_unexpected_error_is_problem_json_with_the_request_id_and_logged(
    service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    # A route that fails as only a defect would: the answer must still be a problem.
    def broken() -> None:
        raise RuntimeError("a defect")

    service.app.add_api_route("/test-only/broken", broken, description="Fails on purpose.")
    try:
        with caplog.at_level(logging.ERROR, logger="satria.errors"):
            response = service.client.get("/test-only/broken", headers={"X-Request-ID": "req-77"})
    finally:
        service.app.router.routes.pop()
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["x-request-id"] == "req-77"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.json()["request_id"] == "req-77" and "a defect" not in response.text
    logged = [r for r in caplog.records if "unexpected error" in r.getMessage()]
    assert logged and logged[0].exc_info is not None
    assert "/test-only/broken" in logged[0].getMessage()


def test_metrics_are_for_the_metrics_token_or_an_administrator(
    database_url: str, demo: Region, tmp_path: Path
) -> None:
    # They tell how many calls of each kind the service takes: not for everyone.
    with running_service(database_url, tmp_path, demo, metrics_token="scrape-me") as service:
        client = service.client
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers=service.auth("operator")).status_code == 403
        token = client.get("/metrics", headers={"Authorization": "Bearer scrape-me"})
        assert token.status_code == 200 and "satria_" in token.text
        assert (
            client.get("/metrics", headers={"Authorization": "Bearer scrape-m"}).status_code == 401
        )
        assert client.get("/metrics", headers=service.auth("admin")).status_code == 200
