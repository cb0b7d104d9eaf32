"""Who hears of what: the feeds' channels, a message for them, and the sink it goes to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from app.models import Call

OPERATORS = "operators"


def hospital_channel(hospital_id: str) -> str:
    """The feed channel of one hospital."""
    return f"hospital:{hospital_id}"


def incident_channel(incident: str) -> str:
    """The feed channel of one incident kind (police and fire follow theirs)."""
    return f"incident:{incident}"


def call_channels(call: Call, hospital_id: str | None) -> tuple[str, ...]:
    """Who hears of this call's movements: operators, agencies following its incident kind,
    and the hospital the patient goes to."""
    channels = (OPERATORS, incident_channel(call.incident.value))
    return (*channels, hospital_channel(hospital_id)) if hospital_id else channels


@dataclass(frozen=True)
class Published:
    """A message for the feeds: its channels, JSON payload and coalescing key."""

    channels: tuple[str, ...]
    payload: str
    coalesce_key: str | None = None


class Sink(Protocol):
    """Where announced messages go: the publisher on the service's event loop, or a list
    that the fix writer publishes in order after its group."""

    def __call__(self, messages: list[Published], /) -> None: ...
