"""What a simulated crew says and records (SYNTHETIC): its answer to an assignment (now and then
a refusal, as real crews give) and vital signs that look like a patient's, worse for MERAH."""

from __future__ import annotations

import random
from typing import Any

REFUSE_SHARE = 0.05  # one assignment in twenty is refused
REFUSALS = ("vehicle_fault", "crew_incomplete")


def answer(rng: random.Random, refuse_share: float = REFUSE_SHARE) -> dict[str, Any]:
    """Accept, or now and then refuse with a reason."""
    if rng.random() < refuse_share:
        return {"accept": False, "reason": rng.choice(REFUSALS)}
    return {"accept": True}


def vitals(rng: random.Random, triage: str) -> dict[str, Any]:
    """Plausible vital signs; a MERAH patient is often in shock or hypoxic."""
    sick = triage == "merah" and rng.random() < 0.6
    systolic = rng.randint(70, 95) if sick else rng.randint(100, 150)
    eye, verbal, motor = (
        (rng.randint(1, 3), rng.randint(1, 3), rng.randint(3, 5)) if sick else (4, 5, 6)
    )
    return {
        "systolic_mmhg": systolic,
        "diastolic_mmhg": systolic - rng.randint(25, 45),
        "pulse_bpm": rng.randint(110, 150) if sick else rng.randint(60, 100),
        "respiratory_rate": rng.randint(24, 34) if sick else rng.randint(12, 20),
        "spo2_percent": rng.randint(82, 92) if sick else rng.randint(94, 99),
        "gcs_eye": eye, "gcs_verbal": verbal, "gcs_motor": motor,
    }  # fmt: skip
