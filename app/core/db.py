"""Database engine and migrations: SQLite by default, PostgreSQL by URL, the same code."""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, event, text
from sqlmodel import create_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def _private_file(path: Path) -> None:
    """Create the SQLite file (and its folder) readable by this user only: it holds personal
    data, encrypted, and everything else in clear. SQLite gives its -wal and -shm files the
    database file's mode."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():
        with contextlib.suppress(FileExistsError):  # another worker made it meanwhile
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def make_engine(url: str) -> Engine:
    """An engine for this URL; SQLite gets WAL, foreign keys and a busy timeout."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            _private_file(Path(path))
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=10,
            max_overflow=40,  # the request thread pool has 40 threads
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        SqliteWriterQueue(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=35)


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    # WAL lets readers run beside the writer; synchronous=NORMAL is durable in WAL mode
    # across application crashes, and an acknowledged call must survive one.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


class SqliteWriterQueue:
    """Writers of one process take turns on a lock instead of SQLite's busy handler.

    SQLite has one writer at a time. A second writer waits in SQLite's busy handler, which
    polls with sleeps of 1, 2, 5, 10... ms: under load most of a request's time went there.
    Here the writers of this process queue on a Python lock, taken before the first write
    statement of a transaction (when pysqlite begins the transaction) and released as soon
    as it commits or rolls back, or the connection is reset, closed or invalidated, so that a
    failed request cannot keep it. Other processes (a CLI command) still use the busy handler.
    """

    def __init__(self, engine: Engine) -> None:
        self._lock = threading.Lock()
        self._holder: int | None = None  # id() of the DBAPI connection holding the lock
        event.listen(engine, "before_cursor_execute", self._before_execute)
        for name in ("reset", "close", "invalidate", "checkin"):
            event.listen(engine.pool, name, self._on_pool_event)
        dialect = engine.dialect
        commit, rollback = dialect.do_commit, dialect.do_rollback

        def do_commit(dbapi_connection: Any) -> None:
            try:
                commit(dbapi_connection)
            finally:
                self._release(dbapi_connection)

        def do_rollback(dbapi_connection: Any) -> None:
            try:
                rollback(dbapi_connection)
            finally:
                self._release(dbapi_connection)

        dialect.do_commit = do_commit  # type: ignore[method-assign]
        dialect.do_rollback = do_rollback  # type: ignore[method-assign]

    def _before_execute(self, conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        dbapi_connection = conn.connection.dbapi_connection
        if self._holder == id(dbapi_connection) or not _WRITE.match(statement):
            return
        self._lock.acquire()
        self._holder = id(dbapi_connection)

    def _release(self, dbapi_connection: Any) -> None:
        if self._holder is not None and self._holder == id(dbapi_connection):
            self._holder = None
            self._lock.release()

    def _on_pool_event(self, dbapi_connection: Any, *_args: Any) -> None:
        self._release(dbapi_connection)


_WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


def alembic_config(url: str) -> Config:
    """Alembic configured in code for this database (no alembic.ini to drift)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Apply migrations up to ``revision``."""
    command.upgrade(alembic_config(url), revision)


STARTUP_LOCK_ID = 1190119  # any constant; PostgreSQL advisory locks are per database


@contextmanager
def startup_lock(engine: Engine) -> Iterator[None]:
    """Serialise start-up work (migrations, seeding) between workers.

    PostgreSQL: an advisory lock. SQLite: an exclusive lock on a file beside the database
    (several workers on one SQLite file are allowed, if not recommended).
    """
    if engine.dialect.name == "sqlite":
        database = engine.url.database
        if not database or database == ":memory:":
            yield
            return
        with Path(f"{database}.startup.lock").open("w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:id)"), {"id": STARTUP_LOCK_ID})
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": STARTUP_LOCK_ID})
            connection.commit()
