"""What a crew records en route, as it sends it: vital signs, an intervention, a re-triage or
a note, each with the time it was taken. Values outside what a living body shows are refused
with the field named; possible but alarming values are accepted and flagged (``alarms``)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, Field, model_validator

from app.core.types import Count, LongText, Number, ShortText
from app.models import Triage

SPO2_LOW = 90  # % : hypoxaemia
SYSTOLIC_LOW = 90  # mmHg: shock
GCS_SEVERE = 8  # and below: a severe brain injury, the airway at risk


def _range(low: float, high: float, what: str) -> object:
    return Field(default=None, ge=low, le=high, description=what)


class Vitals(BaseModel):
    """Vital signs; any of them, at least one."""

    systolic_mmhg: Annotated[Count | None, _range(40, 300, "systolic blood pressure, mmHg")]
    diastolic_mmhg: Annotated[Count | None, _range(20, 200, "diastolic blood pressure, mmHg")]
    pulse_bpm: Annotated[Count | None, _range(20, 250, "pulse, beats a minute")]
    respiratory_rate: Annotated[Count | None, _range(4, 80, "breaths a minute")]
    spo2_percent: Annotated[Count | None, _range(50, 100, "oxygen saturation, %")]
    temperature_c: Annotated[Number | None, _range(30, 44, "body temperature, °C")]
    gcs_eye: Annotated[Count | None, _range(1, 4, "Glasgow coma scale: eye")]
    gcs_verbal: Annotated[Count | None, _range(1, 5, "Glasgow coma scale: verbal")]
    gcs_motor: Annotated[Count | None, _range(1, 6, "Glasgow coma scale: motor")]
    pain_score: Annotated[Count | None, _range(0, 10, "pain, 0 to 10")]
    glucose_mg_dl: Annotated[Count | None, _range(10, 900, "blood glucose, mg/dL")]

    @model_validator(mode="after")
    def _consistent(self) -> Vitals:
        if not any(v is not None for v in self.model_dump().values()):
            msg = "give at least one vital sign"
            raise ValueError(msg)
        if (
            self.systolic_mmhg is not None
            and self.diastolic_mmhg is not None
            and self.diastolic_mmhg >= self.systolic_mmhg
        ):
            msg = "diastolic pressure must be below systolic"
            raise ValueError(msg)
        gcs = (self.gcs_eye, self.gcs_verbal, self.gcs_motor)
        if any(g is not None for g in gcs) and not all(g is not None for g in gcs):
            msg = "give all three parts of the GCS (eye, verbal, motor), or none"
            raise ValueError(msg)
        return self

    @property
    def gcs_total(self) -> int | None:
        """E + V + M, when all three are given."""
        if self.gcs_eye is None or self.gcs_verbal is None or self.gcs_motor is None:
            return None
        return self.gcs_eye + self.gcs_verbal + self.gcs_motor


InterventionKind = Literal[
    "oxygen", "airway", "iv_line", "cpr", "defibrillation", "splint", "bleeding_control",
    "drug", "other",
]  # fmt: skip
DrugRoute = Literal["iv", "im", "sc", "oral", "sublingual", "inhaled", "intranasal", "rectal"]


class Drug(BaseModel):
    """A drug given: its name, dose with its unit, and route."""

    name: ShortText = Field(min_length=1)
    dose: Number = Field(gt=0, le=100_000)
    unit: Literal["mg", "mcg", "g", "ml", "iu", "l_min"]
    route: DrugRoute


class Intervention(BaseModel):
    """What the crew did; a drug with its dose; words for "other"."""

    kind: InterventionKind
    drug: Drug | None = None
    detail: ShortText | None = None  # e.g. "NRM 10 L/min", "ETT 7.5"

    @model_validator(mode="after")
    def _complete(self) -> Intervention:
        if (self.kind == "drug") != (self.drug is not None):
            msg = "a drug needs its name, dose, unit and route (and only a drug has them)"
            raise ValueError(msg)
        if self.kind == "other" and not self.detail:
            msg = "an intervention 'other' needs its detail"
            raise ValueError(msg)
        return self


class CareEntryIn(BaseModel):
    """One entry: exactly one of ``vitals``, ``intervention``, ``triage`` or ``note``."""

    recorded_at: AwareDatetime
    vitals: Vitals | None = None
    intervention: Intervention | None = None
    triage: Triage | None = None
    note: LongText | None = None

    @model_validator(mode="after")
    def _one(self) -> CareEntryIn:
        given = [self.vitals, self.intervention, self.triage, self.note]
        if sum(v is not None for v in given) != 1:
            msg = "give exactly one of vitals, intervention, triage or note"
            raise ValueError(msg)
        return self

    @property
    def kind(self) -> str:
        """vitals, intervention, triage or note."""
        for name in ("vitals", "intervention", "triage", "note"):
            if getattr(self, name) is not None:
                return name
        raise AssertionError  # _one makes this unreachable


def alarms(vitals: Vitals) -> list[str]:
    """Possible values that the receiving team must see first (codes, translated by pages)."""
    found = []
    if vitals.spo2_percent is not None and vitals.spo2_percent < SPO2_LOW:
        found.append("spo2_low")
    if vitals.systolic_mmhg is not None and vitals.systolic_mmhg < SYSTOLIC_LOW:
        found.append("systolic_low")
    gcs = vitals.gcs_total
    if gcs is not None and gcs <= GCS_SEVERE:
        found.append("gcs_low")
    return found
