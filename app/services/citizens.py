"""Citizens' accounts: registered with a NIK and a phone confirmed by a one-time code.

The NIK is parsed at once and checked against the civil registry in the background: an
account whose NIK is not verified yet, or whose registry is down, can still call for help;
the operator sees the state. One NIK, one active account. The NIK, name, phone, address and
emergency contact are kept as callers' are (keyed hashes to find them, ciphertexts for the
operator, masks for the citizen); deleting an account clears them, and the audit log keeps
what happened.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from app.core.security import PersonalDataVault
from app.errors import ConflictError, InputError, NotFoundError, ServiceUnavailableError
from app.models import ApiKey, Call, Citizen, CitizenCode, Role, User, Verification, utcnow
from app.services import audit, callers, users
from app.services.messaging import Messenger
from app.services.records import get_call
from app.services.verification import Outcome, Verifier

log = logging.getLogger("satria.citizens")
CODE_TTL = timedelta(minutes=10)
CODE_ATTEMPTS = 5
KEY_DAYS = 365


@dataclass(frozen=True)
class Registration:
    """What a citizen gives to register (or to sign in again on a new phone)."""

    nik: str
    name: str
    phone: str
    address: str | None = None
    emergency_contact: str | None = None


@dataclass(frozen=True)
class CitizenDesk:
    """Registers citizens, confirms their phones, deletes accounts on request."""

    vault: PersonalDataVault
    messenger: Messenger
    check_nik: Callable[[int, str, str | None], None]  # (citizen id, NIK, name), in background

    def register(self, session: Session, given: Registration) -> Citizen:
        """A new account (or the same NIK on the same phone again: a new code), and a one-time
        code sent to the phone. ConflictError when the NIK has an account on another phone."""
        nik = callers.parse_nik_or_fail(given.nik)
        phone = callers.normalise_phone(given.phone)
        name = given.name.strip()
        if not name:
            msg = "give the name as on the KTP"
            raise InputError(msg, field="name")
        vault = self.vault
        nik_hash, phone_hash = vault.lookup_hash(nik.value), vault.lookup_hash(phone)
        citizen = session.exec(
            select(Citizen).where(Citizen.nik_hash == nik_hash, col(Citizen.deleted_at).is_(None))
        ).first()
        if citizen is not None and citizen.phone_confirmed_at and citizen.phone_hash != phone_hash:
            msg = "this NIK already has an account on another phone number"
            raise ConflictError(msg)
        new = citizen is None
        citizen = citizen or Citizen(nik_hash=nik_hash, nik_masked=nik.masked)
        citizen.nik_ciphertext = vault.encrypt(nik.value)
        citizen.name_ciphertext = vault.encrypt(name)
        citizen.phone_hash, citizen.phone_masked = phone_hash, callers.mask_phone(phone)
        citizen.phone_ciphertext = vault.encrypt(phone)
        if given.address:
            citizen.address_ciphertext = vault.encrypt(given.address.strip())
        if given.emergency_contact:
            citizen.contact_ciphertext = vault.encrypt(given.emergency_contact.strip())
        session.add(citizen)
        session.flush()
        code = f"{secrets.randbelow(10**6):06d}"
        session.add(
            CitizenCode(
                citizen_id=citizen.id or 0,
                code_hash=_code_hash(vault, citizen.id or 0, code),
                expires_at=utcnow() + CODE_TTL,
            )
        )
        audit.record(
            session,
            actor_user_id=None,
            action="citizen.registered" if new else "citizen.code_requested",
            entity="citizen",
            entity_id=citizen.id or 0,
        )
        session.commit()
        text = f"Kode PSC 119 Anda: {code}. Berlaku 10 menit. Jangan berikan kepada siapa pun."
        if not self.messenger.send(phone, text, purpose="citizen_code"):
            # The account waits; asking again sends a new code. An emergency never waits
            # for this: the phone line 119 works without an account.
            msg = "the code could not be sent now: try again in a minute, or call 119"
            raise ServiceUnavailableError(msg)
        return citizen

    def confirm(self, session: Session, *, citizen_id: int, code: str) -> users.IssuedKey:
        """Check a one-time code; the citizen's key (shown once). The NIK check starts."""
        citizen = session.get(Citizen, citizen_id)
        if citizen is None or citizen.deleted_at is not None:
            msg = f"no account {citizen_id}"
            raise NotFoundError(msg)
        pending = session.exec(
            select(CitizenCode)
            .where(CitizenCode.citizen_id == citizen_id, col(CitizenCode.used_at).is_(None))
            .order_by(col(CitizenCode.id).desc())
        ).first()
        now = utcnow()
        if pending is None or pending.expires_at <= now or pending.attempts >= CODE_ATTEMPTS:
            msg = "the code has expired or was tried too often: ask for a new one"
            raise InputError(msg, field="code")
        pending.attempts += 1
        if not hmac.compare_digest(pending.code_hash, _code_hash(self.vault, citizen_id, code)):
            session.add(pending)
            session.commit()
            msg = f"wrong code ({CODE_ATTEMPTS - pending.attempts} tries left)"
            raise InputError(msg, field="code")
        pending.used_at = now
        citizen.phone_confirmed_at = citizen.phone_confirmed_at or now
        session.add_all([pending, citizen])
        user = session.exec(select(User).where(User.citizen_id == citizen_id)).first()
        if user is None:
            user = User(name=f"warga {citizen_id}", role=Role.CITIZEN, citizen_id=citizen_id)
            session.add(user)
            session.flush()
        issued = users.issue_key(session, user_id=user.id or 0, days=KEY_DAYS)
        audit.record(
            session,
            actor_user_id=user.id,
            action="citizen.phone_confirmed",
            entity="citizen",
            entity_id=citizen_id,
        )
        session.commit()
        if citizen.verification is Verification.PENDING and citizen.nik_ciphertext:
            name = self.vault.decrypt(citizen.name_ciphertext) if citizen.name_ciphertext else None
            self.check_nik(citizen_id, self.vault.decrypt(citizen.nik_ciphertext), name)
        return issued

    def delete(self, session: Session, *, citizen_id: int, actor_user_id: int | None) -> None:
        """Delete an account on request: its personal data cleared, its keys revoked; its
        calls keep their clinical record, the audit log keeps what happened."""
        citizen = session.get(Citizen, citizen_id)
        if citizen is None or citizen.deleted_at is not None:
            msg = f"no account {citizen_id}"
            raise NotFoundError(msg)
        for column in (
            "nik_hash", "nik_ciphertext", "name_ciphertext", "phone_hash", "phone_ciphertext",
            "address_ciphertext", "contact_ciphertext",
        ):  # fmt: skip
            setattr(citizen, column, None)
        citizen.deleted_at = utcnow()
        session.add(citizen)
        user = session.exec(select(User).where(User.citizen_id == citizen_id)).first()
        if user is not None:
            user.active = False
            session.add(user)
            session.execute(
                update(ApiKey)
                .where(col(ApiKey.user_id) == user.id, col(ApiKey.revoked_at).is_(None))
                .values(revoked_at=utcnow())
            )
        audit.record(
            session,
            actor_user_id=actor_user_id,
            action="citizen.deleted",
            entity="citizen",
            entity_id=citizen_id,
        )
        session.commit()


