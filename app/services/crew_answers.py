"""What a crew says back: it accepts an assignment or refuses it with a reason, and it goes
off duty (with a reason) or back on duty. A refusal puts the call back in the queue at once
and tells the operators which ambulance could go instead; an ambulance off duty is never
recommended until it is back."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from app.errors import ConflictError, InputError, PermissionDeniedError
from app.models import Ambulance, AmbulanceStatus, CallStatus, utcnow
from app.services import audit
from app.services.ambulances import get_ambulance
from app.services.assessment import Assessor
from app.services.dispatch import move_back_to_queue
from app.services.events import Announcer
from app.services.records import active_dispatch_of_ambulance, get_call
from app.services.users import Principal
from tracking.messages import CrewAnswered, DutyChanged, NextAmbulance

# Reason codes (the pages translate them); "other" needs words.
REFUSALS = ("vehicle_fault", "crew_incomplete", "on_another_mission", "other")
OFF_DUTY = (
    "vehicle_fault",
    "crew_incomplete",
    "maintenance",
    "refuelling",
    "end_of_shift",
    "other",
)


@dataclass(frozen=True)
class CrewAnswer:
    """A crew's answer to its assignment."""

    accept: bool
    reason: str | None = None
    note: str | None = None


def _checked_reason(reason: str | None, note: str | None, allowed: tuple[str, ...]) -> str:
    if reason not in allowed:
        msg = f"reason must be one of {', '.join(allowed)}"
        raise InputError(msg, field="reason")
    if reason == "other" and not (note or "").strip():
        msg = "reason 'other' needs a note saying why"
        raise InputError(msg, field="note")
    return reason


@dataclass(frozen=True)
class CrewDesk:
    """Takes the crews' answers and duty changes, records and announces each."""

    assessor: Assessor
    announcer: Announcer

    def answer(self, session: Session, principal: Principal, answer: CrewAnswer) -> CrewAnswered:
        """Accept or refuse the assignment the crew's ambulance has (before it drives off)."""
        dispatch = active_dispatch_of_ambulance(session, principal.ambulance_id or "")
        if dispatch is None:
            msg = "your ambulance has no assignment to answer"
            raise ConflictError(msg)
        call = get_call(session, dispatch.call_id)
        if dispatch.answered_at is not None and dispatch.accepted:
            msg = f"call {call.id} was accepted already"
            raise ConflictError(msg)
        reason = None if answer.accept else _checked_reason(answer.reason, answer.note, REFUSALS)
        if not answer.accept and call.status is not CallStatus.DISPATCHED:
            msg = f"call {call.id} is {call.status}: a call is refused before driving off"
            raise ConflictError(msg)
        now = utcnow()
        dispatch.answered_at, dispatch.accepted, dispatch.refusal = now, answer.accept, reason
        session.add(dispatch)
        note = (answer.note or "").strip() or None
        audit.record(
            session, actor_user_id=principal.user_id,
            action="call.accepted" if answer.accept else "call.refused", entity="call",
            entity_id=call.id or 0, ambulance_id=dispatch.ambulance_id, reason=reason, note=note,
        )  # fmt: skip
        if answer.accept:
            session.commit()
            told = CrewAnswered(
                call_id=call.id or 0, ambulance_id=dispatch.ambulance_id, accepted=True, at=now
            )
        else:
            # The unit that refused is not free either: it is off duty for the same reason.
            dispatch.released_at = now
            self._off_duty(session, dispatch.ambulance_id, reason or "other")
            move_back_to_queue(session, self.announcer, call, actor=principal.user_id)
            options = self.assessor.assess(session, call).ambulances
            after = options[0] if options else None
            told = CrewAnswered(
                call_id=call.id or 0, ambulance_id=dispatch.ambulance_id, accepted=False,
                reason=reason, note=note, at=now,
                next=NextAmbulance(ambulance_id=after.ambulance_id, name=after.name,
                                   eta_s=round(after.eta_s, 1)) if after else None,
            )  # fmt: skip
        self.announcer.crew_answered(told)
        return told

    def set_duty(
        self, session: Session, principal: Principal, *, on_duty: bool, reason: str | None
    ) -> Ambulance:
        """Go off duty with a reason (not while on a call), or back on duty."""
        ambulance_id = principal.ambulance_id or ""
        if active_dispatch_of_ambulance(session, ambulance_id) is not None:
            msg = "your ambulance is on a call: finish it, or refuse it, first"
            raise ConflictError(msg)
        if on_duty:
            ambulance = get_ambulance(session, ambulance_id)
            ambulance.status = AmbulanceStatus.AVAILABLE
            ambulance.off_duty_reason, ambulance.off_duty_since = None, None
            session.add(ambulance)
        else:
            ambulance = self._off_duty(
                session, ambulance_id, _checked_reason(reason, "-", OFF_DUTY)
            )
        audit.record(
            session, actor_user_id=principal.user_id, action="ambulance.duty",
            entity="ambulance", entity_id=ambulance_id, on_duty=on_duty, reason=reason,
        )  # fmt: skip
        session.commit()
        self.announcer.duty_changed(
            DutyChanged(
                ambulance_id=ambulance_id,
                on_duty=on_duty,
                reason=ambulance.off_duty_reason,
                at=utcnow(),
            )
        )
        return ambulance

    @staticmethod
    def _off_duty(session: Session, ambulance_id: str, reason: str) -> Ambulance:
        ambulance = get_ambulance(session, ambulance_id)
        ambulance.status = AmbulanceStatus.OUT_OF_SERVICE
        ambulance.off_duty_reason, ambulance.off_duty_since = reason, utcnow()
        session.add(ambulance)
        return ambulance


def own_ambulance(principal: Principal) -> str:
    """The ambulance a crew key is bound to."""
    if not principal.ambulance_id:
        msg = "only a crew key bound to an ambulance answers for it"
        raise PermissionDeniedError(msg)
    return principal.ambulance_id
