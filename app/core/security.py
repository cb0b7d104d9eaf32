"""Secrets for personal data and API keys.

- A NIK or phone number is stored as an HMAC (to find a caller again) and as Fernet
  ciphertext (for the operator handling the call); a copy of the database reveals neither.
- An API key is random (256 bits), shown once, stored as its SHA-256 and compared in constant
  time; high-entropy keys need no slow password hash.
- Both keys derive (HKDF) from one master secret: SATRIA_SECRET_KEY, or on the embedded
  defaults a file created once in the data directory, readable by its owner only.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_PREFIX = "sat_"
SECRET_FILE = "secret.key"


class SecretKeyError(Exception):
    """The master secret is missing where it must be set, or differs from the one the
    database was first used with: the service refuses to start."""


def master_secret(configured: str, data_dir: Path, *, database_url: str) -> bytes:
    """The configured secret, or on SQLite the data directory's own (created on first use,
    mode 0600). On a shared database every machine needs the same one: it must be set."""
    if configured:
        return configured.encode()
    if not database_url.startswith("sqlite"):
        msg = (
            "SATRIA_SECRET_KEY must be set when the database is shared (not SQLite): every "
            "process and machine using it must hash and encrypt personal data with the same key"
        )
        raise SecretKeyError(msg)
    path = data_dir / SECRET_FILE
    if not path.exists():
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip().encode()


def _derive(secret: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(secret)


class PersonalDataVault:
    """Keyed hashes and encryption for personal data (NIK, phone, names, addresses)."""

    def __init__(self, secret: bytes) -> None:
        self._hmac_key = _derive(secret, b"satria personal-data lookup v1")
        self._fernet = Fernet(
            base64.urlsafe_b64encode(_derive(secret, b"satria personal-data encryption v1"))
        )

    def lookup_hash(self, value: str) -> str:
        """A stable keyed hash of a value, for equality lookups (hex, 64 characters)."""
        return hmac.new(self._hmac_key, value.encode(), hashlib.sha256).hexdigest()

    def encrypt(self, value: str) -> str:
        """Authenticated ciphertext of a value."""
        return self._fernet.encrypt(value.encode()).decode()

    def decrypt(self, token: str) -> str:
        """The value back; ValueError if the token was not made with this secret."""
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            msg = "ciphertext does not match this secret"
            raise ValueError(msg) from exc


@dataclass(frozen=True)
class NewApiKey:
    """A key as shown once to its owner, and what is stored of it."""

    key: str
    prefix: str
    key_hash: str


def new_api_key() -> NewApiKey:
    """A fresh random key; the prefix finds its row, the hash checks it."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    return NewApiKey(key=key, prefix=key[:12], key_hash=hash_api_key(key))


def hash_api_key(key: str) -> str:
    """SHA-256 of a key, hex."""
    return hashlib.sha256(key.encode()).hexdigest()


def api_key_matches(key: str, stored_hash: str) -> bool:
    """Constant-time comparison of a presented key with a stored hash."""
    return hmac.compare_digest(hash_api_key(key), stored_hash)


def key_fingerprint(secret: bytes) -> str:
    """A fingerprint of the master secret (HKDF: it reveals nothing of the secret), hex."""
    return _derive(secret, b"satria master secret fingerprint v1")[:16].hex()
