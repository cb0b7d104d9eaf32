"""Rows written without the ORM's unit of work, for the paths taken on every call.

On SQLite the writers of a process take turns (``app.core.db.SqliteWriterQueue``), and the
CPU a writer spends between its first write and its commit is multiplied, under load, by
every request thread competing with it for the GIL. The intake prepares its rows first and
then writes them here, back to back: one compiled INSERT each, no flush planning.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, insert
from sqlmodel import Session, SQLModel


def table_of(model: type[SQLModel]) -> Table:
    """The table of a model class."""
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


def values_of(row: SQLModel) -> dict[str, Any]:
    """A row's column values, its id left to the database."""
    return row.model_dump(exclude={"id"})


def insert_one(session: Session, row: SQLModel) -> int:
    """Insert ``row`` in the session's transaction and give it the id the database chose."""
    table = table_of(type(row))
    statement = insert(table).returning(table.c.id)
    new_id: int = session.connection().execute(statement, values_of(row)).scalar_one()
    row.id = new_id
    return new_id


def insert_each(session: Session, rows: Sequence[SQLModel]) -> list[int]:
    """Insert rows of one table in one multi-row statement and give each the id the
    database chose (in the rows' order)."""
    if not rows:
        return []
    table = table_of(type(rows[0]))
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    result = session.connection().execute(statement, [values_of(r) for r in rows])
    new_ids: list[int] = list(result.scalars())
    for row, new_id in zip(rows, new_ids, strict=True):
        row.id = new_id
    return new_ids


def insert_all(session: Session, rows: Sequence[SQLModel]) -> None:
    """Insert rows of one table in one statement (their ids are not read back)."""
    if rows:
        session.connection().execute(insert(table_of(type(rows[0]))), [values_of(r) for r in rows])
