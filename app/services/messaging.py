"""Messages to people's phones (one-time codes): a pluggable gateway.

``HttpGateway`` posts to an SMS or WhatsApp provider's HTTP API with a timeout per attempt and
retries with backoff; ``OutboxGateway`` keeps the message in the database's outbox, where the
development setup reads it (``satria outbox``). Either way the message is in the outbox first,
with its outcome: a message that could not be sent is never silently lost.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

import httpx2
from sqlalchemy import Engine
from sqlmodel import Session
from tenacity import (
    RetryError,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from app.core.security import PersonalDataVault
from app.models import OutboxMessage, utcnow

log = logging.getLogger("satria.messaging")


class Gateway(Protocol):
    """Sends one text to one phone number (E.164); True once the provider took it."""

    def send(self, phone_e164: str, text: str) -> bool: ...


class ProviderError(Exception):
    """The provider answered, but not with a success."""


@dataclass(frozen=True)
class Provider:
    """An SMS or WhatsApp provider's HTTP API: ``POST {url}`` with ``{"to", "text"}`` and a
    bearer token; any 2xx is a success."""

    url: str
    token: str = ""
    timeout_s: float = 5.0
    attempts: int = 3
    backoff_s: float = 0.5


class HttpGateway:
    """Posts to a provider with timeouts and retries (transport errors and 5xx)."""

    def __init__(self, provider: Provider) -> None:
        self._provider = provider
        headers = {"Authorization": f"Bearer {provider.token}"} if provider.token else {}
        self._client = httpx2.Client(headers=headers, timeout=provider.timeout_s)

    def send(self, phone_e164: str, text: str) -> bool:
        retrying = Retrying(
            stop=stop_after_attempt(self._provider.attempts),
            wait=wait_exponential(multiplier=self._provider.backoff_s, max=4.0),
            retry=retry_if_exception_type((httpx2.TransportError, ProviderError)),
        )
        try:
            for attempt in retrying:
                with attempt:
                    self._post(phone_e164, text)
        except (RetryError, httpx2.HTTPError, ProviderError) as exc:
            log.warning("message gateway failed: %s", type(exc).__name__)
            return False
        return True

    def _post(self, phone_e164: str, text: str) -> None:
        response = self._client.post(self._provider.url, json={"to": phone_e164, "text": text})
        if response.status_code >= 500:
            msg = f"HTTP {response.status_code}"
            raise ProviderError(msg)
        if not response.is_success:  # 4xx: asking again would not help
            msg = f"HTTP {response.status_code}"
            raise httpx2.HTTPStatusError(msg, request=response.request, response=response)

    def close(self) -> None:
        """Close the HTTP connections."""
        self._client.close()


class OutboxGateway:
    """Development: nothing leaves the machine; ``satria outbox`` shows the messages."""

    def send(self, phone_e164: str, text: str) -> bool:
        return True


@dataclass(frozen=True)
class Messenger:
    """Keeps every message in the outbox (phone encrypted), then hands it to the gateway and
    records the outcome."""

    engine: Engine
    vault: PersonalDataVault
    gateway: Gateway

    def send(self, phone_e164: str, text: str, *, purpose: str) -> bool:
        """Send a text; True when the gateway took it."""
        with Session(self.engine, expire_on_commit=False) as session:
            row = OutboxMessage(
                phone_ciphertext=self.vault.encrypt(phone_e164),
                purpose=purpose,
                text_ciphertext=self.vault.encrypt(text),
            )
            session.add(row)
            session.commit()
            sent = self.gateway.send(phone_e164, text)
            row.attempted_at = utcnow()
            row.sent = sent
            session.add(row)
            session.commit()
        return sent
