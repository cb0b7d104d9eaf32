"""Column types that behave the same on SQLite and PostgreSQL, and the service's UTC now."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import (
    DateTime,
    Dialect,
    String,
    TypeDecorator,
)


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on every backend: PostgreSQL timestamptz; SQLite keeps UTC text and
    hands back naive values, which are made aware again here, once, for the whole service."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            msg = "naive datetime: the service stores aware UTC times only"
            raise ValueError(msg)
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


TZ = UtcDateTime()


class EnumText(TypeDecorator[StrEnum]):
    """An enumeration stored as its text value and read back as the enumeration.

    Text, not a database ENUM: adding a status later is a code change, not an ALTER TYPE
    on PostgreSQL. Reading back the enumeration (not a bare string) keeps ``is`` checks true.
    """

    impl = String(24)
    cache_ok = True

    def __init__(self, enum: type[StrEnum]) -> None:
        super().__init__()
        self.enum = enum

    def process_bind_param(self, value: StrEnum | str | None, dialect: Dialect) -> str | None:
        return self.enum(value).value if value is not None else None

    def process_result_value(self, value: str | None, dialect: Dialect) -> StrEnum | None:
        return self.enum(value) if value is not None else None


def utcnow() -> datetime:
    """Now, timezone-aware UTC."""
    return datetime.now(UTC)
