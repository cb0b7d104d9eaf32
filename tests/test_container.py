"""The image's promises, tested without a Docker engine (this machine has none): the service
starts as an unprivileged user over a root-owned, read-only install with the image's own
environment and writes only to its data volume; compose.yaml and the Dockerfile name only
real settings."""

from __future__ import annotations

import os
import pwd
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx2
import pytest
import yaml

from app.core.config import Settings
from tests.live_server import free_port

ROOT = Path(__file__).resolve().parent.parent
IMAGE_CODE = "/srv/satria"
IMAGE_DATA = "/var/lib/satria"
SETTINGS = {f"SATRIA_{name.upper()}" for name in Settings.model_fields}


def dockerfile() -> list[tuple[str, str]]:
    """The Dockerfile's instructions as (keyword, arguments), continuations joined."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


def image_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for keyword, args in dockerfile():
        if keyword == "ENV":
            env.update(pair.split("=", 1) for pair in shlex.split(args))
    return env


def test_the_image_runs_as_a_user_of_its_own_with_a_data_volume() -> None:
    instructions = dict(dockerfile())
    assert instructions["USER"] not in {"root", "0", "nobody"}
    env = image_env()
    assert env["SATRIA_DATA_DIR"] == IMAGE_DATA and IMAGE_DATA in instructions["VOLUME"]
    assert env["MPLCONFIGDIR"].startswith(IMAGE_DATA) and env["HOME"] == IMAGE_DATA
    assert "/readyz" in instructions["HEALTHCHECK"]
    assert env["SATRIA_HOST"] == "0.0.0.0"


def test_compose_and_the_image_name_only_real_settings() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    named = {name for name in image_env() if name.startswith("SATRIA_")}
    for service in compose["services"].values():
        named |= {k for k in service.get("environment", {}) if k.startswith("SATRIA_")}
    assert named - SETTINGS == set()
    app = compose["services"]["app"]["environment"]
    assert app["SATRIA_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert app["SATRIA_BROKER_URL"].startswith("redis://")
    assert ":?" in app["SATRIA_SECRET_KEY"]  # compose refuses to start without one
    assert app["SATRIA_WORKERS"].endswith(":-2}")  # two workers or more behind one port
    assert compose["services"]["app"]["ports"] == ["8000:8000"]


@dataclass
class Install:
    """A copy of the image's layout: the code root-owned and read-only, a data volume."""

    code: Path
    data: Path
    python: str
    env: dict[str, str]


def _user() -> tuple[int, int]:
    """Who the service runs as: ``nobody`` when the tests run as root, else the tester (who
    cannot write the read-only install either)."""
    if os.geteuid() != 0:
        return os.geteuid(), os.getegid()
    nobody = pwd.getpwnam("nobody")
    return nobody.pw_uid, nobody.pw_gid


def _reachable(path: Path) -> bool:
    """Whether any user can reach ``path`` (every directory above it searchable by others)."""
    return all(p.stat().st_mode & 0o001 for p in [path, *path.parents])


def _interpreter(base: Path) -> tuple[str, dict[str, str]]:
    """This Python, reachable by the service user: itself, or a hard-linked copy of its
    prefix where it lives under a private home (pyenv under /root)."""
    prefix = Path(sys.prefix)
    if _reachable(prefix):
        return sys.executable, {}
    if sys.prefix != sys.base_prefix:
        pytest.fail(f"the test cannot lend a private virtualenv ({prefix}) to another user")
    copy = base / "python"
    linked = subprocess.run(["cp", "-al", str(prefix), str(copy)], check=False)
    if linked.returncode != 0:  # another file system: copy
        shutil.rmtree(copy, ignore_errors=True)
        subprocess.run(["cp", "-a", str(prefix), str(copy)], check=True)
    executable = copy / Path(sys.executable).resolve().relative_to(prefix.resolve())
    return str(executable), {"LD_LIBRARY_PATH": str(copy / "lib")}


