"""A crew's own answers: accept or refuse its assignment, go off duty or back on duty."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from app.api.deps import (
    CrewDeskDep,
    CrewUser,
    SessionDep,
    SessionReleasingRoute,
    SettingsDep,
)
from app.core.types import ShortText
from app.services import enrolment
from app.services.crew_answers import CrewAnswer, own_ambulance
from tracking.messages import CrewAnswered

router = APIRouter(prefix="/api/crew", tags=["crew"], route_class=SessionReleasingRoute)

Refusal = Literal["vehicle_fault", "crew_incomplete", "on_another_mission", "other"]
OffDuty = Literal[
    "vehicle_fault", "crew_incomplete", "maintenance", "refuelling", "end_of_shift", "other"
]


class AnswerIn(BaseModel):
    """Accept (``{"accept": true}``) or refuse with a reason (and words for "other")."""

    accept: bool = Field(strict=True)
    reason: Refusal | None = None
    note: ShortText | None = None


class DutyIn(BaseModel):
    """Off duty with a reason, or back on duty."""

    on_duty: bool = Field(strict=True)
    reason: OffDuty | None = None


class DutyOut(BaseModel):
    """The ambulance's status after the change."""

    ambulance_id: str
    status: str
    off_duty_reason: str | None


@router.post("/assignment/answer")
def answer(
    body: AnswerIn, principal: CrewUser, session: SessionDep, desk: CrewDeskDep
) -> CrewAnswered:
    """Accept the assignment, or refuse it before driving off: the call goes back to the
    queue, this ambulance off duty for the same reason, and the operators are told at once
    with the ambulance that could go instead."""
    own_ambulance(principal)
    return desk.answer(session, principal, CrewAnswer(body.accept, body.reason, body.note))


@router.post("/duty")
def duty(body: DutyIn, principal: CrewUser, session: SessionDep, desk: CrewDeskDep) -> DutyOut:
    """Go off duty with a reason (never recommended meanwhile), or back on duty."""
    own_ambulance(principal)
    ambulance = desk.set_duty(session, principal, on_duty=body.on_duty, reason=body.reason)
    return DutyOut(
        ambulance_id=ambulance.id,
        status=ambulance.status.value,
        off_duty_reason=ambulance.off_duty_reason,
    )


class EnrolmentIn(BaseModel):
    """The one-time code of a printed enrolment QR code."""

    code: str = Field(min_length=16, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")


class EnrolmentOut(BaseModel):
    """The crew's key, for the phone to keep (shown this once)."""

    key: str
    expires_at: datetime | None


@router.post("/enrolment")
def enrol(body: EnrolmentIn, session: SessionDep, settings: SettingsDep) -> EnrolmentOut:
    """Exchange a one-time enrolment code (from `satria crews enrol`) for the crew's key. No
    key is needed: the code is one; it works once and expires."""
    issued = enrolment.redeem(session, body.code, key_days=settings.api_key_days)
    return EnrolmentOut(key=issued.key, expires_at=issued.expires_at)
