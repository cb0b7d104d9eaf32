"""A fix is acknowledged only once it is stored: kill the database connection in the middle
of the stream, and every acknowledged fix is still in the table.

The kill is aimed, not random: a hook on the service's engine terminates the PostgreSQL
backend of the very connection that is about to insert fixes (``pg_terminate_backend``),
every few inserts. The crew sends one fix per message, as a phone does, and sends again
what was not acknowledged.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.pool import NullPool
from sqlmodel import Session, select

from app.models import GpsFix
from routing import Region
from tests.app.conftest import POSTGRES_URL, Service, fresh_database, running_service

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="needs SATRIA_TEST_POSTGRES_URL")
KILL_EVERY = 7  # inserts of fixes
KILLS = 4


@pytest.fixture
def service(demo: Region, tmp_path: Path) -> Iterator[Service]:
    with (
        fresh_database("postgresql", tmp_path) as url,
        running_service(url, tmp_path, demo) as running,
    ):
        yield running


class Killer:
    """Terminates the backend of every KILL_EVERY-th connection that inserts fixes."""

    def __init__(self) -> None:
        self.inserts = 0
        self.kills = 0
        self._admin = create_engine(POSTGRES_URL, poolclass=NullPool)

    def __call__(self, connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith("INSERT INTO GPSFIX"):
            return
        self.inserts += 1
        if self.kills >= KILLS or self.inserts % KILL_EVERY:
            return
        pid = connection.connection.dbapi_connection.info.backend_pid
        with self._admin.begin() as admin:
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        self.kills += 1


def test_no_acknowledged_fix_is_missing_when_the_connection_dies(service: Service) -> None:
    killer = Killer()
    event.listen(service.app.state.engine, "before_cursor_execute", killer)
    start = datetime.now(UTC) - timedelta(minutes=5)
    times = [start + timedelta(seconds=i) for i in range(60)]
    fixes = [
        {"lon": 109.24, "lat": -7.36 + i * 1e-4, "fix_time": moment.isoformat()}
        for i, moment in enumerate(times)
    ]
    acknowledged: set[datetime] = set()
    refused: list[dict[str, Any]] = []
    try:
        with service.client.websocket_connect("/ws/crew", headers=service.auth("crew")) as socket:
            to_send = list(fixes)
            for _round in range(5):  # send, then send again what was refused
                again = []
                for seq, fix in enumerate(to_send):
                    socket.send_text(
                        json.dumps({"type": "fix", "seq": seq, "fix": fix}, default=str)
                    )
                    answer = json.loads(socket.receive_text())
                    assert answer["seq"] == seq
                    if answer["type"] == "ack":
                        assert answer["stored"] + answer["duplicates"] == 1, answer
                        acknowledged.add(datetime.fromisoformat(str(fix["fix_time"])))
                    else:
                        assert answer["type"] == "error"
                        assert "send them again" in answer["detail"]
                        refused.append(answer)
                        again.append(fix)
                to_send = again
                if not to_send:
                    break
    finally:
        event.remove(service.app.state.engine, "before_cursor_execute", killer)

    assert killer.kills == KILLS  # the connection really died under the stream
    assert len(refused) >= KILLS  # and those fixes were not acknowledged
    with Session(service.app.state.engine) as session:
        stored = set(
            session.exec(select(GpsFix.fix_time).where(GpsFix.ambulance_id == service.ambulance_id))
        )
    assert acknowledged <= stored  # nothing acknowledged is missing
    assert acknowledged == set(times)  # and, sent again, everything got through
