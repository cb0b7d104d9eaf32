"""What every process sharing a database must agree on, checked at start.

The master secret hashes and encrypts personal data. Two machines with different secrets on
one PostgreSQL would each write NIKs the other cannot find or read. The first process to
start stores the secret's fingerprint; a process whose secret does not match refuses to start.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.core.security import SecretKeyError, key_fingerprint
from app.models import Installation

SECRET_FINGERPRINT = "secret_fingerprint"


def bind_secret(session: Session, secret: bytes) -> None:
    """Record the secret's fingerprint on first use; refuse a secret that differs from it."""
    fingerprint = key_fingerprint(secret)
    stored = session.get(Installation, SECRET_FINGERPRINT)
    if stored is None:
        session.add(Installation(name=SECRET_FINGERPRINT, value=fingerprint))
        try:
            session.commit()
        except IntegrityError:  # another process stored one at the same moment: compare
            session.rollback()
            stored = session.get(Installation, SECRET_FINGERPRINT)
    if stored is not None and stored.value != fingerprint:
        msg = (
            f"this process's master secret (fingerprint {fingerprint[:8]}...) is not the one "
            f"this database was first used with (fingerprint {stored.value[:8]}...): personal "
            "data written by one could not be found or read by the other. Give every process "
            "the same SATRIA_SECRET_KEY."
        )
        raise SecretKeyError(msg)
