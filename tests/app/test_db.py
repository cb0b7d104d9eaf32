"""Migrations build the schema the models describe, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, SQLModel, select

from app import models
from app.core.db import make_engine, upgrade
from tests.app.conftest import rolled_back_transaction


def test_migrations_match_the_models(database_url: str) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    engine.dispose()
    assert diff == []


def test_upgrade_twice_is_harmless_and_tables_exist(database_url: str) -> None:
    upgrade(database_url)
    upgrade(database_url)
    engine = make_engine(database_url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    expected = {"user", "apikey", "hospital", "readinessreport", "caller", "ambulance", "call",
                "patient", "dispatch", "referral", "auditevent"}  # fmt: skip
    assert expected <= tables


def test_round_trip_of_json_enum_and_aware_time(database_url: str) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)
    with Session(engine) as session:
        session.add(
            models.Hospital(
                id="rs-a", name="RS A", lon=109.2, lat=-7.4, capabilities=["igd_24h", "icu"]
            )
        )
        session.add(models.User(name="op", role=models.Role.OPERATOR))
        session.commit()
        user = session.exec(select(models.User)).one()
        call = models.Call(
            created_by=user.id or 0,
            category="stemi",
            triage=models.Triage.MERAH,
            lon=109.2,
            lat=-7.4,
        )
        session.add(call)
        session.commit()
        session.refresh(call)
        stored = session.exec(select(models.Call)).one()
        assert stored.status == models.CallStatus.RECEIVED == "received"
        assert stored.triage == "merah"
        assert session.get(models.Hospital, "rs-a").capabilities == ["igd_24h", "icu"]  # type: ignore[union-attr]
    engine.dispose()


def test_migrations_go_down_and_up_again(database_url: str) -> None:
    from alembic import command  # noqa: PLC0415

    from app.core.db import alembic_config  # noqa: PLC0415

    upgrade(database_url)
    command.downgrade(alembic_config(database_url), "base")
    engine = make_engine(database_url)
    assert "call" not in set(inspect(engine).get_table_names())
    engine.dispose()
    upgrade(database_url)
    engine = make_engine(database_url)
    assert "registryperson" in set(inspect(engine).get_table_names())
    engine.dispose()


def test_the_audit_log_cannot_be_changed_or_deleted(database_url: str) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)
    with Session(engine) as session:
        session.add(models.AuditEvent(action="call.status", entity="call", entity_id="1"))
        session.commit()
    for statement in ("UPDATE auditevent SET action = 'forged'", "DELETE FROM auditevent"):
        with engine.connect() as connection, pytest.raises(DBAPIError, match="append-only"):
            connection.execute(text(statement))
    with Session(engine) as session:
        assert [e.action for e in session.exec(select(models.AuditEvent))] == ["call.status"]
    engine.dispose()


def test_a_rolled_back_test_leaves_nothing_behind(module_engine: Engine) -> None:
    def calls() -> int:
        with Session(module_engine) as session:
            return len(session.exec(select(models.Call)).all())

    before = calls()
    with rolled_back_transaction(module_engine) as connection:
        with Session(connection) as session:
            session.add(models.Call(created_by=1, category="stemi", triage=models.Triage.MERAH))
            session.commit()  # joins the test's transaction: not the database's commit
        with Session(connection) as session:
            assert len(session.exec(select(models.Call)).all()) == before + 1
    assert calls() == before
