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
