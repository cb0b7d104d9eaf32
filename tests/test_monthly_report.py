"""`satria report monthly`: the health office's PDF, rendered to PNG and read back: its
headline figures are the reports' own, it says SYNTHETIC, its charts are beside it; an empty
month is a report of zeros, not a crash."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pypdfium2 as pdfium
from sqlmodel import Session

from app.core.db import make_engine
from app.services.history import HistoryWriter
from app.services.monthly_report import month_window
from app.services.report_desk import ReportDesk
from routing import Region
from tests.web.conftest import SCREENSHOTS


def satria(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args], capture_output=True, text=True, timeout=300,
        check=False, env={**env, "PATH": "/usr/bin:/bin", "COLUMNS": "120"},
    )  # fmt: skip


def pages(pdf: Path) -> list[str]:
    """The text of each page, as a reader's PDF viewer extracts it."""
    document = pdfium.PdfDocument(pdf)
    return [document[i].get_textpage().get_text_range() for i in range(len(document))]


def test_the_monthly_report_for_the_health_office(
    demo: Region, demo_dir: Path, tmp_path: Path
) -> None:
    env = {"SATRIA_REGIONS_DIR": str(demo_dir.parent), "SATRIA_DATA_DIR": str(tmp_path)}
    out = tmp_path / "out"
    empty = satria(env, "report", "monthly", "--month", "2026-08", "--out-dir", str(out))
    assert empty.returncode == 0, empty.stderr[-2000:]  # and the database is ready now
    first = pages(out / "satria-report-2026-08.pdf")[0]
    assert "Waktu tanggap 0 - - 30 -" in first

    engine = make_engine(f"sqlite:///{tmp_path / 'satria.db'}")
    since, until = month_window("2026-08")
    assert (since, until) == (datetime(2026, 7, 31, 17, tzinfo=UTC),
                              datetime(2026, 8, 31, 17, tzinfo=UTC))  # fmt: skip
    HistoryWriter(engine, demo, now=until, seed=8).write(since, until, 600)
    with Session(engine) as session:
        figures = ReportDesk({"response": 30.0}).dashboard(session, since=since, until=until)
    engine.dispose()
    made = satria(env, "report", "monthly", "--month", "2026-08", "--out-dir", str(out))
    assert made.returncode == 0, made.stderr[-2000:]
    assert "SYNTHETIC" in made.stdout
    pdf = out / "satria-report-2026-08.pdf"
    text = pages(pdf)
    assert len(text) >= 4 and all("DATA SINTETIS" in page for page in text)
    response = next(h for h in figures.headline if h.interval == "response")
    assert response.calls > 400 and response.median_s and response.p90_s and response.within_target
    row = (f"Waktu tanggap {response.calls} {response.median_s / 60:.1f} "
           f"{response.p90_s / 60:.1f} 30 {response.within_target:.0%}")  # fmt: skip
    assert row in text[0]
    calls = next(c.count for c in figures.counts if c.kind == "calls")
    assert f"Panggilan {calls}" in text[0] and calls == 600
    assert "Periode: 2026-08 (2026-08-01 - 2026-08-31, WIB)" in text[0]
    for chart in ("intervals", "response-by-week", "response-by-shift", "response-by-district"):
        assert (out / f"satria-report-2026-08-{chart}.png").read_bytes()[:4] == b"\x89PNG"
    # The first page as the health office sees it, for the run's screenshots.
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    document = pdfium.PdfDocument(pdf)
    for number in range(2):
        document[number].render(scale=1.5).to_pil().save(
            SCREENSHOTS / f"monthly-report-{number + 1}.png"
        )
    english = satria(env, "report", "monthly", "--month", "2026-08", "--lang", "en",
                     "--out-dir", str(tmp_path / "en"))  # fmt: skip
    assert english.returncode == 0, english.stderr[-2000:]
    assert "Response time" in pages(tmp_path / "en" / "satria-report-2026-08.pdf")[0]
    wrong = satria(env, "report", "monthly", "--month", "August", "--out-dir", str(out))
    assert wrong.returncode == 2 and "YYYY-MM" in wrong.stdout
