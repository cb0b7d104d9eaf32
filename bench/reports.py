"""Reports benchmark: response-time reports over many calls, in SQL and the naive way.

    python -m bench.reports [--calls 100000] [--postgres URL] [--browser PATH]

Starts the service on a fresh PostgreSQL schema (SATRIA_TEST_POSTGRES_URL or --postgres) and
fills it with SYNTHETIC calls over the last 90 days, as `satria simulate --history` writes them
(each with its dispatches, referrals and audited moves). Then times, in the same run:

- the monthly report's figures (``ReportDesk.dashboard`` for the last 30 days: every
  interval's headline, response time by week, shift, district, post and hospital, the counts
  with their reasons, the slowest calls), in SQL;
- the 90 days' response time by month, district and shift in one query;
- the naive way: every call and its audit rows loaded into Python, the medians and
  percentiles computed there;
- the dashboard's answer over HTTP (``GET /api/reports/dashboard``), and with ``--browser``
  (Chromium) the page's first paint: from navigation to the figures on screen;

and prints each, with the ratio of the naive way to SQL.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx2
from sqlalchemy import create_engine, text
from sqlmodel import Session, col, select

from app.models import AuditEvent, Call
from app.services.history import HistoryWriter
from app.services.report_aggregates import Question, summarise_by
from app.services.report_desk import ReportDesk
from routing import Region
from routing.pack import DEFAULT_REGIONS_DIR
from tests.live_server import LiveServer, live_server, postgres_schema


def fill(url: str, count: int, end: datetime) -> float:
    """SYNTHETIC calls over the 90 days before ``end``; returns the seconds it took."""
    engine = create_engine(url)
    began = time.perf_counter()
    region = Region.load("demo", regions_dir=DEFAULT_REGIONS_DIR)
    HistoryWriter(engine, region, now=end).write(end - timedelta(days=90), end, count)
    with engine.begin() as connection:  # as autovacuum would after such a load
        connection.execute(text("ANALYZE"))
    engine.dispose()
    return time.perf_counter() - began


def in_sql(url: str, end: datetime) -> tuple[float, float, dict[str, int]]:
    """The monthly report's figures, and the 90 days by month, district and shift, timed."""
    engine = create_engine(url)
    desk = ReportDesk({"handling": 2.0, "response": 30.0, "handover": 15.0})
    with Session(engine) as session:
        began = time.perf_counter()
        desk.dashboard(session, since=end - timedelta(days=30), until=end)
        month_s = time.perf_counter() - began
        began = time.perf_counter()
        question = Question("created", "on_scene", "month", end - timedelta(days=91), end, 1800.0)
        found = summarise_by(session, question, ("month", "district", "shift"))
        quarter_s = time.perf_counter() - began
    engine.dispose()
    return month_s, quarter_s, {by: len(rows) for by, rows in found.items()}


def naive(url: str) -> float:
    """Every call and audit row into Python; medians and percentiles there."""
    engine = create_engine(url)
    began = time.perf_counter()
    with Session(engine) as session:
        calls = {c.id: c for c in session.exec(select(Call))}
        on_scene: dict[int, datetime] = {}
        for event in session.exec(
            select(AuditEvent).where(col(AuditEvent.action) == "call.status")
        ):
            if event.detail.get("after") == "on_scene":
                call_id = int(event.entity_id)
                on_scene[call_id] = min(on_scene.get(call_id, event.at), event.at)
    by: dict[str, list[float]] = defaultdict(list)
    for call_id, at in on_scene.items():
        call = calls[call_id]
        seconds = (at - call.created_at).total_seconds()
        by[f"month {call.created_at:%Y-%m}"].append(seconds)
        by[f"district {call.district_code}"].append(seconds)
        by[f"hour {(call.created_at.hour + 7) % 24}"].append(seconds)
    for values in by.values():
        values.sort()
        statistics.median(values)
        values[int(0.9 * (len(values) - 1))]
        sum(v <= 1800 for v in values) / len(values)
    elapsed = time.perf_counter() - began
    engine.dispose()
    return elapsed


def over_http(server: LiveServer, key: str, end: datetime) -> float:
    """The dashboard's answer for the last 30 days, as the page asks for it (best of 3)."""
    params = {"since": (end - timedelta(days=30)).isoformat(), "until": end.isoformat()}
    times = []
    with httpx2.Client(base_url=server.url, headers={"Authorization": f"Bearer {key}"},
                       timeout=60) as http:  # fmt: skip
        for _ in range(3):
            began = time.perf_counter()
            answer = http.get("/api/reports/dashboard", params=params)
            answer.raise_for_status()
            times.append(time.perf_counter() - began)
    return min(times)


def first_paint(server: LiveServer, key: str, chromium: str) -> int:
    """Milliseconds from navigation to the figures on the page (the page measures it)."""
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - only with --browser

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True,
                                             args=["--no-sandbox", "--disable-gpu"])  # fmt: skip
        page = browser.new_context(viewport={"width": 1600, "height": 900}).new_page()
        page.goto(f"{server.url}/login")
        page.evaluate(f"sessionStorage.setItem('satria.key', '{key}')")
        page.goto(f"{server.url}/reports")
        page.wait_for_selector("body[data-painted-ms]", timeout=60_000)
        painted = int(page.evaluate("document.body.dataset.paintedMs"))
        browser.close()
    return painted


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--postgres", default=os.environ.get("SATRIA_TEST_POSTGRES_URL", ""))
    parser.add_argument("--browser", default="", help="Chromium, to time the page's first paint")
    args = parser.parse_args()
    if not args.postgres:
        parser.error("give --postgres URL (or set SATRIA_TEST_POSTGRES_URL)")
    end = datetime.now(UTC)  # the page asks for the last 30 days of its own clock
    with postgres_schema(args.postgres) as url, tempfile.TemporaryDirectory() as folder:
        settings = {"SATRIA_DATABASE_URL": url, "SATRIA_DATA_DIR": folder,
                    "SATRIA_RATE_LIMIT": ""}  # fmt: skip
        with live_server(settings, Path(folder) / "serve.log") as server:
            fill_s = fill(url, args.calls, end)
            print(f"{args.calls} SYNTHETIC calls (with dispatches, referrals and audited moves) "
                  f"written in {fill_s:.1f} s")  # fmt: skip
            month_s, quarter_s, groups = in_sql(url, end)
            naive_s = naive(url)
            key = server.create_user("bench health office", "health-office")
            http_s = over_http(server, key, end)
            painted_ms = first_paint(server, key, args.browser) if args.browser else None
    print(f"monthly report figures in SQL (every headline, 5 groupings, counts, slowest; "
          f"last 30 days): {month_s * 1000:.0f} ms")  # fmt: skip
    print(f"90 days by month, district and shift in SQL: {quarter_s * 1000:.0f} ms ({groups})")
    print(f"naive (every call and audit row into Python): {naive_s * 1000:.0f} ms; "
          f"SQL is {naive_s / quarter_s:.1f}x faster")  # fmt: skip
    print(f"dashboard over HTTP (GET /api/reports/dashboard, 30 days): {http_s * 1000:.0f} ms")
    if painted_ms is not None:
        print(f"dashboard first paint in Chromium (navigation to figures): {painted_ms} ms")


if __name__ == "__main__":
    main()
