"""Constrained types of everything a client sends (the API's bodies, the services' inputs),
and the problem body every error answers with."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Path, Query
from pydantic import AfterValidator, AwareDatetime, BaseModel, Field, Strict, StringConstraints

# No control characters in what a client names: none belongs in a name, an address or a code,
# and PostgreSQL cannot store NUL (it would fail the insert, not the request).
ONE_LINE = r"^[^\x00-\x1f\x7f]*$"
LINES = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"  # tabs and line breaks allowed
CODE_LENGTH = 40


def text_constraints(max_length: int, pattern: str = ONE_LINE) -> StringConstraints:
    return StringConstraints(strip_whitespace=True, max_length=max_length, pattern=pattern)


ShortText = Annotated[str, text_constraints(200)]
LongText = Annotated[str, text_constraints(1000, LINES)]
Code = Annotated[str, text_constraints(CODE_LENGTH)]  # an id, a code
# The same, where a route reads it from its path or its query string.
IdInPath = Annotated[str, Path(max_length=CODE_LENGTH, pattern=ONE_LINE)]
CodeInQuery = Annotated[str, Query(max_length=CODE_LENGTH, pattern=ONE_LINE)]
# Numbers and flags a client sends are taken as JSON says them: ``false`` is not a latitude,
# nor "12" a count (pydantic would otherwise coerce them).
Number = Annotated[float, Strict()]
Count = Annotated[int, Strict()]
Flag = Annotated[bool, Strict()]
Lon = Annotated[Number, Field(ge=-180, le=180, description="Longitude, degrees (WGS 84).")]
Lat = Annotated[Number, Field(ge=-90, le=90, description="Latitude, degrees (WGS 84).")]


MAX_ID = 2_147_483_647  # ids are 32-bit integers in PostgreSQL
RowId = Annotated[int, Path(ge=1, le=MAX_ID, description="A stored row's id.")]
MAX_OFFSET = 1_000_000  # paging further than this is a query, not a page
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Rows to skip (paging).")]

# Every date-time a client sends: ISO 8601 with a zone (``2026-11-23T07:30:00+07:00`` or
# ``...Z``), between these bounds. A time without a zone is refused rather than guessed: a
# Jakarta operator and a UTC server would read it seven hours apart.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def _within_bounds(value: datetime) -> datetime:
    try:
        utc = value.astimezone(UTC)
    except OverflowError:  # year 1 at +14:00, year 9999 at -12:00
        utc = None
    if utc is None or not EARLIEST <= utc < LATEST:
        msg = f"must lie between {EARLIEST.year} and {LATEST.year - 1}"
        raise ValueError(msg)
    return utc


Instant = Annotated[
    AwareDatetime,
    AfterValidator(_within_bounds),
    Field(description="ISO 8601 date-time with a zone (e.g. 2026-11-23T07:30:00+07:00)."),
]


class Point(BaseModel):
    """A point, degrees (WGS 84)."""

    lon: Lon
    lat: Lat


class Problem(BaseModel):
    """An error (RFC 9457 problem details)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    field: str | None = None
    errors: list[dict[str, str]] | None = None
