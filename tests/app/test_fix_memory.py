"""The live fast path: fixes that continue a connection are judged against the writer's
memory and inserted together, and still stored once, outliers still caught, positions
still moved, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, event
from sqlmodel import Session, col, select

from app.core.db import make_engine, upgrade
from app.models import Ambulance, GpsFix
from app.services.fix_judging import FixPolicy
from app.services.fix_store import Batch, FixMemory, store_many
from routing.geo import BBox
from tracking.fixes import FilterRules, Fix

BBOX = BBox(108.8, -7.8, 109.6, -7.1)
POLICY = FixPolicy(BBOX, FilterRules())
T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    upgrade(database_url)
    engine = make_engine(database_url)
    with Session(engine) as session:
        session.add(Ambulance(id="amb-1", name="Ambulans 1", post_id="post-1"))
        session.commit()
    yield engine
    engine.dispose()


def at(seconds: int, lat: float = -7.40) -> Fix:
    return Fix(109.24, lat, T0 + timedelta(seconds=seconds))


class Reads:
    """Counts SELECTs on an engine."""

    def __init__(self, engine: Engine) -> None:
        self.count = 0
        event.listen(engine, "before_cursor_execute", self)

    def __call__(self, _conn: object, _cursor: object, statement: str, *_args: object) -> None:
        self.count += statement.lstrip().upper().startswith("SELECT")


def stored(engine: Engine) -> list[GpsFix]:
    with Session(engine) as session:
        return list(session.exec(select(GpsFix).order_by(col(GpsFix.fix_time))))


def test_continuing_fixes_are_stored_without_reading(engine: Engine) -> None:
    memory = FixMemory()
    first = store_many(engine, [Batch("amb-1", [at(0)])], POLICY, memory=memory)
    assert first[0].stored == 1
    reads = Reads(engine)
    for second in range(1, 6):
        batch = Batch("amb-1", [at(second, -7.40 + second * 1e-4)], continuing=True)
        [result] = store_many(engine, [batch], POLICY, memory=memory)
        assert result.stored == 1 and result.latest is not None
    assert reads.count == 0  # judged from memory, inserted with RETURNING
    assert [f.fix_time for f in stored(engine)] == [T0 + timedelta(seconds=s) for s in range(6)]
    with Session(engine) as session:
        ambulance = session.get(Ambulance, "amb-1")
        assert ambulance is not None and ambulance.position_at == T0 + timedelta(seconds=5)


def test_the_fast_path_still_flags_outliers_and_counts_fixes_stored_elsewhere(
    engine: Engine,
) -> None:
    memory = FixMemory()
    store_many(engine, [Batch("amb-1", [at(0)])], POLICY, memory=memory)
    # Another worker stores the fix at 1 s meanwhile (the crew reconnected there briefly).
    with Session(engine) as session:
        session.add(GpsFix(ambulance_id="amb-1", fix_time=T0 + timedelta(seconds=1),
                           lon=109.24, lat=-7.40))  # fmt: skip
        session.commit()
    jump = at(2, -7.20)  # 22 km north one second later: no ambulance drives that fast
    batch = Batch("amb-1", [at(1), jump, at(3, -7.4001)], continuing=True)
    [result] = store_many(engine, [batch], POLICY, memory=memory)
    assert (result.stored, result.duplicates) == (2, 1)
    assert result.rejected["duplicate"] == 1
    rows = {f.fix_time: f for f in stored(engine)}
    assert len(rows) == 4
    assert rows[jump.fix_time].outlier  # judged against the remembered usable fix
    assert not rows[T0 + timedelta(seconds=3)].outlier
    assert result.latest is not None and result.latest.fix.fix_time == T0 + timedelta(seconds=3)


def test_a_batch_older_than_memory_goes_the_careful_way(engine: Engine) -> None:
    memory = FixMemory()
    store_many(engine, [Batch("amb-1", [at(10)])], POLICY, memory=memory)
    replay = Batch("amb-1", [at(5), at(10)], continuing=True)  # 10 s is stored already
    [result] = store_many(engine, [replay], POLICY, memory=memory)
    assert (result.stored, result.duplicates) == (1, 1)
    assert result.latest is None  # an older fix does not move the ambulance back
    with Session(engine) as session:
        ambulance = session.get(Ambulance, "amb-1")
        assert ambulance is not None and ambulance.position_at == T0 + timedelta(seconds=10)


def test_one_crews_unreadable_times_share_no_failure_with_the_group(engine: Engine) -> None:
    with Session(engine) as session:
        session.add(Ambulance(id="amb-2", name="Ambulans 2", post_id="post-1"))
        session.commit()
    bad_times = [
        Fix(109.24, -7.40, datetime(2026, 11, 23, 7, 30)),  # no zone
        Fix(109.24, -7.40, datetime.fromisoformat("0001-01-01T00:00:00+14:00")),
        Fix(109.24, -7.40, datetime.fromisoformat("9999-12-31T23:00:00-12:00")),
    ]
    group = [Batch("amb-1", [at(0), at(1)]), Batch("amb-2", [*bad_times, at(5)])]
    first, second = store_many(engine, group, POLICY)
    assert first.stored == 2 and first.error is None and not first.rejected
    assert second.stored == 1 and second.rejected == {"bad_time": 3}
    assert len(stored(engine)) == 3


def test_a_value_the_database_refuses_fails_only_its_own_batch(engine: Engine) -> None:
    with Session(engine) as session:
        session.add(Ambulance(id="amb-2", name="Ambulans 2", post_id="post-1"))
        session.commit()
    refused = Fix(109.24, -7.40, T0 + timedelta(seconds=9), speed_mps=10**400)  # no float
    group = [Batch("amb-1", [at(0)]), Batch("amb-2", [at(3), refused])]
    first, second = store_many(engine, group, POLICY)
    assert first.stored == 1 and first.error is None
    assert second.stored == 0 and second.error is None
    assert second.rejected == {"unstorable": 2}  # acknowledged as refused, not sent forever
    assert [f.ambulance_id for f in stored(engine)] == ["amb-1"]
