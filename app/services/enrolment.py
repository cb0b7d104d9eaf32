"""Enrolling a crew's phone without typing a key: an administrator prints a QR code (a link to
the crew app with a one-time code); the phone exchanges the code once for the crew's key.
The code is random, kept hashed, works once and expires (a day by default)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from app.core.security import hash_api_key
from app.errors import NotFoundError
from app.models import Ambulance, Enrolment, Role, User, utcnow
from app.services import audit, users


@dataclass(frozen=True)
class NewEnrolment:
    """A one-time code in clear (shown once, as a QR code) for a crew user."""

    code: str
    user_id: int
    expires_at: datetime


def enrol_crew(
    session: Session, ambulance_id: str, *, valid_for: timedelta = timedelta(days=1)
) -> NewEnrolment:
    """A crew user for the ambulance (made once, then reused) and a new one-time code."""
    ambulance = session.get(Ambulance, ambulance_id)
    if ambulance is None:
        msg = f"no ambulance {ambulance_id}"
        raise NotFoundError(msg)
    user = session.exec(
        select(User).where(
            col(User.role) == Role.CREW, col(User.ambulance_id) == ambulance_id, col(User.active)
        )
    ).first() or users.create_user(
        session, users.NewUser(f"Kru {ambulance.name}", Role.CREW, ambulance_id=ambulance_id)
    )
    code = secrets.token_urlsafe(18)
    row = Enrolment(
        code_hash=hash_api_key(code), user_id=user.id or 0, expires_at=utcnow() + valid_for
    )
    session.add(row)
    session.flush()
    audit.record(
        session, actor_user_id=None, action="enrolment.issued", entity="user",
        entity_id=user.id or 0, ambulance_id=ambulance_id, expires_at=row.expires_at.isoformat(),
    )  # fmt: skip
    session.commit()
    return NewEnrolment(code, user.id or 0, row.expires_at)


def redeem(session: Session, code: str, *, key_days: int) -> users.IssuedKey:
    """The crew's key for a code that is known, unused and not expired; the code is spent
    (a conditional UPDATE: two phones scanning at once get one key)."""
    now = utcnow()
    spent = session.execute(
        update(Enrolment)
        .where(
            col(Enrolment.code_hash) == hash_api_key(code),
            col(Enrolment.used_at).is_(None),
            col(Enrolment.expires_at) > now,
        )
        .values(used_at=now)
        .returning(col(Enrolment.user_id))
    ).first()
    if spent is None:
        session.rollback()
        msg = "this enrolment code is unknown, used or expired: ask for a new one"
        raise NotFoundError(msg)
    issued = users.issue_key(session, user_id=spent[0], days=key_days)
    audit.record(
        session, actor_user_id=spent[0], action="enrolment.redeemed", entity="user",
        entity_id=spent[0],
    )  # fmt: skip
    session.commit()
    return issued
