"""A call's timeline, read from the audit trail, and the notes operators add to it.

The audit already records every step of a call (taken, dispatched, referred, each status,
reassigned, taken over, personal data read); a note is one more audited step. Personal data
never enters the audit, so the timeline can be shown to any operator.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from app.models import AuditEvent, User
from app.services import audit
from app.services.records import get_call
from app.services.users import Principal


@dataclass(frozen=True)
class Step:
    """One step of a call: its action code, when, by whom, and the recorded detail."""

    at: datetime
    action: str
    actor_user_id: int | None
    actor_name: str | None
    detail: dict[str, Any]


def timeline(session: Session, call_id: int) -> list[Step]:
    """Every audited step of the call, oldest first, with the actor's name."""
    get_call(session, call_id)  # 404 for a call that does not exist
    rows = session.exec(
        select(AuditEvent, User.name)
        .join(User, col(User.id) == col(AuditEvent.actor_user_id), isouter=True)
        .where(AuditEvent.entity == "call", AuditEvent.entity_id == str(call_id))
        .order_by(col(AuditEvent.id))
    )
    return [Step(e.at, e.action, e.actor_user_id, name, e.detail) for e, name in rows]


def add_note(session: Session, *, call_id: int, text: str, principal: Principal) -> Step:
    """Keep an operator's note in the call's timeline."""
    get_call(session, call_id)
    event = audit.record(
        session,
        actor_user_id=principal.user_id,
        action="call.note",
        entity="call",
        entity_id=call_id,
        text=text.strip(),
    )
    session.commit()
    return Step(event.at, event.action, principal.user_id, principal.name, event.detail)
