"""Phones that report GPS with their own app (Traccar Client, OsmAnd protocol): each device
identifier is bound to one ambulance. The identifier travels in every request's query string,
so it is a long random secret, shown once, and only its hash is kept (as for API keys)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from app.core.security import hash_api_key
from app.errors import AuthenticationError, NotFoundError
from app.models import Ambulance, Device, utcnow
from app.services import audit


@dataclass(frozen=True)
class DeviceRow:
    """A registered device, without its identifier (which is not kept)."""

    id: int
    ambulance_id: str
    label: str
    created_at: datetime
    revoked_at: datetime | None


def register_device(
    session: Session, ambulance_id: str, *, label: str = "", actor_user_id: int | None = None
) -> str:
    """Bind a new identifier to an ambulance; returns the identifier, shown this once."""
    if session.get(Ambulance, ambulance_id) is None:
        msg = f"no ambulance {ambulance_id}"
        raise NotFoundError(msg)
    identifier = secrets.token_urlsafe(24)  # 32 characters, typed once into the app
    row = Device(ambulance_id=ambulance_id, identifier_hash=hash_api_key(identifier), label=label)
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor_user_id=actor_user_id,
        action="device.registered",
        entity="device",
        entity_id=row.id or 0,
        ambulance_id=ambulance_id,
    )
    session.commit()
    return identifier


def ambulance_of(session: Session, identifier: str) -> str:
    """The ambulance a device reports for; AuthenticationError if unknown or revoked."""
    found = session.exec(
        select(Device.ambulance_id).where(
            col(Device.identifier_hash) == hash_api_key(identifier),
            col(Device.revoked_at).is_(None),
        )
    ).first()
    if found is None:
        msg = "unknown or revoked device identifier"
        raise AuthenticationError(msg)
    return found


def revoke_device(session: Session, device_id: int, *, actor_user_id: int | None = None) -> None:
    """Stop accepting a device's fixes (a phone lost or handed on)."""
    row = session.get(Device, device_id)
    if row is None:
        msg = f"no device {device_id}"
        raise NotFoundError(msg)
    row.revoked_at = row.revoked_at or utcnow()
    session.add(row)
    audit.record(
        session, actor_user_id=actor_user_id, action="device.revoked", entity="device",
        entity_id=device_id, ambulance_id=row.ambulance_id,
    )  # fmt: skip
    session.commit()


def list_devices(session: Session) -> list[DeviceRow]:
    """Every device, by ambulance."""
    rows = session.exec(select(Device).order_by(col(Device.ambulance_id), col(Device.id))).all()
    return [DeviceRow(r.id or 0, r.ambulance_id, r.label, r.created_at, r.revoked_at) for r in rows]
