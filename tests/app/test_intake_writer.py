"""The intake writer: calls handed in together are written in one transaction, a new caller
once however many of the group's calls they made, a bad call fails alone, nothing queued is
lost at shutdown. On SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from app.core.db import make_engine, upgrade
from app.core.security import PersonalDataVault
from app.models import AuditEvent, Call, Caller, Patient, Role, Triage
from app.nik import parse_nik
from app.services import audit, callers, users
from app.services.intake_writer import IntakeWriter, NewCall, _Pending

NIK = "3302264107900001"


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    upgrade(database_url)
    made = make_engine(database_url)
    with Session(made) as session:
        users.create_user(session, users.NewUser("test operator", Role.OPERATOR))
        session.commit()
    yield made
    made.dispose()


def new_call(engine: Engine, *, nik: str | None, phone: str | None, user_id: int = 1) -> NewCall:
    vault = PersonalDataVault(b"k" * 32)
    with Session(engine) as session:
        match = callers.identify(
            session, vault, nik=parse_nik(nik) if nik else None, phone=phone, name=None
        )
    call = Call(created_by=user_id, category="stemi", triage=Triage.MERAH, lon=109.23, lat=-7.39)
    patients = [Patient(call_id=0, age_years=50, condition="chest pain")]
    created = audit.entry(actor_user_id=None, action="call.created", entity="call", entity_id=0)
    return NewCall(match, call, patients, created)


def count(engine: Engine, model: type) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(model)).one()


def write_as_one_group(writer: IntakeWriter, news: list[NewCall]) -> list[int | Exception]:
    """Hand the writer one group, as its thread would when these arrive together."""
    group = [_Pending(n) for n in news]
    writer._write(group)
    return [p.done.exception() or p.done.result() for p in group]  # type: ignore[misc]


def test_a_group_is_written_together_with_one_row_per_new_caller(engine: Engine) -> None:
    writer = IntakeWriter(engine)
    # Ten calls from one new NIK and five from one new phone, in one group.
    news = [new_call(engine, nik=NIK, phone=None) for _ in range(10)]
    news += [new_call(engine, nik=None, phone="081234567890") for _ in range(5)]
    results = write_as_one_group(writer, news)
    writer.close()
    ids = [r for r in results if isinstance(r, int)]
    assert len(set(ids)) == 15
    assert count(engine, Caller) == 2
    with Session(engine) as session:
        stored = session.exec(select(Call).where(col(Call.id).in_(ids))).all()
        assert {c.caller_id for c in stored} == {news[0].call.caller_id, news[-1].call.caller_id}
        patients = session.exec(select(Patient)).all()
        assert sorted(p.call_id for p in patients) == sorted(ids)
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "call.created")).all()
        assert sorted(int(e.entity_id) for e in events) == sorted(ids)
    # Each request's objects carry the ids it will show.
    assert all(n.call.id in ids and n.patients[0].call_id == n.call.id for n in news)


def test_calls_from_many_threads_are_each_stored_once(engine: Engine) -> None:
    writer = IntakeWriter(engine)
    news = [new_call(engine, nik=None, phone=f"0812345678{i:02d}") for i in range(40)]
    ids: list[int] = []
    lock = threading.Lock()

    def write(new: NewCall) -> None:
        call_id = writer.write(new)
        with lock:
            ids.append(call_id)

    threads = [threading.Thread(target=write, args=(n,)) for n in news]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    writer.close()
    assert sorted(ids) == sorted(n.call.id or 0 for n in news)
    assert count(engine, Call) == 40 and count(engine, Caller) == 40


def test_a_bad_call_fails_alone(engine: Engine) -> None:
    writer = IntakeWriter(engine)
    good = [new_call(engine, nik=None, phone=f"08123456789{i}") for i in range(3)]
    bad = new_call(engine, nik=None, phone="081298765432", user_id=999_999)  # no such user
    results = write_as_one_group(writer, [good[0], bad, *good[1:]])
    writer.close()
    assert isinstance(results[1], Exception)
    assert all(isinstance(r, int) for r in (results[0], *results[2:]))
    assert count(engine, Call) == 3


def test_close_writes_what_is_queued_then_refuses(engine: Engine) -> None:
    writer = IntakeWriter(engine)
    call_id = writer.write(new_call(engine, nik=NIK, phone=None))
    writer.close()
    assert count(engine, Call) == 1 and call_id > 0
    with pytest.raises(RuntimeError, match="stopped"):
        writer.write(new_call(engine, nik=NIK, phone=None))
