"""Callers: recognised by phone or NIK, stored so that a copy of the database reveals neither.

A caller is found by the keyed hash of the NIK (when given) or of the phone number in E.164
form; the NIK and name are kept encrypted for the operator handling the call, and masked for
everyone else.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import phonenumbers
from sqlalchemy import update
from sqlmodel import Session, select

from app.core.security import PersonalDataVault
from app.errors import InputError
from app.models import Caller
from app.nik import InvalidNikError, Nik, parse_nik
from app.services import writes

CALLER = writes.table_of(Caller)


def normalise_phone(text: str) -> str:
    """An Indonesian or international number in E.164 (+62...); InputError if not a number."""
    try:
        number = phonenumbers.parse(text, "ID")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        msg = "not a valid phone number"
        raise InputError(msg, field="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(e164: str) -> str:
    """The country code and last three digits: +62*******890."""
    return e164[:3] + "*" * (len(e164) - 6) + e164[-3:]


def parse_nik_or_fail(text: str) -> Nik:
    """A valid NIK, or InputError naming the faulty part (never the digits)."""
    try:
        return parse_nik(text)
    except InvalidNikError as exc:
        msg = f"invalid NIK: {exc} ({exc.fault})"
        raise InputError(msg, field="nik") from None


@dataclass(frozen=True)
class CallerMatch:
    """The caller of a call, whether the service knew them before this call, and what this
    call taught about them (columns to write; all of them for a new caller)."""

    caller: Caller
    known: bool
    learned: dict[str, str] = field(default_factory=dict)


def identify(
    session: Session,
    vault: PersonalDataVault,
    *,
    nik: Nik | None,
    phone: str | None,
    name: str | None,
) -> CallerMatch:
    """Find the caller by NIK, else by phone, and fill in what is missing; reads only
    (``save`` writes)."""
    phone_e164 = normalise_phone(phone) if phone else None
    nik_hash = vault.lookup_hash(nik.value) if nik else None
    phone_hash = vault.lookup_hash(phone_e164) if phone_e164 else None
    caller = None
    if nik_hash is not None:
        caller = session.exec(select(Caller).where(Caller.nik_hash == nik_hash)).first()
    if caller is None and phone_hash is not None:
        found = session.exec(select(Caller).where(Caller.phone_hash == phone_hash)).first()
        # A phone shared by a family: a different NIK on the same phone is another caller.
        if found is not None and (nik_hash is None or found.nik_hash in (None, nik_hash)):
            caller = found
    known = caller is not None
    if caller is not None:
        session.expunge(caller)  # a plain row from here: ``save`` writes what it learns
    caller = caller or Caller()
    learned: dict[str, str] = {}
    if nik is not None and nik_hash is not None and caller.nik_hash is None:
        learned.update(
            nik_hash=nik_hash, nik_masked=nik.masked, nik_ciphertext=vault.encrypt(nik.value)
        )
    if phone_e164 is not None and phone_hash is not None and caller.phone_hash is None:
        learned.update(
            phone_hash=phone_hash,
            phone_masked=mask_phone(phone_e164),
            phone_ciphertext=vault.encrypt(phone_e164),
        )
    if name and caller.name_ciphertext is None:
        learned["name_ciphertext"] = vault.encrypt(name.strip())
    for column, value in learned.items():
        setattr(caller, column, value)
    return CallerMatch(caller, known, learned)


def save(session: Session, match: CallerMatch) -> int:
    """Write what ``identify`` found (a new caller, or what was learned); the caller's id."""
    caller = match.caller
    if caller.id is None:
        return writes.insert_one(session, caller)
    if match.learned:
        session.connection().execute(
            update(CALLER).where(CALLER.c.id == caller.id).values(**match.learned)
        )
    return caller.id


def register(
    session: Session,
    vault: PersonalDataVault,
    *,
    nik: Nik | None,
    phone: str | None,
    name: str | None,
) -> CallerMatch:
    """Find the caller by NIK, else by phone; create them if new, and fill in what is missing."""
    match = identify(session, vault, nik=nik, phone=phone, name=name)
    save(session, match)
    return match
