"""A hand-built call history for the report tests: calls taken at given times and moved
through their statuses as the service audits and stamps them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine
from sqlmodel import Session

from app.models import Call, CallStatus, Triage
from app.services import audit, reports

Database = Engine | Connection  # a test's own database, or its rolled-back transaction
T0 = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)  # 10:00 in Banyumas


def history(
    engine: Engine | Connection,
    taken_at: datetime,
    moves: list[tuple[int, str, str]],
    reason: str | None = None,
) -> int:
    """A call taken at ``taken_at`` and moved (minutes after, before, after), as audited and
    stamped (the first time of each step); a cancellation carries ``reason`` as its code."""
    with Session(engine) as session:
        call = Call(created_by=1, category="stemi", triage=Triage.MERAH, created_at=taken_at,
                    status=CallStatus(moves[-1][2]) if moves else CallStatus.RECEIVED)  # fmt: skip
        session.add(call)
        session.flush()
        entries = []
        for minutes, before, after in moves:
            coded = {"reason_code": reason} if after == "cancelled" else {}
            entry = audit.entry(actor_user_id=1, action="call.status", entity="call",
                                entity_id=call.id or 0, before=before, after=after,
                                **coded)  # fmt: skip
            entry.at = taken_at + timedelta(minutes=minutes)
            entries.append(entry)
            if after == "cancelled":
                call.cancel_reason = reason
            stamped = reports.stamp(CallStatus(before), CallStatus(after))
            if stamped is not None and getattr(call, stamped) is None:
                setattr(call, stamped, entry.at)
        if entries:
            audit.write(session, entries)
        session.add(call)
        session.commit()
        return call.id or 0