PRANKS_TO_SUSPEND = 3  # an account with this many pranks may not call from the app


def mark_prank(session: Session, *, call_id: int, reason: str, principal: users.Principal) -> Call:
    """An operator judges a call a prank (audited, with the reason). An app account with
    repeated pranks is suspended for new app calls (the phone line 119 still works)."""
    call = get_call(session, call_id)
    if not reason.strip():
        msg = "marking a prank needs a reason"
        raise InputError(msg, field="reason")
    if call.prank_at is not None:
        return call
    call.prank_at, call.prank_reason = utcnow(), reason.strip()
    session.add(call)
    suspended = False
    if call.citizen_id is not None and (citizen := session.get(Citizen, call.citizen_id)):
        citizen.pranks += 1
        if citizen.pranks >= PRANKS_TO_SUSPEND and citizen.suspended_at is None:
            citizen.suspended_at, suspended = utcnow(), True
        session.add(citizen)
    audit.record(
        session,
        actor_user_id=principal.user_id,
        action="call.prank",
        entity="call",
        entity_id=call_id,
        reason=call.prank_reason,
        citizen_id=call.citizen_id,
        account_suspended=suspended,
    )
    session.commit()
    return call


def reinstate(session: Session, *, citizen_id: int, principal: users.Principal) -> Citizen:
    """An administrator lets a suspended account call from the app again (audited)."""
    citizen = citizen_of(session, citizen_id)
    citizen.suspended_at, citizen.pranks = None, 0
    session.add(citizen)
    audit.record(
        session,
        actor_user_id=principal.user_id,
        action="citizen.reinstated",
        entity="citizen",
        entity_id=citizen_id,
    )
    session.commit()
    return citizen


