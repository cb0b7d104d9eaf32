"""Service state shared by requests: made in the lifespan, handed out by a dependency."""

from __future__ import annotations

from dataclasses import dataclass

from app.services.hospitals import BoardCache
from app.services.users import PrincipalCache
from app.services.verification_runner import VerificationRunner


@dataclass(frozen=True)
class ServiceState:
    """The readiness board cache, recently checked keys, and the background verification."""

    boards: BoardCache
    verification: VerificationRunner
    readiness_stale_after_s: float
    principals: PrincipalCache
