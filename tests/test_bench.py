"""The benchmarks keep running: a small run of each, checking that it prints its figures."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_routing_bench_runs_fast_path_and_baseline(demo_dir: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench.routing", "--incidents", "200", "--baseline", "1",
         "--regions-dir", str(demo_dir.parent)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    for line in ("ranking (200 random incidents", "naive baseline", "speed-up", "peak RSS"):
        assert line in result.stdout


def test_api_bench_runs_against_a_real_server(demo_dir: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench.api", "--clients", "4", "--seconds", "1", "--sqlite-only",
         "--regions-dir", str(demo_dir.parent)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    for line in ("GET /healthz (HTTP floor)", "POST /api/calls (stored, ranked)",
                 "calls created per second", "one operator"):  # fmt: skip
        assert line in result.stdout
    runs = [line for line in result.stdout.splitlines() if "requests," in line]
    assert len(runs) == 4 and all(line.endswith(", 0 errors)") for line in runs), runs


def test_tracking_bench_runs_the_simulator_against_a_real_server(demo_dir: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench.tracking", "--ambulances", "6", "--seconds", "4",
         "--warmup", "6", "--hospital-feeds", "3", "--operator-feeds", "1",
         "--regions-dir", str(demo_dir.parent)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "ETA per fix: point table" in result.stdout
    (line,) = [line for line in result.stdout.splitlines() if "SQLite, 1 worker" in line]
    assert "feeds lost 0; simulator errors {}; missions 6" in line, line
    stored = float(line.split("stored ")[1].split(" fixes/s")[0])
    assert stored > 0, line


def test_crew_bench_measures_phone_to_board_pushed_and_polled(demo_dir: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench.crew", "--crews", "4", "--seconds", "5",
         "--vitals-every", "2", "--poll-every", "1", "--regions-dir", str(demo_dir.parent)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    (line,) = [line for line in result.stdout.splitlines() if "phone to board" in line]
    assert "errors 0" in line and "sooner at p50" in line, line
    assert "(n=0)" not in line, line  # both ways measured something


def test_public_bench_surges_and_loses_no_call(demo_dir: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench.public", "--citizens", "12", "--seconds", "3",
         "--poll-every", "1", "--regions-dir", str(demo_dir.parent)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    (surge,) = [line for line in result.stdout.splitlines() if line.startswith("surge:")]
    assert "acknowledged 12, stored 12, lost 0; errors {}" in surge, surge
    (fed,) = [line for line in result.stdout.splitlines() if "operators' feed" in line]
    assert "(12 calls)" in fed, fed  # every press reached the console's feed


def test_reports_bench_times_sql_and_the_naive_way() -> None:
    url = os.environ.get("SATRIA_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("the reports bench needs SATRIA_TEST_POSTGRES_URL (.ci/run sets it)")
    result = subprocess.run(
        [sys.executable, "-m", "bench.reports", "--calls", "1500", "--postgres", url],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    # 90 days up to now: three months, or four when they start on a month's last days.
    groups = re.search(r"\{'month': (\d), 'district': (\d+), 'shift': 3\}", result.stdout)
    assert groups is not None and groups[1] in "34" and groups[2] == "11", result.stdout
    assert "SQL is" in result.stdout and "faster" in result.stdout, result.stdout
    assert "monthly report figures in SQL" in result.stdout, result.stdout
    assert "dashboard over HTTP" in result.stdout, result.stdout


def test_soak_runs_with_every_fault_and_loses_nothing(demo_dir: Path) -> None:
    if not os.environ.get("SATRIA_TEST_POSTGRES_URL"):
        pytest.skip("the soak needs SATRIA_TEST_POSTGRES_URL (.ci/run sets it)")
    result = subprocess.run(
        [sys.executable, "-m", "bench.soak", "--seconds", "30", "--ambulances", "12",
         "--hospital-feeds", "4", "--call-every", "1", "--regions-dir", str(demo_dir.parent)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    faults = ("fault: Redis stopped", "database connections dropped", "worker B killed",
              "fault: registry slow", "fault: registry down", "registry back")  # fmt: skip
    for fault in faults:
        assert fault in result.stdout, result.stdout
    (calls,) = [line for line in result.stdout.splitlines() if "calls acknowledged" in line]
    assert int(calls.split("soak operator ")[1].split(",")[0]) >= 5, calls
    assert calls.split("lost ")[1].startswith("0;"), calls
    (verification,) = [line for line in result.stdout.splitlines() if "verification of" in line]
    # Calls flowed on through the registry outage; none was left waiting for it.
    assert "registry_unavailable" in verification and "pending" not in verification, verification
    (line,) = [line for line in result.stdout.splitlines() if "fixes acknowledged" in line]
    acknowledged = int(line.split("stored ")[1].split(",")[0])
    assert acknowledged > 0 and ", lost 0;" in line, line


def test_closures_bench_measures_post_to_ranking(demo_dir: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench.closures", "--repeat", "1",
         "--regions-dir", str(demo_dir.parent)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert "naive full rebuild" in result.stdout and "ratio" in result.stdout
    (line,) = [line for line in result.stdout.splitlines() if "closure posted" in line]
    worst = float(line.split("max ")[1].split(" s")[0])
    assert worst < 30, line  # every closure reached the rankings (inf if one never did)
    assert result.stdout.count("tables recomputed; lifted") >= 3
    assert "inf s" not in result.stdout  # every closure and every lift reached the rankings
