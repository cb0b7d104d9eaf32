"""The `satria` command as a person runs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def satria(*args: str, regions: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        capture_output=True,
        text=True,
        env={"SATRIA_REGIONS_DIR": str(regions), "COLUMNS": "120", "PATH": "/usr/bin:/bin"},
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def regions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cli-regions")


def test_region_demo_then_show(regions: Path) -> None:
    made = satria("region", "demo", regions=regions)
    assert made.returncode == 0, made.stderr
    assert "SYNTHETIC" in made.stdout
    shown = satria("region", "show", "demo", regions=regions)
    assert shown.returncode == 0, shown.stderr
    out = shown.stdout
    assert "SYNTHETIC DATA" in out
    assert "nodes: 5" in out and "directed edges:" in out
    for road_class in ("trunk", "primary", "secondary", "tertiary", "residential"):
        assert road_class in out
    assert "cath_lab" in out and "20 hospitals by capability" in out
    assert "ambulance posts: 15" in out


def test_show_unknown_region_fails_clearly(regions: Path) -> None:
    result = satria("region", "show", "atlantis", regions=regions)
    assert result.returncode == 1
    assert "no region pack 'atlantis'" in result.stdout


def test_import_from_a_local_osm_file(regions: Path, tmp_path: Path) -> None:
    from tests.fixtures.osm import write_osm  # noqa: PLC0415

    osm = write_osm(tmp_path / "small.osm")
    result = satria("region", "import", "kecil", "--osm-file", str(osm), regions=regions)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "dropped 3 nodes" in result.stdout
    assert "hospitals added (fill in capabilities): 2" in result.stdout
    assert "ODbL" in result.stdout


def test_users_and_registry_commands(demo_dir: Path, tmp_path: Path) -> None:
    env = {"SATRIA_REGIONS_DIR": str(demo_dir.parent), "SATRIA_DATA_DIR": str(tmp_path)}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "app.cli", *args],
            capture_output=True, text=True, env={**env, "PATH": "/usr/bin:/bin", "COLUMNS": "120"},
            timeout=300, check=False,
        )  # fmt: skip

    made = run("users", "create", "--name", "IGD RSUD", "--role", "hospital",
               "--hospital", "rsud-purwa")  # fmt: skip
    assert made.returncode == 0, made.stderr
    key = made.stdout.strip().splitlines()[-1]
    assert key.startswith("sat_") and len(key) > 40
    assert key not in (tmp_path / "satria.db").read_bytes().decode("latin-1")  # only its hash
    unbound = run("users", "create", "--name", "x", "--role", "hospital")
    assert unbound.returncode == 1 and "hospital id" in unbound.stdout
    wrong = run("users", "create", "--name", "x", "--role", "pilot")
    assert wrong.returncode == 2 and "unknown role" in wrong.stdout
    residents = tmp_path / "residents.csv"
    residents.write_text("nik,name\n3302264107900001,Siti Aminah\n3302264107900000,Nobody\n")
    imported = run("registry", "import", str(residents))
    assert imported.returncode == 0, imported.stderr
    assert "added 1, updated 0, rejected 1" in imported.stdout
    assert "line 3: zero_serial" in imported.stdout
    assert "3302264107900000" not in imported.stdout

    # A crew's phone with Traccar Client: its identifier on the last line, kept only hashed.
    phone = run("devices", "add", "--ambulance", "psc119-purwa-1", "--label", "HP sopir")
    assert phone.returncode == 0, phone.stderr
    identifier = phone.stdout.strip().splitlines()[-1]
    assert len(identifier) >= 32 and " " not in identifier
    assert identifier not in (tmp_path / "satria.db").read_bytes().decode("latin-1")
    listed = run("devices", "list")
    assert "psc119-purwa-1" in listed.stdout and "HP sopir" in listed.stdout
    assert identifier not in listed.stdout
    assert run("devices", "revoke", "1").returncode == 0
    assert run("devices", "add", "--ambulance", "no-such-unit").returncode == 1

    # A crew's phone enrolled by a printed QR code: a link with a one-time code, and a PNG.
    qr = tmp_path / "enrol.png"
    enrolled = run("crews", "enrol", "--ambulance", "psc119-purwa-1", "--png", str(qr),
                   "--url", "https://psc119.example")  # fmt: skip
    assert enrolled.returncode == 0, enrolled.stderr
    link = enrolled.stdout.strip().splitlines()[-1]
    assert link.startswith("https://psc119.example/crew/#enrol=") and len(link) > 45
    assert qr.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "▀" in enrolled.stdout or "█" in enrolled.stdout  # the code, in the terminal


def test_coverage_report_prints_figures_and_draws_a_map(demo_dir: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "coverage", "-c", "neurosurgery", "--limit", "15",
         "--limit", "30", "--at", "2026-11-22T19:00:00", "--out-dir", str(tmp_path / "maps")],
        capture_output=True, text=True, timeout=300, check=False,
        env={"SATRIA_REGIONS_DIR": str(demo_dir.parent), "SATRIA_DATA_DIR": str(tmp_path),
             "COLUMNS": "120", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert "neurosurgery" in result.stdout.lower() and "SYNTHETIC" in result.stdout
    assert "15 min" in result.stdout and "30 min" in result.stdout
    picture = tmp_path / "maps" / "coverage-neurosurgery.png"
    header = picture.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")
    assert (width, height) == (1650, 1275) and picture.stat().st_size > 100_000
