"""The life of a call after intake: dispatch, referral, status changes, hospital handover.

Status rules live in one table. Every change is a conditional UPDATE on the status the
change was decided from, so that two people acting at once cannot both win; the loser
gets a 409 that says what the call's status is now.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from app.errors import ConflictError, InputError, NotFoundError, PermissionDeniedError
from app.models import Call, CallStatus, Dispatch, Referral, Role, utcnow
from app.services import ambulances, audit, reports
from app.services.assessment import Assessor
from app.services.events import Announcer
from app.services.hospitals import get_hospital
from app.services.records import (
    active_dispatch,
    active_dispatch_of_ambulance,
    active_referral,
    get_call,
)
from app.services.users import Principal

S = CallStatus
TRANSITIONS: dict[CallStatus, frozenset[CallStatus]] = {
    S.RECEIVED: frozenset({S.DISPATCHED, S.CANCELLED}),
    S.DISPATCHED: frozenset({S.EN_ROUTE, S.CANCELLED, S.RECEIVED}),  # received: crew refused
    S.EN_ROUTE: frozenset({S.ON_SCENE, S.CANCELLED}),
    S.ON_SCENE: frozenset({S.TRANSPORTING, S.CLOSED, S.CANCELLED}),  # closed: treated on scene
    S.TRANSPORTING: frozenset({S.AT_HOSPITAL}),
    S.AT_HOSPITAL: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
    S.CANCELLED: frozenset(),
}
TERMINAL = frozenset({S.CLOSED, S.CANCELLED})
CREW_MAY_SET = frozenset({S.EN_ROUTE, S.ON_SCENE, S.TRANSPORTING, S.AT_HOSPITAL, S.CLOSED})


def _move(
    session: Session,
    call: Call,
    to: CallStatus,
    *,
    actor: int | None,
    also: Mapping[str, Any] | None = None,
    **detail: object,
) -> None:
    """Change the status if the table allows it and nobody changed it meanwhile (``also``:
    other columns of the call set in the same UPDATE)."""
    before = call.status
    if to not in TRANSITIONS[before]:
        msg = f"call {call.id} is {before}; it cannot become {to}"
        raise ConflictError(msg)
    now = utcnow()
    stamped = reports.stamp_values(before, to, now)
    moved = session.execute(
        update(Call)
        .where(col(Call.id) == call.id, col(Call.status) == before)
        .values(status=to, status_at=now, updated_at=now, **stamped, **(also or {}))
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        current = get_call(session, call.id or 0).status
        msg = f"call {call.id} changed meanwhile and is now {current}"
        raise ConflictError(msg)
    call.status, call.status_at, call.updated_at = to, now, now
    step = reports.stamp(before, to)
    first = {step: now} if step is not None and getattr(call, step) is None else {}
    for name, value in {**first, **(also or {})}.items():
        setattr(call, name, value)
    audit.record(
        session,
        actor_user_id=actor,
        action="call.status",
        entity="call",
        entity_id=call.id or 0,
        before=before.value,
        after=to.value,
        **detail,
    )


@dataclass(frozen=True)
class ReferredCall:
    """A referral coming to a hospital, with what its team needs to prepare."""

    referral: Referral | None  # None: a crew's call whose destination is not chosen yet
    call: Call
    ambulance_id: str | None


def incoming(
    session: Session, *, hospital_id: str, include_closed: bool = False
) -> list[ReferredCall]:
    """The calls referred to this hospital (current referrals only), newest first."""
    query = (
        select(Referral, Call)
        .join(Call, col(Call.id) == col(Referral.call_id))
        .where(Referral.hospital_id == hospital_id, col(Referral.superseded_at).is_(None))
        .order_by(col(Referral.created_at).desc())
    )
    if not include_closed:
        query = query.where(col(Call.status).not_in(TERMINAL))
    result = []
    for referral, call in session.exec(query):
        current = active_dispatch(session, call.id or 0)
        result.append(ReferredCall(referral, call, current.ambulance_id if current else None))
    return result


def crew_assignment(session: Session, *, principal: Principal) -> ReferredCall | None:
    """The call the crew's ambulance is on, with its destination, if any."""
    row = active_dispatch_of_ambulance(session, principal.ambulance_id or "")
    if row is None:
        return None
    call = get_call(session, row.call_id)
    return ReferredCall(active_referral(session, row.call_id), call, row.ambulance_id)