@pytest.fixture(scope="module")
def install(demo_dir: Path) -> Iterator[Install]:
    base = Path(tempfile.mkdtemp(prefix="satria-image-", dir="/tmp"))
    base.chmod(0o755)
    try:
        python, python_env = _interpreter(base)
        code = base / IMAGE_CODE.lstrip("/")
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "demo", "roads.npz")
        for part in ("app", "routing", "tracking", "data"):
            shutil.copytree(ROOT / part, code / part, ignore=ignore)
        shutil.copy(ROOT / "pyproject.toml", code)
        shutil.copytree(demo_dir, code / "data" / "regions" / "demo")  # built with the image
        for folder in [code, *code.rglob("*")]:  # root-owned (when root), read-only to all
            folder.chmod(0o555 if folder.is_dir() else 0o444)
        for parent in code.parents:
            if parent == base:
                break
            parent.chmod(0o755)
        data = base / IMAGE_DATA.lstrip("/")
        data.mkdir(parents=True)
        data.chmod(0o700)
        os.chown(data, *_user())
        for parent in data.parents:
            if parent == base:
                break
            parent.chmod(0o755)
        env = {
            key: value.replace(IMAGE_DATA, str(data)).replace(IMAGE_CODE, str(code))
            for key, value in image_env().items()
        }
        env |= {
            **python_env,
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "PYTHONPATH": str(code),  # the image installs the package; here it is on the path
            "SATRIA_HOST": "127.0.0.1",
            "SATRIA_LOG_FORMAT": "text",
        }
        yield Install(code, data, python, env)
    finally:
        for folder in [base, *base.rglob("*")]:
            if folder.is_dir() and not folder.is_symlink():
                folder.chmod(0o755)
        shutil.rmtree(base, ignore_errors=True)


def _serve(install: Install, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    uid, gid = _user()
    with log.open("wb") as out:
        return subprocess.Popen(
            [install.python, "-m", "app.cli", "serve"],
            cwd=install.code, env=env, stdout=out, stderr=subprocess.STDOUT,
            user=uid, group=gid, extra_groups=[], start_new_session=True,
        )  # fmt: skip


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, 15)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()


def test_the_service_starts_unprivileged_over_a_read_only_install(
    install: Install, tmp_path: Path
) -> None:
    port = free_port()
    env = {**install.env, "SATRIA_PORT": str(port)}
    code_before = sorted(p.relative_to(install.code) for p in install.code.rglob("*"))
    log = tmp_path / "serve.log"
    process = _serve(install, env, log)
    try:
        deadline, ready = time.monotonic() + 180, None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                ready = httpx2.get(f"http://127.0.0.1:{port}/readyz", timeout=2)
                if ready.status_code == 200:
                    break
            except httpx2.HTTPError:
                pass
            time.sleep(0.5)
        assert ready is not None and ready.status_code == 200, log.read_text()[-3000:]
        assert ready.json()["status"] == "ready"
    finally:
        _stop(process)
    # It wrote to its volume only: the database and the key file, private to it.
    assert (install.data / "satria.db").is_file() and (install.data / "secret.key").is_file()
    assert (install.data / "secret.key").stat().st_mode & 0o077 == 0
    assert (install.data / "satria.db").stat().st_uid == _user()[0]
    assert sorted(p.relative_to(install.code) for p in install.code.rglob("*")) == code_before


def test_without_the_data_volume_it_would_not_start(install: Install, tmp_path: Path) -> None:
    # The image as it was: data under the code folder, which the service user cannot write.
    env = {k: v for k, v in install.env.items() if k != "SATRIA_DATA_DIR"}
    process = _serve(install, {**env, "SATRIA_PORT": str(free_port())}, tmp_path / "serve.log")
    try:
        assert process.wait(timeout=120) != 0
    finally:
        _stop(process)
    assert "Permission denied" in (tmp_path / "serve.log").read_text()
