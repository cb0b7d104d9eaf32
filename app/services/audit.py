"""The append-only audit log: who did what to which entity, and when.

Details hold ids, codes and statuses, never personal data: the audit log is read by
administrators, who do not need a caller's NIK to see that a call was verified.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, insert
from sqlmodel import Session, col, select

from app.models import AuditEvent

AUDIT: Table = AuditEvent.__table__  # type: ignore[attr-defined]


def record(
    session: Session,
    *,
    actor_user_id: int | None,
    action: str,
    entity: str,
    entity_id: str | int,
    **detail: Any,
) -> AuditEvent:
    """Add one audit event to the session's transaction (committed with the change it
    describes). An INSERT of its own, after what the session holds is flushed: an event is
    never read back, so it needs no object in the unit of work (a call's intake is faster)."""
    event = AuditEvent(
        actor_user_id=actor_user_id,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        detail=detail,
    )
    session.flush()  # the rows it names (a new user, a new call) go in first
    session.connection().execute(insert(AUDIT), [event.model_dump(exclude={"id"})])
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
