"""Hospitals: the registry, readiness reports, and the patients coming to each."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlmodel import col, select

from app.api import schemas as s
from app.api import views
from app.api.deps import (
    Admin,
    DispatcherDep,
    HospitalReporter,
    HospitalUser,
    ReferralDeskDep,
    RegionDep,
    ServicesDep,
    SessionDep,
    SessionReleasingRoute,
    Staff,
)
from app.errors import NotFoundError
from app.models import Hospital, Role
from app.services import dispatch, hospitals, readiness
from app.services.referral_answers import AnswerIn
from app.services.users import Principal
from routing.ranking import OnCall

router = APIRouter(prefix="/api", tags=["hospitals"], route_class=SessionReleasingRoute)


def _own(principal: Principal, hospital_id: str) -> None:
    """A hospital user acts for its own hospital only (others look absent to it)."""
    hospital_roles = (Role.HOSPITAL, Role.HOSPITAL_SYSTEM)
    if principal.role in hospital_roles and principal.hospital_id != hospital_id:
        msg = f"no hospital {hospital_id!r} among yours"
        raise NotFoundError(msg)


@router.get("/hospitals")
def list_hospitals(
    _principal: Staff, session: SessionDep, services: ServicesDep
) -> list[s.HospitalOut]:
    """Every hospital with its capabilities and readiness (stale values flagged)."""
    rows = session.exec(select(Hospital).order_by(col(Hospital.id)))
    return [
        views.hospital_out(h, stale_after_s=services.assessor.readiness_stale_after_s) for h in rows
    ]


@router.get("/hospitals/{hospital_id}")
def get_hospital(
    hospital_id: s.IdInPath, _principal: Staff, session: SessionDep, services: ServicesDep
) -> s.HospitalOut:
    """One hospital with its readiness, each value with the time it was reported."""
    row = hospitals.get_hospital(session, hospital_id)
    return views.hospital_out(row, stale_after_s=services.assessor.readiness_stale_after_s)


@router.patch("/hospitals/{hospital_id}")
def update_hospital(
    hospital_id: s.IdInPath,
    body: s.HospitalUpdate,
    principal: Admin,
    session: SessionDep,
    region: RegionDep,
    services: ServicesDep,
) -> s.HospitalOut:
    """Correct a hospital's name, capabilities or bed capacity (administrators)."""
    correction = hospitals.HospitalCorrection(body.name, body.capabilities, body.bed_capacity)
    row = hospitals.update_hospital(
        session, hospital_id, correction, region=region, actor_user_id=principal.user_id
    )
    services.boards.changed()
    return views.hospital_out(row, stale_after_s=services.assessor.readiness_stale_after_s)


@router.put("/hospitals/{hospital_id}/readiness")
def report_readiness(
    hospital_id: s.IdInPath,
    body: s.ReadinessUpdate,
    principal: HospitalReporter,
    session: SessionDep,
    region: RegionDep,
    services: ServicesDep,
) -> s.HospitalOut:
    """Report free beds, diversion, a capability down, the specialists on call or the blood
    in stock; only the values given change. A hospital's own system pushes with its machine
    key (role hospital-system) and ``as_of``: the same push twice changes nothing."""
    _own(principal, hospital_id)
    change = readiness.ReadinessChange(
        free_beds=body.free_beds,
        on_diversion=body.on_diversion,
        diversion_reason=body.diversion_reason,
        capabilities_down=body.capabilities_down,
        on_call={c: OnCall(h.start, h.end) for c, h in body.on_call.items()}
        if body.on_call is not None
        else None,
        blood_units=body.blood_units,
        as_of=body.as_of,
    )
    desk = readiness.ReadinessDesk(region, services.announcer)
    row = desk.report(session, hospital_id, change, principal.user_id)
    services.boards.changed()
    return views.hospital_out(row, stale_after_s=services.assessor.readiness_stale_after_s)


@router.get("/hospitals/{hospital_id}/incoming")
def incoming(
    hospital_id: s.IdInPath,
    principal: HospitalUser,
    session: SessionDep,
    include_closed: Annotated[bool, Query()] = False,
) -> list[s.IncomingOut]:
    """Patients referred to this hospital, with their clinical summary (no names)."""
    _own(principal, hospital_id)
    hospitals.get_hospital(session, hospital_id)
    items = dispatch.incoming(session, hospital_id=hospital_id, include_closed=include_closed)
    return [views.incoming_out(session, item) for item in items]


@router.post("/referrals/{referral_id}/acknowledgement")
def acknowledge(
    referral_id: s.RowId, principal: HospitalUser, session: SessionDep, dispatcher: DispatcherDep
) -> s.ReferralOut:
    """The hospital confirms it has seen an incoming patient and is getting ready."""
    r = dispatcher.acknowledge(session, referral_id=referral_id, principal=principal)
    return views.referral_out(r)


@router.post("/referrals/{referral_id}/answer")
def answer_referral(
    referral_id: s.RowId,
    body: s.ReferralAnswerCreate,
    principal: HospitalUser,
    session: SessionDep,
    desk: ReferralDeskDep,
) -> s.ReferralOut:
    """Accept a referral, or decline it with a reason: the operators are told at once, with
    the next hospital when it is declined. Only the referral's own hospital answers."""
    given = AnswerIn(body.accept, body.reason, body.subject, body.note)
    r = desk.answer(session, referral_id=referral_id, answer=given, principal=principal)
    return views.referral_out(r)


@router.get("/referral-answers/terms")
def answer_terms(_principal: Staff, desk: ReferralDeskDep, region: RegionDep) -> s.AnswerTermsOut:
    """The reasons a hospital may decline a referral (and what each needs), and the
    specialists, in English and Bahasa Indonesia."""

    return s.AnswerTermsOut(
        decline_reasons={
            code: s.TermOut(label=t.label, label_id=t.label_id, needs=t.needs)
            for code, t in desk.terms.reasons.items()
        },
        specialists={
            code: s.TermOut(label=t.label, label_id=t.label_id)
            for code, t in region.taxonomy.specialists.items()
        },
    )
