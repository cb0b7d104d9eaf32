"""The append-only audit log: who did what to which entity, and when.

Details hold ids, codes and statuses, never personal data: the audit log is read by
administrators, who do not need a caller's NIK to see that a call was verified.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Table, insert
from sqlmodel import Session, col, select

from app.models import AuditEvent, utcnow

AUDIT: Table = AuditEvent.__table__  # type: ignore[attr-defined]


@dataclass(slots=True)
class Entry:
    """An audit event not yet written: a plain row (a model object costs more to build, and
    calls make two of them)."""

    actor_user_id: int | None
    action: str
    entity: str
    entity_id: str
    detail: dict[str, Any]
    at: datetime = field(default_factory=utcnow)


def entry(
    *, actor_user_id: int | None, action: str, entity: str, entity_id: str | int, **detail: Any
) -> Entry:
    """An audit event, not yet written (``write`` adds it to a transaction)."""
    return Entry(actor_user_id, action, entity, str(entity_id), detail)


def write(session: Session, entries: list[Entry]) -> None:
    """Add prepared events to the session's transaction, committed with the change they
    describe. INSERTs of their own, after what the session holds is flushed (the rows they
    name go in first): an event is never read back, so it needs no object in the unit of work."""
    session.flush()
    rows = [
        {
            "at": e.at,
            "actor_user_id": e.actor_user_id,
            "action": e.action,
            "entity": e.entity,
            "entity_id": e.entity_id,
            "detail": e.detail,
        }
        for e in entries
    ]
    session.connection().execute(insert(AUDIT), rows)


def record(
    session: Session,
    *,
    actor_user_id: int | None,
    action: str,
    entity: str,
    entity_id: str | int,
    **detail: Any,
) -> Entry:
    """Add one audit event to the session's transaction (committed with the change it
    describes)."""
    event = entry(
        actor_user_id=actor_user_id, action=action, entity=entity, entity_id=entity_id, **detail
    )
    write(session, [event])
    return event


@dataclass(frozen=True)
class AuditQuery:
    """Which audit events: of an entity (and id), an action, since a time; None: any."""

    entity: str | None = None
    entity_id: str | None = None
    action: str | None = None
    since: datetime | None = None


def events(
    session: Session, which: AuditQuery, *, limit: int = 100, offset: int = 0
) -> list[AuditEvent]:
    """Audit events, newest first, filtered."""
    entity, entity_id, action, since = which.entity, which.entity_id, which.action, which.since
    query = select(AuditEvent)
    if entity is not None:
        query = query.where(AuditEvent.entity == entity)
    if entity_id is not None:
        query = query.where(AuditEvent.entity_id == entity_id)
    if action is not None:
        query = query.where(AuditEvent.action == action)
    if since is not None:
        query = query.where(col(AuditEvent.at) >= since)
    query = query.order_by(col(AuditEvent.id).desc()).offset(offset).limit(limit)
    return list(session.exec(query))
