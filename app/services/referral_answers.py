"""Hospitals answer referrals: accept, or decline with a reason; silence escalates.

In Indonesia's referral practice (SISRUTE, eSIR) the receiving hospital answers a referral.
An accepted one tells the operators (and the crew's app, which shows its destination); a
declined one alerts the operators at once with the next hospital of the ranking ready to send,
and the hospital is passed over in every ranking for ``decline_memory_s`` with its reason. A
referral not answered by its ``answer_due_at`` is escalated the same way and shown to its
hospital as missed. Every answer and escalation is audited.

The reasons are data (``data/taxonomy/referral_answers.toml``); the specialists a decline can
name are the taxonomy's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tomllib
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from app.errors import ConflictError, InputError, NotFoundError
from app.models import Call, Referral, Role, utcnow
from app.services import audit, readiness
from app.services.assessment import Assessor, recommend
from app.services.dispatch import TERMINAL
from app.services.events import Announcer, NextHospital
from app.services.records import get_call
from app.services.users import Principal

log = logging.getLogger("satria.referrals")
TERMS_PATH = (
    Path(__file__).resolve().parent.parent.parent / "data" / "taxonomy" / "referral_answers.toml"
)
ACCEPTED, DECLINED, MISSED = "accepted", "declined", "missed"
MISSED_REASON = "no_answer"


@dataclass(frozen=True)
class Term:
    """A reason or a specialist: its code and its words in English and Bahasa Indonesia;
    ``needs``: what a decline with this reason must also give."""

    code: str
    label: str
    label_id: str
    needs: str | None = None


@dataclass(frozen=True)
class AnswerTerms:
    """The decline reasons, as the data file gives them (the specialists a decline names are
    the taxonomy's)."""

    reasons: dict[str, Term]

    @classmethod
    def load(cls, path: Path = TERMS_PATH) -> AnswerTerms:
        """Read and check the file."""
        data = tomllib.loads(path.read_text(encoding="utf-8"))

        def terms(table: str) -> dict[str, Term]:
            return {code: Term(code, **fields) for code, fields in data[table].items()}

        loaded = cls(terms("decline_reasons"))
        for reason in loaded.reasons.values():
            if reason.needs not in (None, "bed_kind", "specialist", "note"):
                msg = f"decline reason {reason.code}: unknown needs {reason.needs!r}"
                raise ValueError(msg)
        return loaded


@dataclass(frozen=True)
class AnswerIn:
    """A hospital's answer: accept, or decline with a reason code (and what it needs)."""

    accept: bool
    reason: str | None = None
    subject: str | None = None  # the bed kind or specialist the reason names
    note: str | None = None


@dataclass(frozen=True)
class ReferralDesk:
    """Takes the hospitals' answers and escalates the referrals nobody answered."""

    assessor: Assessor
    announcer: Announcer
    terms: AnswerTerms
    decline_memory_s: float

    def answer(
        self, session: Session, *, referral_id: int, answer: AnswerIn, principal: Principal
    ) -> Referral:
        """Record a hospital's answer to one of its referrals, and announce it.

        The same answer twice changes nothing; a referral already answered otherwise is a
        conflict, except one escalated as missed (a late answer still counts)."""
        referral = session.get(Referral, referral_id)
        mine = principal.role is Role.ADMIN or (
            referral is not None and referral.hospital_id == principal.hospital_id
        )
        if referral is None or not mine or referral.superseded_at is not None:
            msg = f"no referral {referral_id} to your hospital"
            raise NotFoundError(msg)
        given = ACCEPTED if answer.accept else DECLINED
        reason, subject, note = self._checked(answer)
        if referral.answer == given and referral.answer_reason == reason:
            return referral
        if referral.answer in (ACCEPTED, DECLINED):
            msg = f"referral {referral_id} was already {referral.answer}"
            raise ConflictError(msg)
        call = get_call(session, referral.call_id)
        if call.status in TERMINAL:
            msg = f"call {call.id} is {call.status}: there is nothing left to answer"
            raise ConflictError(msg)
        now = utcnow()
        _record(session, referral, (given, reason, subject, note), principal.user_id, now)
        if given == DECLINED:
            self._remember(session, referral, now)
        if referral.acknowledged_at is None:
            referral.acknowledged_at, referral.acknowledged_by = now, principal.user_id
        session.add(referral)
        session.commit()
        self.assessor.boards.changed()
        following = self._next(session, call) if given == DECLINED else None
        self.announcer.referral_answered(referral, following)
        return referral

    def escalate_overdue(self, session: Session, *, now: datetime) -> list[Referral]:
        """Mark every referral still unanswered at its deadline as missed, pass its hospital
        over, and alert the operators with the next hospital; the referrals escalated."""
        overdue = session.exec(
            select(Referral)
            .join(Call, col(Call.id) == col(Referral.call_id))
            .where(
                col(Referral.answer).is_(None),
                col(Referral.superseded_at).is_(None),
                col(Referral.answer_due_at) <= now,
                col(Call.status).not_in(TERMINAL),
            )
            .order_by(col(Referral.id))
        ).all()
        escalated = []
        for referral in overdue:
            # Conditional: an answer that arrives meanwhile (another worker) wins.
            won = session.execute(
                update(Referral)
                .where(col(Referral.id) == referral.id, col(Referral.answer).is_(None))
                .values(answer=MISSED, answered_at=now, answer_reason=MISSED_REASON)
            )
            if won.rowcount != 1:  # type: ignore[attr-defined]
                continue
            referral.answer, referral.answered_at = MISSED, now
            referral.answer_reason = MISSED_REASON
            audit.record(
                session,
                actor_user_id=None,
                action="referral.missed",
                entity="referral",
                entity_id=referral.id or 0,
                call_id=referral.call_id,
                hospital_id=referral.hospital_id,
                due_at=referral.answer_due_at.isoformat() if referral.answer_due_at else None,
            )
            self._remember(session, referral, now)
            session.commit()
            escalated.append(referral)
        if escalated:
            self.assessor.boards.changed()
        for referral in escalated:
            call = get_call(session, referral.call_id)
            self.announcer.referral_answered(referral, self._next(session, call))
        return escalated

    def _checked(self, answer: AnswerIn) -> tuple[str | None, str | None, str | None]:
        note = (answer.note or "").strip() or None
        if answer.accept:
            return None, None, note
        term = self.terms.reasons.get(answer.reason or "")
        if term is None:
            known = ", ".join(self.terms.reasons)
            msg = f"a decline needs a reason, one of: {known}"
            raise InputError(msg, field="reason")
        subject = (answer.subject or "").strip() or None
        if term.needs == "note" and note is None:
            msg = f"reason {term.code!r} needs a note saying why"
            raise InputError(msg, field="note")
        if term.needs == "bed_kind" and subject not in self.assessor.region.taxonomy.bed_kinds:
            known = ", ".join(self.assessor.region.taxonomy.bed_kinds)
            msg = f"reason {term.code!r} needs the full bed kind (subject), one of: {known}"
            raise InputError(msg, field="subject")
        specialists = self.assessor.region.taxonomy.specialists
        if term.needs == "specialist" and subject not in specialists:
            known = ", ".join(specialists)
            msg = f"reason {term.code!r} needs the missing specialist (subject), one of: {known}"
            raise InputError(msg, field="subject")
        return term.code, subject if term.needs in ("bed_kind", "specialist") else None, note

    def _remember(self, session: Session, referral: Referral, now: datetime) -> None:
        """Pass the referral's hospital over in rankings for a while, with its reason."""
        reason, subject = referral.answer_reason or "", referral.answer_subject
        term = self.terms.reasons.get(reason)
        words = "no answer in time" if reason == MISSED_REASON else term.label if term else reason
        if subject:
            words = f"{words} ({subject})"
        until = now + timedelta(seconds=self.decline_memory_s)
        readiness.remember_decline(session, referral.hospital_id, reason, words, until)

    def _next(self, session: Session, call: Call) -> NextHospital | None:
        """The hospital to send the patient to now: the ranking's best, leaving out every
        hospital that declined or missed this call's referrals."""
        refused = set(
            session.exec(
                select(Referral.hospital_id).where(
                    Referral.call_id == call.id, col(Referral.answer).in_([DECLINED, MISSED])
                )
            ).all()
        )
        ranking = self.assessor.assess(session, call).ranking
        if ranking is None:
            return None
        best = next((h for h in ranking.eligible if h.hospital.id not in refused), None)
        if best is None:
            choice = recommend(ranking).hospital
            best = choice if choice is not None and choice.hospital.id not in refused else None
        if best is None:
            return None
        return NextHospital(best.hospital.id, best.hospital.name, round(best.eta_s, 1))


def _record(
    session: Session,
    referral: Referral,
    given: tuple[str, str | None, str | None, str | None],
    actor: int,
    now: datetime,
) -> None:
    answer, reason, subject, note = given
    referral.answer, referral.answered_at, referral.answered_by = answer, now, actor
    referral.answer_reason, referral.answer_subject, referral.answer_note = reason, subject, note
    audit.record(
        session,
        actor_user_id=actor,
        action=f"referral.{answer}",
        entity="referral",
        entity_id=referral.id or 0,
        call_id=referral.call_id,
        hospital_id=referral.hospital_id,
        reason=reason,
        subject=subject,
        note=note,
    )


class DeadlineWatch:
    """Escalates overdue referrals every ``every_s`` (started and stopped by the lifespan).

    Every worker may run one: the conditional UPDATE lets one of them escalate a referral.
    """

    def __init__(self, desk: ReferralDesk, engine: Engine, *, every_s: float = 5.0) -> None:
        self._desk = desk
        self._engine = engine
        self._every_s = every_s
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Watch in the background."""
        self._task = asyncio.create_task(self._run(), name="referral-deadlines")

    async def stop(self) -> None:
        """Stop watching."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._every_s)
            try:
                await asyncio.to_thread(self._sweep)
            except Exception:  # the database is away: the next sweep tries again
                log.warning("could not escalate overdue referrals", exc_info=True)

    def _sweep(self) -> None:
        with Session(self._engine, expire_on_commit=False) as session:
            for referral in self._desk.escalate_overdue(session, now=utcnow()):
                log.info("referral %s missed its deadline: escalated", referral.id)
