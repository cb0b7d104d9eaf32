"""What went other than planned, counted with its reasons: calls cancelled (by the reason code
the operator chose, never its free text, which may name people; "" when none was given),
pranks (by source), crews that refused an assignment, referrals declined (by the hospital's
reason code) and escalated (no answer in time). All for the calls taken in [since, until),
one grouped query per kind, the same on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, String, cast, func, literal, union_all
from sqlalchemy import select as sa_select
from sqlalchemy.orm import Mapped
from sqlmodel import Session, col

from app.models import Call, Dispatch, Referral

KINDS = ("calls", "synthetic", "cancelled", "prank", "crew_refusal", "referral_declined",
         "referral_escalated")  # fmt: skip


@dataclass(frozen=True)
class Count:
    """How many of a kind, for one reason ("" where a kind has none)."""

    kind: str
    reason: str
    count: int


def counts(session: Session, *, since: datetime, until: datetime) -> list[Count]:
    """Every kind's counts, by kind (in ``KINDS`` order) and then most frequent reason first."""
    taken = (col(Call.created_at) >= since, col(Call.created_at) < until)
    parts: list[Select[Any]] = [
        _counted("calls", literal(""), sa_select(Call).where(*taken)),
        _counted("synthetic", literal(""), sa_select(Call).where(*taken, col(Call.synthetic))),
        _counted(
            "cancelled",
            col(Call.cancel_reason),
            sa_select(Call).where(*taken, col(Call.cancelled_at).is_not(None)),
        ),
        _counted(
            "prank",
            col(Call.source),
            sa_select(Call).where(*taken, col(Call.prank_at).is_not(None)),
        ),
        _counted(
            "crew_refusal",
            col(Dispatch.refusal),
            sa_select(Dispatch).join(Call).where(*taken, col(Dispatch.accepted).is_(False)),
        ),
        _counted(
            "referral_declined",
            col(Referral.answer_reason),
            sa_select(Referral).join(Call).where(*taken, col(Referral.answer) == "declined"),
        ),
        _counted(
            "referral_escalated",
            literal(""),
            sa_select(Referral).join(Call).where(*taken, col(Referral.answer) == "missed"),
        ),
    ]
    rows = session.connection().execute(union_all(*parts)).all()
    found = [Count(kind, reason or "", int(n)) for kind, reason, n in rows if n]
    # Every kind is present, with 0 when nothing happened: a report shows "none", not a gap.
    seen = {c.kind for c in found}
    found += [Count(kind, "", 0) for kind in KINDS if kind not in seen]
    return sorted(found, key=lambda c: (KINDS.index(c.kind), -c.count, c.reason))


def _counted(kind: str, reason: ColumnElement[Any] | Mapped[Any], rows: Select[Any]) -> Select[Any]:
    """``rows`` counted per ``reason``, labelled with the kind."""
    source = rows.with_only_columns(cast(reason, String).label("reason")).subquery()
    return sa_select(
        literal(kind).label("kind"), source.c.reason, func.count().label("n")
    ).group_by(source.c.reason)
