"""Users and their API keys: creation, authentication, revocation.

A key is shown once when it is made; the database keeps a public prefix (to find the row)
and the key's SHA-256 (compared in constant time). Keys expire and can be revoked.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from app.core.security import api_key_matches, hash_api_key, new_api_key
from app.errors import AuthenticationError, InputError, NotFoundError
from app.models import Ambulance, ApiKey, Hospital, Incident, Role, User, utcnow
from app.services import audit
from routing import LonLat


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user's id, role and the entity the role is bound to."""

    user_id: int
    name: str
    role: Role
    hospital_id: str | None = None
    ambulance_id: str | None = None
    facility: LonLat | None = None
    incidents: tuple[Incident, ...] = ()  # what an agency follows
    citizen_id: int | None = None  # a member of the public's account


@dataclass(frozen=True)
class IssuedKey:
    """A new key in clear (shown once) and its row."""

    key: str
    key_id: int
    user_id: int
    expires_at: datetime | None


@dataclass(frozen=True)
class NewUser:
    """A user to create: a name, a role, and the binding the role needs (a hospital, an
    ambulance, a facility's location, or the incident kinds an agency follows)."""

    name: str
    role: Role
    hospital_id: str | None = None
    ambulance_id: str | None = None
    facility: LonLat | None = None
    incidents: Sequence[Incident] = ()


def create_user(session: Session, new: NewUser, *, actor_user_id: int | None = None) -> User:
    """A user with the binding its role needs, checked; audited."""
    name, role, hospital_id, ambulance_id = new.name, new.role, new.hospital_id, new.ambulance_id
    facility, incidents = new.facility, new.incidents
    _check_binding(session, role, hospital_id, ambulance_id, facility)
    if role is Role.AGENCY and not incidents:
        msg = "an agency user needs the incident kinds it follows (e.g. traffic_accident, fire)"
        raise InputError(msg, field="incidents")
    user = User(
        name=name,
        role=role,
        hospital_id=hospital_id if role in (Role.HOSPITAL, Role.HOSPITAL_SYSTEM) else None,
        ambulance_id=ambulance_id if role is Role.CREW else None,
        facility_lon=facility.lon if facility and role is Role.FACILITY else None,
        facility_lat=facility.lat if facility and role is Role.FACILITY else None,
        incidents=sorted({i.value for i in incidents}) if role is Role.AGENCY else [],
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor_user_id=actor_user_id,
        action="user.created",
        entity="user",
        entity_id=user.id or 0,
        role=role.value,
        hospital_id=user.hospital_id,
        ambulance_id=user.ambulance_id,
        incidents=user.incidents,
    )
    return user


def _check_binding(
    session: Session,
    role: Role,
    hospital_id: str | None,
    ambulance_id: str | None,
    facility: LonLat | None,
) -> None:
    bound_to_hospital = role in (Role.HOSPITAL, Role.HOSPITAL_SYSTEM)
    if bound_to_hospital and (hospital_id is None or not session.get(Hospital, hospital_id)):
        msg = f"a hospital user needs an existing hospital id (got {hospital_id!r})"
        raise InputError(msg, field="hospital_id")
    if role is Role.CREW and (ambulance_id is None or not session.get(Ambulance, ambulance_id)):
        msg = f"a crew user needs an existing ambulance id (got {ambulance_id!r})"
        raise InputError(msg, field="ambulance_id")
    if role is Role.FACILITY and facility is None:
        msg = "a facility user needs its location (lon, lat)"
        raise InputError(msg, field="facility")


def issue_key(
    session: Session, *, user_id: int, days: int | None, actor_user_id: int | None = None
) -> IssuedKey:
    """A new key for a user, valid ``days`` days (None: until revoked)."""
    user = session.get(User, user_id)
    if user is None or not user.active:
        msg = f"no active user {user_id}"
        raise NotFoundError(msg)
    made = new_api_key()
    expires_at = utcnow() + timedelta(days=days) if days else None
    row = ApiKey(user_id=user_id, prefix=made.prefix, key_hash=made.key_hash, expires_at=expires_at)
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor_user_id=actor_user_id,
        action="key.issued",
        entity="apikey",
        entity_id=row.id or 0,
        user_id=user_id,
        prefix=made.prefix,
    )
    return IssuedKey(made.key, row.id or 0, user_id, expires_at)


def authenticate(session: Session, key: str, *, now: datetime | None = None) -> Principal:
    """The principal a key belongs to; AuthenticationError if unknown, revoked or expired."""
    return authenticate_key(session, key, now=now)[0]