def citizen_of(session: Session, citizen_id: int | None) -> Citizen:
    """The active account of a citizen's key."""
    citizen = session.get(Citizen, citizen_id) if citizen_id else None
    if citizen is None or citizen.deleted_at is not None:
        msg = "this account no longer exists"
        raise NotFoundError(msg)
    return citizen


def _code_hash(vault: PersonalDataVault, citizen_id: int, code: str) -> str:
    return vault.lookup_hash(f"citizen-code:{citizen_id}:{code.strip()}")


class NikChecks:
    """Checks citizens' NIKs against the registry on the event loop, each bounded by a
    deadline; the outcome lands on the account (and in the audit log)."""

    def __init__(self, verifier: Verifier, engine: Engine, *, deadline_s: float) -> None:
        self._verifier = verifier
        self._engine = engine
        self._deadline_s = deadline_s
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self, vault: PersonalDataVault) -> None:
        """Bind to the running loop (from the lifespan), and check again the confirmed
        accounts whose check a stopped process left pending."""
        self._loop = asyncio.get_running_loop()
        with Session(self._engine) as session:
            pending = session.exec(
                select(Citizen).where(
                    Citizen.verification == Verification.PENDING,
                    col(Citizen.phone_confirmed_at).is_not(None),
                    col(Citizen.deleted_at).is_(None),
                )
            ).all()
        for citizen in pending:
            if citizen.nik_ciphertext:
                name = vault.decrypt(citizen.name_ciphertext) if citizen.name_ciphertext else None
                self._spawn(citizen.id or 0, vault.decrypt(citizen.nik_ciphertext), name)

    def submit(self, citizen_id: int, nik: str, name: str | None) -> None:
        """Check in the background; safe from any thread."""
        if self._loop is None:
            msg = "NIK checks not started"
            raise RuntimeError(msg)
        self._loop.call_soon_threadsafe(self._spawn, citizen_id, nik, name)

    def _spawn(self, citizen_id: int, nik: str, name: str | None) -> None:
        task = asyncio.get_running_loop().create_task(self._check(citizen_id, nik, name))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _check(self, citizen_id: int, nik: str, name: str | None) -> None:
        try:
            outcome = await asyncio.wait_for(self._verifier.verify(nik, name), self._deadline_s)
        except TimeoutError:
            outcome = Outcome(Verification.UNAVAILABLE, "registry too slow")
        except Exception:
            log.exception("verifier failed on citizen %s", citizen_id)
            outcome = Outcome(Verification.UNAVAILABLE, "verifier error")
        try:
            await asyncio.to_thread(self._store, citizen_id, outcome)
        except Exception:
            log.exception("could not store the NIK check of citizen %s", citizen_id)

    def _store(self, citizen_id: int, outcome: Outcome) -> None:
        with Session(self._engine) as session:
            citizen = session.get(Citizen, citizen_id)
            if citizen is None or citizen.deleted_at is not None:
                return
            citizen.verification, citizen.verification_detail = outcome.status, outcome.detail
            citizen.verification_at = utcnow()
            session.add(citizen)
            audit.record(
                session,
                actor_user_id=None,
                action="citizen.verification",
                entity="citizen",
                entity_id=citizen_id,
                outcome=outcome.status.value,
            )
            session.commit()

    async def drain(self) -> None:
        """Wait for the checks under way (tests, orderly shutdown)."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
