"""The local civil registry for offline verification, imported from a CSV file.

The CSV has a header with at least ``nik`` and ``name``. Every NIK is validated; an invalid
row is reported by line number and fault, never by its digits. Only keyed hashes are stored.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session, select

from app.core.security import PersonalDataVault
from app.errors import InputError
from app.models import RegistryPerson, utcnow
from app.nik import InvalidNikError, parse_nik
from app.services import audit
from app.services.verification import normalise_name


@dataclass
class RegistryImport:
    """What an import did."""

    added: int = 0
    updated: int = 0
    rejected: list[str] = field(default_factory=list)  # "line 7: unknown_district"


def import_csv(
    session: Session, vault: PersonalDataVault, path: Path, *, actor_user_id: int | None = None
) -> RegistryImport:
    """Add or update residents from a CSV file; invalid rows are skipped and listed."""
    result = RegistryImport()
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = {"nik", "name"} - set(reader.fieldnames or [])
        if missing:
            msg = f"{path.name}: missing column(s) {', '.join(sorted(missing))}"
            raise InputError(msg, field="file")
        existing = {p.nik_hash: p for p in session.exec(select(RegistryPerson))}
        for line, row in enumerate(reader, start=2):
            try:
                nik = parse_nik(row["nik"] or "")
            except InvalidNikError as exc:
                result.rejected.append(f"line {line}: {exc.fault}")
                continue
            name = normalise_name(row["name"] or "")
            if not name:
                result.rejected.append(f"line {line}: empty name")
                continue
            nik_hash, name_hash = vault.lookup_hash(nik.value), vault.lookup_hash(name)
            person = existing.get(nik_hash)
            if person is None:
                person = RegistryPerson(nik_hash=nik_hash, name_hash=name_hash)
                existing[nik_hash] = person
                result.added += 1
            else:
                person.name_hash, person.imported_at = name_hash, utcnow()
                result.updated += 1
            session.add(person)
    audit.record(
        session,
        actor_user_id=actor_user_id,
        action="registry.imported",
        entity="registry",
        entity_id=path.name,
        added=result.added,
        updated=result.updated,
        rejected=len(result.rejected),
    )
    session.commit()
    return result
