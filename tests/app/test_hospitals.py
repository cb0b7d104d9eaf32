"""The hospital registry and readiness: seeded once, then the database rules; concurrent
reports lose nothing; a report made on one worker reaches the rankings of another."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlmodel import Session, select

from app.core.db import make_engine, upgrade
from app.models import Ambulance, Hospital, ReadinessReport
from app.services.hospitals import HospitalCorrection, seed_from_region, update_hospital
from app.services.readiness import BoardCache, ReadinessChange, ReadinessDesk
from routing import LonLat, Region

INCIDENT = LonLat(109.2417, -7.3600)  # next to RSUD Purwa


def test_seeded_once_then_the_database_rules(database_url: str, demo: Region) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)
    with Session(engine) as session:
        assert seed_from_region(session, demo) == (20, 21)
        correction = HospitalCorrection(name="RSUD Prof. Purwa", capabilities=["igd_24h"])
        update_hospital(session, "rsud-purwa", correction, region=demo, actor_user_id=None)
        assert seed_from_region(session, demo) == (0, 0)  # a restart adds nothing...
        row = session.get(Hospital, "rsud-purwa")
        assert row is not None and row.name == "RSUD Prof. Purwa"  # ...and overwrites nothing
        assert len(session.exec(select(Ambulance)).all()) == 21
        # The database's capabilities drive the ranking: no cath lab any more.
        board = BoardCache(demo).board(session)
        ranking = demo.rank_hospitals(INCIDENT, "stemi", board)
        entry = next(e for e in ranking.all if e.hospital.id == "rsud-purwa")
        assert entry.hospital.name == "RSUD Prof. Purwa"
        assert "cath_lab" in {r.subject for r in entry.reasons}
    engine.dispose()


def test_concurrent_reports_lose_nothing(database_url: str, demo: Region) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)
    with Session(engine) as session:
        seed_from_region(session, demo)
    kinds = ["igd", "icu", "nicu", "picu", "ward"]

    def report(i: int) -> None:
        with Session(engine) as session:
            change = ReadinessChange(free_beds={kinds[i % 5]: i})
            ReadinessDesk(demo, None).report(session, "rsud-purwa", change, None)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(report, range(40)))
    with Session(engine) as session:
        row = session.get(Hospital, "rsud-purwa")
        assert row is not None
        # Each kind holds the value of the last report of that kind: every update landed.
        last = {kind: max(i for i in range(40) if kinds[i % 5] == kind) for kind in kinds}
        reports = session.exec(
            select(ReadinessReport).where(ReadinessReport.hospital_id == "rsud-purwa")
        ).all()
        assert len(reports) == 40
        assert row.version == 40
        latest_by_kind: dict[str, int] = {}
        for r in sorted(reports, key=lambda r: r.id or 0):
            latest_by_kind.update(r.free_beds or {})
        assert {k: v["free"] for k, v in row.readiness["beds"].items()} == latest_by_kind
        assert set(latest_by_kind) == set(last)
    engine.dispose()


def test_a_report_on_one_worker_reaches_another_workers_rankings(
    database_url: str, demo: Region
) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)
    worker_a, worker_b = BoardCache(demo), BoardCache(demo, check_every_s=0.0)
    with Session(engine) as session:
        seed_from_region(session, demo)
        before = demo.rank_hospitals(INCIDENT, "stemi", worker_b.board(session))
        assert before.best is not None and before.best.hospital.id == "rsud-purwa"
        worker_a.board(session)
        change = ReadinessChange(on_diversion=True, diversion_reason="CT down")
        ReadinessDesk(demo, None).report(session, "rsud-purwa", change, None)
        after = demo.rank_hospitals(INCIDENT, "stemi", worker_b.board(session))
        assert after.best is not None and after.best.hospital.id != "rsud-purwa"
    engine.dispose()
