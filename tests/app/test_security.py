"""Personal data is unreadable without the secret; API keys are checked, never stored."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from sqlmodel import Session

from app.core.security import (
    PersonalDataVault,
    SecretKeyError,
    api_key_matches,
    key_fingerprint,
    master_secret,
    new_api_key,
)
from app.models import Installation
from routing import Region
from tests.app.conftest import SECRET, Service, running_service

NIK = "3302014107900001"


def test_lookup_hash_is_stable_per_secret_and_hides_the_value() -> None:
    vault = PersonalDataVault(b"secret one")
    assert vault.lookup_hash(NIK) == PersonalDataVault(b"secret one").lookup_hash(NIK)
    assert vault.lookup_hash(NIK) != PersonalDataVault(b"secret two").lookup_hash(NIK)
    assert NIK not in vault.lookup_hash(NIK)


def test_encryption_round_trips_and_needs_the_secret() -> None:
    vault = PersonalDataVault(b"secret one")
    token = vault.encrypt(NIK)
    assert NIK not in token
    assert vault.decrypt(token) == NIK
    with pytest.raises(ValueError, match="does not match"):
        PersonalDataVault(b"secret two").decrypt(token)


def test_secret_file_is_created_once_and_private(tmp_path: Path) -> None:
    first = master_secret("", tmp_path, database_url="sqlite:///x.db")
    assert master_secret("", tmp_path, database_url="sqlite:///x.db") == first
    assert stat.S_IMODE((tmp_path / "secret.key").stat().st_mode) == 0o600
    assert master_secret("configured", tmp_path, database_url="sqlite:///x.db") == b"configured"


def test_api_keys_check_against_their_hash_only() -> None:
    issued = new_api_key()
    assert issued.key.startswith(issued.prefix)
    assert issued.key not in issued.key_hash
    assert api_key_matches(issued.key, issued.key_hash)
    assert not api_key_matches(issued.key + "x", issued.key_hash)
    assert not api_key_matches(new_api_key().key, issued.key_hash)


def test_pages_send_security_headers_and_no_other_origin_is_allowed(service: Service) -> None:
    page = service.client.get("/console")
    assert page.status_code == 200
    policy = page.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["referrer-policy"] == "no-referrer"
    # Only the crew's app may ask for the phone's position.
    assert page.headers["permissions-policy"].startswith("geolocation=()")
    crew = service.client.get("/crew/")
    assert crew.status_code == 200 and "geolocation=(self)" in crew.headers["permissions-policy"]
    assert len(crew.headers.get_list("permissions-policy")) == 1
    manifest = service.client.get("/crew/manifest.webmanifest")
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    assert manifest.json()["start_url"] == "/crew/"
    worker = service.client.get("/crew/sw.js")
    assert worker.headers["content-type"].startswith("text/javascript")
    # No CORS: a page on another origin cannot read the API with a user's key.
    preflight = service.client.options(
        "/api/calls",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization"},
    )  # fmt: skip
    assert "access-control-allow-origin" not in preflight.headers
    answer = service.client.get("/api/region", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in answer.headers


def test_a_shared_database_needs_a_configured_secret(tmp_path: Path) -> None:
    with pytest.raises(SecretKeyError, match="SATRIA_SECRET_KEY must be set"):
        master_secret("", tmp_path, database_url="postgresql+psycopg://db.example/satria")
    assert not (tmp_path / "secret.key").exists()  # no machine-local key was made for it


def test_a_process_with_another_secret_refuses_to_start(
    database_url: str, demo: Region, tmp_path: Path
) -> None:
    # Two machines sharing one database: the first binds its key; the second, with another
    # key, would write NIKs the first cannot find or read.
    with (
        running_service(database_url, tmp_path / "a", demo) as first,
        Session(first.app.state.engine) as session,
    ):
        stored = session.get(Installation, "secret_fingerprint")
        assert stored is not None
        assert stored.value == key_fingerprint(SECRET.encode())
        assert SECRET not in stored.value
    with running_service(database_url, tmp_path / "b", demo):
        pass  # the same key starts again
    with (
        pytest.raises(SecretKeyError, match="not the one this database was first used with"),
        running_service(database_url, tmp_path / "c", demo, secret_key="another machine's key"),
    ):
        pass
