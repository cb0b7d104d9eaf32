"""Response-time aggregates in SQL: count, median, 90th percentile and the share within a
target, per group, with known answers, the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Connection
from sqlmodel import Session

from app.errors import InputError
from app.services.report_aggregates import Question, Summary, summarise, summarise_by
from tests.app.report_history import T0, Database, history

DAY = timedelta(days=1)


def responded(database: Database, at_h: float, minutes: int, district: str | None = None) -> None:
    """A call taken ``at_h`` hours after T0 (UTC), on scene ``minutes`` later."""
    moves = [(1, "received", "dispatched"), (minutes, "dispatched", "on_scene")]
    call_id = history(database, T0 + timedelta(hours=at_h), moves)
    if district is not None:
        from app.models import Call  # noqa: PLC0415

        with Session(database) as session:
            call = session.get(Call, call_id)
            assert call is not None
            call.district_code = district
            session.add(call)
            session.commit()


def ask(database: Database, by: str, target_s: float | None = 1800.0) -> list[Summary]:
    question = Question("created", "on_scene", by, T0 - DAY, T0 + 30 * DAY, target_s)
    with Session(database) as session:
        return summarise(session, question)


def test_median_p90_and_share_within_target_per_district(rolled_back: Connection) -> None:
    database = rolled_back
    for i, minutes in enumerate([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]):
        responded(database, i, minutes, "330226")
    for i, minutes in enumerate([15, 25]):
        responded(database, 20 + i, minutes, "330212")
    history(database, T0, [(1, "received", "dispatched")])  # never on scene: not timed
    rows = {r.group: r for r in ask(database, "district")}
    assert rows["330226"] == Summary("330226", 10, 50 * 60.0, 90 * 60.0, 0.3)
    assert rows["330212"] == Summary("330212", 2, 15 * 60.0, 25 * 60.0, 1.0)
    assert "" not in rows  # the call that never reached the scene has no interval


def test_shifts_and_months_in_local_time(rolled_back: Connection) -> None:
    database = rolled_back
    # T0 is 10:00 in Banyumas: the day shift (07-14); +5 h: 15:00 (14-21); +13 h: 23:00 (21-07).
    for at_h in (0, 1, 5, 13, 14):
        responded(database, at_h, 12)
    shifts = {r.group: r.calls for r in ask(database, "shift")}
    assert shifts == {"07-14": 2, "14-21": 1, "21-07": 2}
    months = {r.group: r.calls for r in ask(database, "month")}
    assert months == {"2026-11": 5}
    weeks = {r.group: r.calls for r in ask(database, "week")}
    assert weeks == {"2026-11-02": 5}  # 2 November 2026 is a Monday


def test_no_target_no_share_and_bad_questions_refused(rolled_back: Connection) -> None:
    database = rolled_back
    responded(database, 0, 12)
    (row,) = ask(database, "category", target_s=None)
    assert row.within_target is None and row.median_s == 12 * 60.0
    with Session(database) as session, pytest.raises(InputError):
        summarise(session, Question("created", "lunch", "district", T0, T0 + DAY))
    with Session(database) as session, pytest.raises(InputError):
        summarise(session, Question("created", "on_scene", "horoscope", T0, T0 + DAY))


def test_several_groupings_in_one_query_agree_with_each_alone(rolled_back: Connection) -> None:
    database = rolled_back
    for i, minutes in enumerate([12, 25, 40, 7, 33]):
        responded(database, i * 5, minutes, ("330226", "330212")[i % 2])
    question = Question("created", "on_scene", "month", T0 - DAY, T0 + 30 * DAY, 1800.0)
    with Session(database) as session:
        together = summarise_by(session, question, ("district", "shift", "month"))
        for by, rows in together.items():
            one = Question(question.start, question.end, by, question.since, question.until, 1800.0)
            alone = summarise(session, one)
            assert rows == alone, by
