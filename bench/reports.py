"""Reports benchmark: response-time aggregates over many calls, in SQL and the naive way.

    python -m bench.reports [--calls 100000] [--postgres URL] [--sqlite]

Fills a fresh database (PostgreSQL by default: SATRIA_TEST_POSTGRES_URL or --postgres) with
SYNTHETIC calls spread over 90 days, each with the status history the service audits (taken,
dispatched, en route, on scene, transporting, at hospital, handed over; some cancelled, some
skipping a step, some sent back to the queue and dispatched again). Then times:

- the monthly aggregates in SQL (``report_aggregates.summarise_by``, one query): response time (taken to on
  scene) per month, per district and per shift, with the share within 30 minutes;
- the naive way in the same run: every call and its audit rows loaded into Python, the medians
  and percentiles computed there;

and prints both, with the ratio.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, insert, text
from sqlmodel import Session, col, select

from app.core.db import upgrade
from app.models import AuditEvent, Call, CallStatus, Role, Triage, User
from app.services.report_aggregates import Question, summarise_by
from app.services.writes import table_of
from tests.live_server import postgres_schema

START = datetime(2026, 8, 1, tzinfo=UTC)
DISTRICTS = ("330201", "330202", "330203", "330212", "330226", "330227")


def fill(url: str, count: int, seed: int = 119) -> None:
    """SYNTHETIC calls and their audited moves, in batches."""
    engine = create_engine(url)
    rng = random.Random(seed)
    calls_table, audit_table = table_of(Call), table_of(AuditEvent)
    with engine.begin() as connection:
        connection.execute(insert(table_of(User)), [{"name": "bench operator", "role": Role.OPERATOR,
                                                       "incidents": [], "active": True,
                                                       "created_at": START}])  # fmt: skip
    batch = 5000
    for first in range(0, count, batch):
        calls, moves = [], []
        for i in range(first, min(first + batch, count)):
            taken = START + timedelta(seconds=rng.uniform(0, 90 * 86400))
            steps = [("received", "dispatched", rng.uniform(30, 300))]
            if rng.random() < 0.08:  # a crew refused: back to the queue, dispatched again
                steps += [("dispatched", "received", 60), ("received", "dispatched", 120)]
            if rng.random() < 0.05:
                steps.append(("dispatched", "cancelled", rng.uniform(60, 600)))
            else:
                if rng.random() > 0.1:  # some crews never press "en route"
                    steps.append(("dispatched", "en_route", rng.uniform(30, 180)))
                steps += [
                    ("en_route", "on_scene", rng.lognormvariate(6.8, 0.5)),
                    ("on_scene", "transporting", rng.uniform(300, 1500)),
                    ("transporting", "at_hospital", rng.lognormvariate(6.9, 0.5)),
                    ("at_hospital", "closed", rng.uniform(300, 1800)),
                ]
            calls.append({
                "id": i + 1, "created_at": taken, "created_by": 1, "status": CallStatus(steps[-1][1]),
                "status_at": taken, "category": "general", "triage": Triage.KUNING,
                "district_code": rng.choice(DISTRICTS), "updated_at": taken, "patient_count": 1,
            })  # fmt: skip
            at = taken
            for before, after, wait_s in steps:
                at += timedelta(seconds=wait_s)
                moves.append({"at": at, "actor_user_id": 1, "action": "call.status", "entity": "call",
                              "entity_id": str(i + 1), "detail": {"before": before, "after": after}})  # fmt: skip
        with engine.begin() as connection:
            connection.execute(insert(calls_table), calls)
            connection.execute(insert(audit_table), moves)
    with engine.begin() as connection:  # as autovacuum would after such a load
        connection.execute(text("ANALYZE"))
    engine.dispose()


def in_sql(url: str) -> tuple[float, dict[str, int]]:
    """The aggregates the monthly report needs, timed."""
    engine = create_engine(url)
    began = time.perf_counter()
    window = (START, START + timedelta(days=91))
    with Session(engine) as session:
        question = Question("created", "on_scene", "month", *window, target_s=1800.0)
        found = summarise_by(session, question, ("month", "district", "shift"))
    groups = {by: len(rows) for by, rows in found.items()}
    elapsed = time.perf_counter() - began
    engine.dispose()
    return elapsed, groups


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--postgres", default=os.environ.get("SATRIA_TEST_POSTGRES_URL", ""))
    args = parser.parse_args()
    if not args.postgres:
        parser.error("give --postgres URL (or set SATRIA_TEST_POSTGRES_URL)")
    with postgres_schema(args.postgres) as url:
        upgrade(url)
        began = time.perf_counter()
        fill(url, args.calls)
        print(
            f"{args.calls} SYNTHETIC calls with their audited moves in {time.perf_counter() - began:.1f} s"
        )
        sql_s, groups = in_sql(url)
        naive_s = naive(url)
    print(
        f"monthly aggregates in SQL (response time per month, district and shift, within 30 min): "
        f"{sql_s * 1000:.0f} ms ({groups})"
    )
    print(f"naive (every call and audit row into Python): {naive_s * 1000:.0f} ms; "
          f"SQL is {naive_s / sql_s:.1f}x faster")  # fmt: skip


if __name__ == "__main__":
    main()
