"""The public's accounts: citizens registered with their NIK, the one-time codes that confirm
their phone, and the outbox of messages sent to phones.

A citizen's NIK, name, phone, address and emergency contact are kept as callers' are: keyed
hashes to find them, ciphertexts for the operator, masks for everyone else. Deleting an
account (personal data law) clears all of it; the audit log keeps what happened.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.models.columns import TZ, EnumText, utcnow
from app.models.enums import Verification


class Citizen(SQLModel, table=True):
    """A member of the public with an account in the app."""

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=TZ)
    # One active account per NIK: the hash is cleared when the account is deleted.
    nik_hash: str | None = Field(default=None, max_length=64, index=True)
    nik_masked: str | None = Field(default=None, max_length=16)
    nik_ciphertext: str | None = Field(default=None, max_length=300)
    name_ciphertext: str | None = Field(default=None, max_length=600)
    phone_hash: str | None = Field(default=None, max_length=64, index=True)
    phone_masked: str | None = Field(default=None, max_length=20)
    phone_ciphertext: str | None = Field(default=None, max_length=300)
    address_ciphertext: str | None = Field(default=None, max_length=2000)
    contact_ciphertext: str | None = Field(default=None, max_length=600)
    phone_confirmed_at: datetime | None = Field(default=None, sa_type=TZ)
    # The civil registry's answer about the NIK (an account not yet verified can still call).
    verification: Verification = Field(default=Verification.PENDING, sa_type=EnumText(Verification))
    verification_at: datetime | None = Field(default=None, sa_type=TZ)
    verification_detail: str | None = Field(default=None, max_length=200)
    pranks: int = 0
    suspended_at: datetime | None = Field(default=None, sa_type=TZ)  # no new app calls
    deleted_at: datetime | None = Field(default=None, sa_type=TZ)


class CitizenCode(SQLModel, table=True):
    """A one-time code sent to a citizen's phone; only its hash is kept."""

    id: int | None = Field(default=None, primary_key=True)
    citizen_id: int = Field(foreign_key="citizen.id", index=True)
    code_hash: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=TZ)
    expires_at: datetime = Field(sa_type=TZ)
    attempts: int = 0
    used_at: datetime | None = Field(default=None, sa_type=TZ)


class OutboxMessage(SQLModel, table=True):
    """A text sent (or to be sent) to a phone, with its outcome; phone and text encrypted."""

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=TZ, index=True)
    purpose: str = Field(max_length=40)
    phone_ciphertext: str = Field(max_length=300)
    text_ciphertext: str = Field(max_length=2000)
    attempted_at: datetime | None = Field(default=None, sa_type=TZ)
    sent: bool = False