def authenticate_key(
    session: Session, key: str, *, now: datetime | None = None
) -> tuple[Principal, datetime | None]:
    """The principal a key belongs to and when the key expires (see ``authenticate``)."""
    row = session.exec(select(ApiKey).where(ApiKey.prefix == key[:12])).first()
    user = session.get(User, row.user_id) if row is not None else None
    refusal = _refusal(key, row, user, now or utcnow())
    if refusal is not None or row is None or user is None:
        raise AuthenticationError(refusal or "unknown API key")
    return principal_of(user), row.expires_at


def refused_keys(
    session: Session, keys: set[str], *, now: datetime | None = None
) -> dict[str, str]:
    """Of these keys, those that no longer authenticate, with why: the same checks as
    ``authenticate``, for many open sockets in one query per thousand keys."""
    now = now or utcnow()
    by_prefix: dict[str, tuple[ApiKey, User | None]] = {}
    ordered = sorted(keys)
    for start in range(0, len(ordered), 1000):
        prefixes = {key[:12] for key in ordered[start : start + 1000]}
        query = (
            select(ApiKey, User)
            .join(User, col(User.id) == col(ApiKey.user_id), isouter=True)
            .where(col(ApiKey.prefix).in_(prefixes))
        )
        by_prefix.update({row.prefix: (row, user) for row, user in session.exec(query)})
    refused = {}
    for key in keys:
        row, user = by_prefix.get(key[:12], (None, None))
        refusal = _refusal(key, row, user, now)
        if refusal is not None:
            refused[key] = refusal
    return refused


def _refusal(key: str, row: ApiKey | None, user: User | None, now: datetime) -> str | None:
    """Why this key does not authenticate (None: it does)."""
    # Compare even when no row matched, so that timing does not tell a prefix exists.
    stored = row.key_hash if row is not None else "0" * 64
    if not api_key_matches(key, stored) or row is None:
        return "unknown API key"
    if row.revoked_at is not None:
        return "this API key was revoked"
    if row.expires_at is not None and row.expires_at <= now:
        return "this API key has expired"
    if user is None or not user.active:
        return "the user of this API key is deactivated"
    return None


def principal_of(user: User) -> Principal:
    """The principal for a user row."""
    facility = (
        LonLat(user.facility_lon, user.facility_lat)
        if user.facility_lon is not None and user.facility_lat is not None
        else None
    )
    return Principal(
        user_id=user.id or 0,
        name=user.name,
        role=user.role,
        hospital_id=user.hospital_id,
        ambulance_id=user.ambulance_id,
        facility=facility,
        incidents=tuple(Incident(i) for i in user.incidents),
        citizen_id=user.citizen_id,
    )


def revoke_key(session: Session, *, key_id: int, actor_user_id: int | None) -> ApiKey:
    """Revoke a key now (idempotent)."""
    row = session.get(ApiKey, key_id)
    if row is None:
        msg = f"no API key {key_id}"
        raise NotFoundError(msg)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
        audit.record(
            session,
            actor_user_id=actor_user_id,
            action="key.revoked",
            entity="apikey",
            entity_id=key_id,
        )
    return row


class PrincipalCache:
    """Keys authenticated in the last ``ttl_s`` seconds, so that most requests skip the key
    table. Entries are keyed by the key's hash, never the key. A revocation or deactivation
    made in this process clears the cache at once; another worker's cache follows within
    ``ttl_s``. A key's own expiry is always checked.
    """

    def __init__(self, ttl_s: float = 10.0, *, max_entries: int = 10_000) -> None:
        self.ttl_s = ttl_s
        self._max_entries = max_entries
        self._entries: dict[str, tuple[Principal, float, datetime | None]] = {}

    def get(self, key: str) -> Principal | None:
        """The cached principal for a key, if fresh and unexpired."""
        entry = self._entries.get(hash_api_key(key))
        if entry is None:
            return None
        principal, cached_at, expires_at = entry
        if time.monotonic() - cached_at > self.ttl_s or (
            expires_at is not None and expires_at <= utcnow()
        ):
            self._entries.pop(hash_api_key(key), None)
            return None
        return principal

    def put(self, key: str, principal: Principal, expires_at: datetime | None) -> None:
        """Remember a key just authenticated."""
        if len(self._entries) >= self._max_entries:
            self._entries.clear()  # simple and bounded; the next requests refill it
        self._entries[hash_api_key(key)] = (principal, time.monotonic(), expires_at)

    def clear(self) -> None:
        """Forget every key (after a revocation)."""
        self._entries.clear()
