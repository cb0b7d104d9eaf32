"""Administration: users and keys, the audit log; callers registered in advance."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from app.api import schemas as s
from app.api.deps import (
    Admin,
    Operator,
    ServicesDep,
    SessionDep,
    SessionReleasingRoute,
    SettingsDep,
    VaultDep,
)
from app.services import audit, callers, socket_keys, users
from app.services.channels import Published
from routing import LonLat

router = APIRouter(prefix="/api", tags=["administration"], route_class=SessionReleasingRoute)


def _key_out(issued: users.IssuedKey) -> s.KeyOut:
    return s.KeyOut(
        user_id=issued.user_id, key_id=issued.key_id, key=issued.key, expires_at=issued.expires_at
    )


@router.post("/users", status_code=status.HTTP_201_CREATED)
def create_user(
    body: s.UserCreate, principal: Admin, session: SessionDep, settings: SettingsDep
) -> s.KeyOut:
    """Create a user bound to its hospital, ambulance or facility; returns its first key once."""
    facility = (
        LonLat(body.facility_lon, body.facility_lat)
        if body.facility_lon is not None and body.facility_lat is not None
        else None
    )
    new = users.NewUser(
        body.name,
        body.role,
        hospital_id=body.hospital_id,
        ambulance_id=body.ambulance_id,
        facility=facility,
        incidents=body.incidents,
    )
    user = users.create_user(session, new, actor_user_id=principal.user_id)
    issued = users.issue_key(
        session,
        user_id=user.id or 0,
        days=body.key_days or settings.api_key_days,
        actor_user_id=principal.user_id,
    )
    session.commit()
    return _key_out(issued)


@router.post("/users/{user_id}/keys", status_code=status.HTTP_201_CREATED)
def issue_key(
    user_id: s.RowId,
    principal: Admin,
    session: SessionDep,
    settings: SettingsDep,
    days: Annotated[int | None, Query(ge=1, le=3650)] = None,
) -> s.KeyOut:
    """Issue another key for a user (shown once)."""
    issued = users.issue_key(
        session,
        user_id=user_id,
        days=days or settings.api_key_days,
        actor_user_id=principal.user_id,
    )
    session.commit()
    return _key_out(issued)


@router.delete("/keys/{key_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_key(
    key_id: s.RowId, principal: Admin, session: SessionDep, services: ServicesDep
) -> None:
    """Revoke a key at once: every worker stops trusting it, and closes the sockets opened
    with it, within the key cache time."""
    users.revoke_key(session, key_id=key_id, actor_user_id=principal.user_id)
    session.commit()
    services.principals.clear()
    services.publisher([Published((socket_keys.CHANNEL,), "revoked")])


@router.get("/audit")
def read_audit(
    _principal: Admin,
    session: SessionDep,
    entity: s.CodeInQuery | None = None,
    entity_id: s.CodeInQuery | None = None,
    action: s.CodeInQuery | None = None,
    since: s.Instant | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: s.Offset = 0,
) -> list[s.AuditOut]:
    """The audit log, newest first (append-only; administrators only)."""
    which = audit.AuditQuery(entity, entity_id, action, since)
    rows = audit.events(session, which, limit=limit, offset=offset)
    return [s.AuditOut.model_validate(e, from_attributes=True) for e in rows]


@router.post("/callers", status_code=status.HTTP_201_CREATED)
def register_caller(
    body: s.CallerRegister, principal: Operator, session: SessionDep, vault: VaultDep
) -> s.CallerRegistered:
    """Register a caller in advance (NIK and phone) so that the number is recognised."""
    nik = callers.parse_nik_or_fail(body.nik) if body.nik else None
    match = callers.register(session, vault, nik=nik, phone=body.phone, name=body.name)
    audit.record(
        session,
        actor_user_id=principal.user_id,
        action="caller.registered",
        entity="caller",
        entity_id=match.caller.id or 0,
        known_before=match.known,
    )
    session.commit()
    return s.CallerRegistered(
        caller_id=match.caller.id or 0,
        known_before=match.known,
        nik_masked=match.caller.nik_masked,
        phone_masked=match.caller.phone_masked,
    )
