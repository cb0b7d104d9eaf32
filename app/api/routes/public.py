"""The public's door: citizens register with their NIK, confirm their phone, press the
emergency button and follow their own calls; operators mark pranks, admins reinstate."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status
from starlette.requests import Request

from app.api import schemas as s
from app.api import views
from app.api.deps import (
    Admin,
    Allow,
    Operator,
    RegionDep,
    ServicesDep,
    SessionDep,
    SessionReleasingRoute,
    services_of,
)
from app.models import Role
from app.services import citizens, socket_keys
from app.services.channels import Published
from app.services.citizen_calls import Emergency, PublicDoor
from app.services.citizens import CitizenDesk, Registration
from app.services.users import Principal

router = APIRouter(prefix="/api", tags=["public"], route_class=SessionReleasingRoute)
Citizen = Annotated[Principal, Depends(Allow(Role.CITIZEN))]


async def get_citizen_desk(request: Request) -> CitizenDesk:
    """Citizens' accounts."""
    return services_of(request).citizen_desk


async def get_public_door(request: Request) -> PublicDoor:
    """Citizens' emergency calls."""
    return services_of(request).public_door


CitizenDeskDep = Annotated[CitizenDesk, Depends(get_citizen_desk)]
PublicDoorDep = Annotated[PublicDoor, Depends(get_public_door)]


@router.post("/public/register", status_code=status.HTTP_201_CREATED)
def register(
    body: s.CitizenRegister, session: SessionDep, desk: CitizenDeskDep
) -> s.CitizenRegistered:
    """Register with NIK, name and phone (or sign in again on the same phone): a one-time
    code goes to the phone. The NIK is checked against the registry once the phone is
    confirmed; an account not verified yet can still call for help."""
    given = Registration(body.nik, body.name, body.phone, body.address, body.emergency_contact)
    citizen = desk.register(session, given)
    return s.CitizenRegistered(
        citizen_id=citizen.id or 0, phone_masked=citizen.phone_masked or "", code_sent=True
    )


@router.post("/public/confirm")
def confirm(body: s.CitizenConfirm, session: SessionDep, desk: CitizenDeskDep) -> s.CitizenKeyOut:
    """The code from the phone: the app's key (shown once)."""
    issued = desk.confirm(session, citizen_id=body.citizen_id, code=body.code)
    return s.CitizenKeyOut(key=issued.key, expires_at=issued.expires_at)


@router.get("/public/me")
def me(principal: Citizen, session: SessionDep) -> s.CitizenOut:
    """One's own account, masked."""
    return views.citizen_out(citizens.citizen_of(session, principal.citizen_id))


@router.delete("/public/me", status_code=status.HTTP_204_NO_CONTENT)
def delete_me(
    principal: Citizen, session: SessionDep, desk: CitizenDeskDep, services: ServicesDep
) -> None:
    """Delete one's account and its personal data (the audit log keeps what happened); its
    key stops working at once, on every worker within the key cache time."""
    desk.delete(session, citizen_id=principal.citizen_id or 0, actor_user_id=principal.user_id)
    services.principals.clear()
    services.publisher([Published((socket_keys.CHANNEL,), "revoked")])


@router.get("/public/emergency-kinds")
def emergency_kinds(door: PublicDoorDep) -> s.EmergencyKindsOut:
    """What a citizen can choose, with the first aid shown while help comes."""
    kinds = {
        code: s.EmergencyKindOut(label=k.label, label_id=k.label_id, first_aid=list(k.first_aid))
        for code, k in door.kinds.items()
    }
    return s.EmergencyKindsOut(kinds=kinds, review=door.review)


@router.post("/public/emergency", status_code=status.HTTP_201_CREATED)
def emergency(
    body: s.EmergencyCreate, principal: Citizen, session: SessionDep, door: PublicDoorDep
) -> s.FollowingOut:
    """The emergency button: the call reaches the operators at once, marked as from the app
    with the account's identity; the answer is the call as the citizen follows it."""
    given = Emergency(
        body.kind, body.people_hurt, body.text, body.lon, body.lat, body.accuracy_m,
        body.district_code, body.address, body.device,
    )  # fmt: skip
    created = door.call(session, principal, given)
    return views.following_out(door.follow(session, principal, created.call.id or 0))


@router.get("/public/calls")
def own_calls(principal: Citizen, session: SessionDep, door: PublicDoorDep) -> list[s.FollowingOut]:
    """One's own calls, newest first."""
    return [
        views.following_out(door.follow(session, principal, c.id or 0))
        for c in door.own_calls(session, principal)
    ]


@router.get("/public/calls/{call_id}")
def follow(
    call_id: s.RowId, principal: Citizen, session: SessionDep, door: PublicDoorDep
) -> s.FollowingOut:
    """One's own call: the status, and the ambulance's position and ETA while it comes."""
    return views.following_out(door.follow(session, principal, call_id))


@router.post("/calls/{call_id}/prank")
def mark_prank(
    call_id: s.RowId, body: s.PrankCreate, principal: Operator, session: SessionDep,
    region: RegionDep,
) -> s.CallOut:  # fmt: skip
    """Mark a call as a prank (audited, with the reason); an app account with repeated
    pranks is suspended for new app calls (the phone line 119 still works)."""
    call = citizens.mark_prank(session, call_id=call_id, reason=body.reason, principal=principal)
    return views.one_call_out(session, call, region)


@router.post("/citizens/{citizen_id}/reinstate")
def reinstate(citizen_id: s.RowId, principal: Admin, session: SessionDep) -> s.CitizenOut:
    """Let a suspended account call from the app again (audited)."""
    return views.citizen_out(
        citizens.reinstate(session, citizen_id=citizen_id, principal=principal)
    )
