"""What went other than planned, counted with reasons; who served each call (ambulance, post,
receiving hospital); the slowest calls. Known answers from a hand-built history, the same on
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Connection
from sqlmodel import Session

from app.models import Ambulance, Call, Dispatch, Hospital, Referral
from app.services.report_aggregates import Question, slowest, summarise_by
from app.services.report_counts import counts
from tests.app.report_history import T0, Database, history

WINDOW = {"since": T0, "until": T0 + timedelta(days=1)}


def served(database: Database, call_id: int, *units: tuple[str, str | None]) -> None:
    """Dispatches of a call in order: (ambulance, refusal or None for accepted)."""
    with Session(database) as session:
        for ambulance_id, refusal in units:
            session.add(Dispatch(call_id=call_id, ambulance_id=ambulance_id, assigned_by=1,
                                 recommended=True, eta_s=300.0, accepted=refusal is None,
                                 refusal=refusal))  # fmt: skip
        call = session.get(Call, call_id)
        assert call is not None and units
        call.assigned_ambulance_id = units[-1][0]  # as the service keeps it: the last one
        session.add(call)
        session.commit()


def referred(database: Database, call_id: int, *answers: tuple[str, str, str | None]) -> None:
    """Referrals of a call in order: (hospital, answer, reason); all but the last replaced."""
    with Session(database) as session:
        for number, (hospital_id, answer, reason) in enumerate(answers):
            last = number == len(answers) - 1
            session.add(Referral(call_id=call_id, hospital_id=hospital_id, created_by=1,
                                 answer=answer, answer_reason=reason,
                                 superseded_at=None if last else T0))  # fmt: skip
        call = session.get(Call, call_id)
        assert call is not None
        call.receiving_hospital_id = answers[-1][0]
        session.add(call)
        session.commit()


def setting(database: Database) -> None:
    with Session(database) as session:
        session.add_all([Ambulance(id="a-1", name="A 1", post_id="post-north"),
                         Ambulance(id="a-2", name="A 2", post_id="post-north"),
                         Ambulance(id="b-1", name="B 1", post_id="post-south")])  # fmt: skip
        session.add_all([Hospital(id=h, name=h, lon=109.2, lat=-7.4) for h in ("rs-a", "rs-b")])
        session.commit()


RUN = [(2, "received", "dispatched"), (3, "dispatched", "en_route"), (12, "en_route", "on_scene"),
       (30, "on_scene", "transporting"), (45, "transporting", "at_hospital")]  # fmt: skip


def test_counts_with_their_reasons(rolled_back: Connection) -> None:
    database = rolled_back
    setting(database)
    refused = history(database, T0, [
        (2, "received", "dispatched"), (4, "dispatched", "received"),
        (6, "received", "dispatched"), (20, "dispatched", "on_scene"),
    ])  # fmt: skip
    served(database, refused, ("a-1", "vehicle_fault"), ("b-1", None))
    declined = history(database, T0 + timedelta(hours=1), RUN)
    served(database, declined, ("a-1", None))
    referred(database, declined, ("rs-a", "declined", "icu_full"), ("rs-b", "missed", None),
             ("rs-a", "accepted", None))  # fmt: skip
    for hours, reason in ((2, "duplicate"), (3, "duplicate"), (4, "own_transport")):
        moves = [(1, "received", "dispatched"), (5, "dispatched", "cancelled")]
        history(database, T0 + timedelta(hours=hours), moves, reason)
    prank = history(database, T0 + timedelta(hours=5), [(1, "received", "cancelled")], "prank")
    with Session(database) as session:
        call = session.get(Call, prank)
        assert call is not None
        call.prank_at, call.prank_reason, call.synthetic = T0, "laughing", True
        session.add(call)
        session.commit()
    history(
        database, T0 - timedelta(hours=1), [(1, "received", "cancelled")]
    )  # before: not counted
    with Session(database) as session:
        found = {(c.kind, c.reason): c.count for c in counts(session, **WINDOW)}
    assert found == {
        ("calls", ""): 6,
        ("synthetic", ""): 1,
        ("cancelled", "duplicate"): 2,
        ("cancelled", "own_transport"): 1,
        ("cancelled", "prank"): 1,
        ("prank", "phone_119"): 1,
        ("crew_refusal", "vehicle_fault"): 1,
        ("referral_declined", "icu_full"): 1,
        ("referral_escalated", ""): 1,
    }


def test_who_served_each_call_and_the_slowest_first(rolled_back: Connection) -> None:
    database = rolled_back
    setting(database)
    minutes = {"a-1": (10, "rs-a"), "a-2": (20, "rs-a"), "b-1": (40, "rs-b")}
    ids = {}
    for number, (ambulance_id, (on_scene_min, hospital_id)) in enumerate(minutes.items()):
        moves = [(1, "received", "dispatched"), (on_scene_min, "dispatched", "on_scene")]
        call_id = history(database, T0 + timedelta(hours=number), moves)
        served(database, call_id, *([("b-1", "crew_incomplete")] if number == 0 else []),
               (ambulance_id, None))  # fmt: skip
        referred(
            database, call_id, ("rs-b", "declined", "no_free_bed"), (hospital_id, "accepted", None)
        )
        ids[ambulance_id] = call_id
    question = Question("created", "on_scene", "all", T0, T0 + timedelta(days=1), 1800.0)
    with Session(database) as session:
        found = summarise_by(session, question, ("ambulance", "post", "hospital"))
        slow = slowest(session, question, limit=2)
    by = {
        grouping: {r.group: (r.calls, r.median_s) for r in rows} for grouping, rows in found.items()
    }
    # The refusing unit (b-1 on the first call) is not the one that served it.
    assert by["ambulance"] == {"a-1": (1, 600.0), "a-2": (1, 1200.0), "b-1": (1, 2400.0)}
    assert by["post"] == {"post-north": (2, 600.0), "post-south": (1, 2400.0)}
    assert by["hospital"] == {"rs-a": (2, 600.0), "rs-b": (1, 2400.0)}  # not the decliner
    assert [(steps.call_id, secs) for steps, secs in slow] == [(ids["b-1"], 2400.0),
                                                               (ids["a-2"], 1200.0)]  # fmt: skip