@dataclass(frozen=True)
class Dispatcher:
    """Every change to a call after intake: each one checked, recorded (audited), committed
    and then announced to the feeds, in one call."""

    assessor: Assessor
    announcer: Announcer
    answer_within_s: float = 300.0  # a referral's hospital answers within this (else escalated)

    def dispatch(
        self, session: Session, *, call_id: int, ambulance_id: str | None, principal: Principal
    ) -> Call:
        """Assign an ambulance: the recommended one (nearest available now) or the operator's."""
        call = get_call(session, call_id)
        if S.DISPATCHED not in TRANSITIONS[call.status]:
            msg = f"call {call_id} is {call.status}; only a received call can be dispatched"
            raise ConflictError(msg)
        before = call.status
        options = self.assessor.assess(session, call).ambulances
        recommended = options[0] if options else None
        chosen = ambulance_id or (recommended.ambulance_id if recommended else None)
        if chosen is None:
            msg = "no available ambulance can reach this call by road; choose one by id"
            raise ConflictError(msg)
        ambulances.claim(session, chosen)
        eta = next((o.eta_s for o in options if o.ambulance_id == chosen), None)
        row = Dispatch(
            call_id=call_id,
            ambulance_id=chosen,
            assigned_by=principal.user_id,
            recommended=recommended is not None and chosen == recommended.ambulance_id,
            eta_s=round(eta, 1) if eta is not None else None,
        )
        session.add(row)
        _move(
            session,
            call,
            S.DISPATCHED,
            actor=principal.user_id,
            also={"assigned_ambulance_id": chosen},
            ambulance_id=chosen,
            recommended=row.recommended,
            eta_s=row.eta_s,
        )
        session.commit()
        self.announcer.status_changed(session, call, before)
        return call

    def refer(
        self,
        session: Session,
        *,
        call_id: int,
        hospital_id: str | None,
        override_reason: str | None,
        principal: Principal,
    ) -> Call:
        """Choose the destination: the recommended hospital, or another with a reason
        (audited). A new referral replaces the previous one (a patient can be re-routed on
        the way)."""
        call = get_call(session, call_id)
        if call.status in TERMINAL or call.status is S.AT_HOSPITAL:
            msg = f"call {call_id} is {call.status}; it can no longer be referred"
            raise ConflictError(msg)
        choice = self.assessor.assess(session, call).hospital
        recommended = choice.hospital.hospital.id if choice.hospital is not None else None
        chosen = hospital_id or recommended
        if chosen is None:
            msg = "no hospital can be recommended for this call; choose one by id, with a reason"
            raise InputError(msg, field="hospital_id")
        get_hospital(session, chosen)
        reason = (override_reason or "").strip() or None
        overridden = chosen != recommended or choice.fallback
        if overridden and reason is None:
            why = "is not the recommended one" if chosen != recommended else "is a fallback"
            msg = f"hospital {chosen} {why}: give an override_reason"
            raise InputError(msg, field="override_reason")
        previous = active_referral(session, call_id)
        if previous is not None:
            previous.superseded_at = utcnow()
            session.add(previous)
        row = Referral(
            call_id=call_id,
            hospital_id=chosen,
            recommended_hospital_id=recommended,
            override_reason=reason if overridden else None,
            created_by=principal.user_id,
            answer_due_at=utcnow() + timedelta(seconds=self.answer_within_s),
        )
        session.add(row)
        call.receiving_hospital_id = chosen
        session.add(call)
        replaced = previous.hospital_id if previous else None
        audit.record(
            session,
            actor_user_id=principal.user_id,
            action="call.referred",
            entity="call",
            entity_id=call_id,
            hospital_id=chosen,
            recommended_hospital_id=recommended,
            overridden=overridden,
            override_reason=row.override_reason,
            replaces=replaced,
        )
        session.commit()
        self.announcer.referral_created(session, row, replaced)
        return call

    def reassign(
        self,
        session: Session,
        *,
        call_id: int,
        ambulance_id: str | None,
        reason: str,
        principal: Principal,
    ) -> Call:
        """Give the call another ambulance before the first reaches the scene (a breakdown,
        a closer unit freed): the first is released, the second claimed, with the reason."""
        call = get_call(session, call_id)
        current = active_dispatch(session, call_id)
        if call.status not in (S.DISPATCHED, S.EN_ROUTE) or current is None:
            msg = f"call {call_id} is {call.status}; only a call on its way can be reassigned"
            raise ConflictError(msg)
        if not reason.strip():
            msg = "reassigning a call needs a reason"
            raise InputError(msg, field="reason")
        options = self.assessor.assess(session, call).ambulances
        chosen = ambulance_id or (options[0].ambulance_id if options else None)
        if chosen is None:
            msg = "no other ambulance is available; choose one by id"
            raise ConflictError(msg)
        if chosen == current.ambulance_id:
            msg = f"ambulance {chosen} already has this call"
            raise ConflictError(msg)
        ambulances.claim(session, chosen)
        current.released_at = utcnow()
        session.add(current)
        call.assigned_ambulance_id = chosen
        session.add(call)
        ambulances.release(session, current.ambulance_id)
        eta = next((o.eta_s for o in options if o.ambulance_id == chosen), None)
        session.add(
            Dispatch(
                call_id=call_id,
                ambulance_id=chosen,
                assigned_by=principal.user_id,
                recommended=bool(options) and chosen == options[0].ambulance_id,
                eta_s=round(eta, 1) if eta is not None else None,
            )
        )
        audit.record(
            session,
            actor_user_id=principal.user_id,
            action="call.reassigned",
            entity="call",
            entity_id=call_id,
            released=current.ambulance_id,
            ambulance_id=chosen,
            reason=reason.strip(),
        )
        session.commit()
        self.announcer.status_changed(session, call, call.status)
        return call

    def change_status(  # noqa: PLR0913 - keyword-only: the move and why
        self,
        session: Session,
        *,
        call_id: int,
        status: CallStatus,
        reason: str | None,
        principal: Principal,
        reason_code: str | None = None,
    ) -> Call:
        """Move a call along its lifecycle (dispatch has its own route); a cancellation's
        reason code is audited beside its text, for the reports."""
        call = get_call(session, call_id)
        if status is S.DISPATCHED:
            msg = "a call is dispatched by assigning an ambulance (POST /api/calls/{id}/dispatch)"
            raise ConflictError(msg)
        if status is S.RECEIVED:
            msg = "a call goes back to the queue only when its crew refuses it"
            raise ConflictError(msg)
        current = active_dispatch(session, call_id)
        if principal.role is Role.CREW:
            if current is None or current.ambulance_id != principal.ambulance_id:
                msg = "this call is not assigned to your ambulance"
                raise PermissionDeniedError(msg)
            handover = status is S.CLOSED and call.status is S.AT_HOSPITAL
            if status not in CREW_MAY_SET or (status is S.CLOSED and not handover):
                msg = (
                    "a crew sets en route, on scene, transporting, at hospital, and closed "
                    f"after the handover at the hospital; not {status} now"
                )
                raise PermissionDeniedError(msg)
        if status is S.TRANSPORTING and active_referral(session, call_id) is None:
            msg = "choose the destination hospital before transporting"
            raise ConflictError(msg)
        if status is S.CANCELLED and not (reason or "").strip():
            msg = "cancelling a call needs a reason"
            raise InputError(msg, field="reason")
        before = call.status
        coded: dict[str, Any] = {}
        if status is S.CANCELLED and reason_code:
            coded["reason_code"] = reason_code
        _move(
            session,
            call,
            status,
            actor=principal.user_id,
            also={"cancel_reason": reason_code} if coded else None,
            reason=(reason or "").strip() or None,
            **coded,
        )
        if status in TERMINAL and current is not None:
            current.released_at = utcnow()
            session.add(current)
            ambulances.release(session, current.ambulance_id)
        session.commit()
        self.announcer.status_changed(session, call, before)
        return call

    def acknowledge(self, session: Session, *, referral_id: int, principal: Principal) -> Referral:
        """A hospital confirms it has seen an incoming patient (idempotent)."""
        referral = session.get(Referral, referral_id)
        mine = principal.role is Role.ADMIN or (
            referral is not None and referral.hospital_id == principal.hospital_id
        )
        if referral is None or not mine or referral.superseded_at is not None:
            msg = f"no referral {referral_id} to your hospital"
            raise NotFoundError(msg)
        if referral.acknowledged_at is None:
            referral.acknowledged_at = utcnow()
            referral.acknowledged_by = principal.user_id
            session.add(referral)
            audit.record(
                session,
                actor_user_id=principal.user_id,
                action="referral.acknowledged",
                entity="referral",
                entity_id=referral_id,
                hospital_id=referral.hospital_id,
            )
            session.commit()
        self.announcer.acknowledged(referral)
        return referral


def move_back_to_queue(session: Session, announcer: Announcer, call: Call, *, actor: int) -> None:
    """A call whose crew refused it waits for another ambulance (committed, announced)."""
    before = call.status
    _move(session, call, S.RECEIVED, actor=actor, reason="refused by its crew")
    session.commit()
    announcer.status_changed(session, call, before)


def move_by_geofence(session: Session, announcer: Announcer, call: Call, to: CallStatus) -> bool:
    """Move a call on because its ambulance entered a geofence, and announce it; False if it
    was moved meanwhile (then nothing changes and nothing is said)."""
    if to not in TRANSITIONS[call.status]:
        return False
    before = call.status
    try:
        _move(session, call, to, actor=None, by="geofence")
    except ConflictError:
        return False
    session.commit()
    announcer.status_changed(session, call, before, by_geofence=True)
    return True
