"""The steps of each call, from a hand-built history with known answers: a full run, a step
skipped, a call sent back to the queue and dispatched again, a cancellation, a call treated on
scene; the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from alembic import command
from sqlalchemy import Connection, Engine
from sqlmodel import Session

from app.core.db import alembic_config, upgrade
from app.services.report_counts import Count, counts
from app.services.reports import call_steps
from tests.app.report_history import T0, history


def test_the_steps_of_each_kind_of_call(rolled_back: Connection) -> None:
    database = rolled_back
    full = history(database, T0, [
        (2, "received", "dispatched"), (3, "dispatched", "en_route"), (15, "en_route", "on_scene"),
        (30, "on_scene", "transporting"), (50, "transporting", "at_hospital"),
        (65, "at_hospital", "closed"),
    ])  # fmt: skip
    skipped = history(database, T0 + timedelta(hours=1), [
        (1, "received", "dispatched"), (9, "dispatched", "on_scene"),  # no "en route" pressed
    ])  # fmt: skip
    again = history(database, T0 + timedelta(hours=2), [
        (2, "received", "dispatched"), (4, "dispatched", "received"),  # the crew refused
        (6, "received", "dispatched"), (7, "dispatched", "en_route"),
    ])  # fmt: skip
    cancelled = history(database, T0 + timedelta(hours=3), [
        (1, "received", "dispatched"), (5, "dispatched", "cancelled"),
    ])  # fmt: skip
    on_scene_only = history(database, T0 + timedelta(hours=4), [
        (1, "received", "dispatched"), (8, "dispatched", "en_route"), (12, "en_route", "on_scene"),
        (40, "on_scene", "closed"),  # treated on scene
    ])  # fmt: skip
    history(database, T0 - timedelta(days=1), [(1, "received", "dispatched")])  # outside the window
    with Session(database) as session:
        steps = {s.call_id: s for s in call_steps(session, since=T0, until=T0 + timedelta(days=1))}
    assert set(steps) == {full, skipped, again, cancelled, on_scene_only}
    f = steps[full]
    assert [f.seconds("created", "dispatched"), f.seconds("created", "on_scene"),
            f.seconds("on_scene", "transporting"), f.seconds("transporting", "at_hospital"),
            f.seconds("at_hospital", "handed_over")] == [120, 900, 900, 1200, 900]  # fmt: skip
    assert f.dispatched_at is not None and f.dispatched_at.tzinfo is not None
    s = steps[skipped]
    assert s.en_route_at is None and s.seconds("created", "on_scene") == 540
    a = steps[again]
    assert a.seconds("created", "dispatched") == 120  # the first dispatch: the operator's time
    assert a.seconds("dispatched", "en_route") == 300
    c = steps[cancelled]
    assert c.cancelled_at == T0 + timedelta(hours=3, minutes=5) and c.on_scene_at is None
    o = steps[on_scene_only]
    assert o.handed_over_at is None and o.seconds("created", "on_scene") == 720


def test_the_eta_promised_at_dispatch_against_the_drive(migrated_engine: Engine) -> None:
    from app.models import Ambulance, Dispatch  # noqa: PLC0415

    database = migrated_engine
    call_id = history(database, T0, [(1, "received", "dispatched"), (13, "dispatched", "on_scene")])
    untimed = history(database, T0 + timedelta(hours=1), [(1, "received", "dispatched")])
    with Session(database) as session:
        session.add(Ambulance(id="pkm-1", name="PKM 1", post_id="pkm"))
        session.flush()
        session.add(Dispatch(call_id=call_id, ambulance_id="pkm-1", assigned_by=1, eta_s=600.0,
                             recommended=True))  # fmt: skip
        session.commit()
        steps = {s.call_id: s for s in call_steps(session, since=T0, until=T0 + timedelta(days=1))}
    assert steps[call_id].promised_eta_s == 600.0
    assert steps[call_id].eta_error_s == 120.0  # 12 minutes' drive for 10 promised
    assert steps[untimed].promised_eta_s is None and steps[untimed].eta_error_s is None


def test_calls_taken_before_the_steps_were_kept_get_them_from_the_audit(
    database_url: str, migrated_engine: Engine
) -> None:
    """Migration 0019 fills in the steps of older calls from the audit log, by the same rule
    (first time counts, handed over only from at hospital)."""
    database = migrated_engine
    history(database, T0, [
        (2, "received", "dispatched"), (4, "dispatched", "received"), (6, "received", "dispatched"),
        (7, "dispatched", "en_route"), (15, "en_route", "on_scene"),
        (30, "on_scene", "transporting"), (50, "transporting", "at_hospital"),
        (65, "at_hospital", "closed"),
    ])  # fmt: skip
    cancelled = [(1, "received", "dispatched"), (5, "dispatched", "cancelled")]
    history(database, T0 + timedelta(hours=1), cancelled, "duplicate")
    history(database, T0 + timedelta(hours=2), [(1, "received", "dispatched"),
                                              (9, "dispatched", "on_scene"),
                                              (40, "on_scene", "closed")])  # fmt: skip
    window = {"since": T0, "until": T0 + timedelta(days=1)}
    with Session(database) as session:
        kept = call_steps(session, **window)
        reasons = counts(session, **window)
    database.dispose()
    command.downgrade(alembic_config(database_url), "0018")  # the columns go
    upgrade(database_url)  # and come back, filled in from the audit
    with Session(database) as session:
        assert call_steps(session, **window) == kept
        assert counts(session, **window) == reasons
    assert Count("cancelled", "duplicate", 1) in reasons
    assert kept[0].handed_over_at == T0 + timedelta(minutes=65)
    assert kept[2].handed_over_at is None and kept[1].cancelled_at is not None
