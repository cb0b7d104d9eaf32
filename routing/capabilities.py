"""Hospital capabilities, bed kinds and emergency categories, read from data/taxonomy.

The taxonomy is data (``data/taxonomy/capabilities.toml``); this module only loads and checks
it. Capabilities become bits of an int so that "does this hospital have what the patient
needs" is one AND, not a set comparison per hospital per call.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from routing.errors import TaxonomyError, UnknownCategoryError

DEFAULT_TAXONOMY_PATH = (
    Path(__file__).resolve().parent.parent / "data" / "taxonomy" / "capabilities.toml"
)


@dataclass(frozen=True)
class Term:
    """A capability or a bed kind: a code and its labels in English and Indonesian."""

    code: str
    label: str
    label_id: str


@dataclass(frozen=True)
class Category:
    """An emergency category and what a receiving hospital needs for it."""

    code: str
    label: str
    label_id: str
    requires: tuple[str, ...]
    bed: str
    why: str
    requires_mask: int
    specialists: tuple[str, ...] = ()  # on call, at a hospital that reports them
    blood: tuple[tuple[str, int], ...] = ()  # (group, least units), at one that reports it


@dataclass(frozen=True)
class Taxonomy:
    """The whole taxonomy; ``mask`` turns capability codes into bits."""

    capabilities: dict[str, Term]
    bed_kinds: dict[str, Term]
    categories: dict[str, Category]
    source: str
    specialists: dict[str, Term] = field(default_factory=dict)
    blood_groups: tuple[str, ...] = ()

    @classmethod
    def load(cls, path: Path = DEFAULT_TAXONOMY_PATH) -> Taxonomy:
        """Read and check a taxonomy file; errors name the file and the entry."""
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            msg = f"{path}: cannot read the taxonomy ({exc})"
            raise TaxonomyError(msg) from exc
        where = str(path)
        capabilities = _terms(raw, "capabilities", where)
        bed_kinds = _terms(raw, "bed_kinds", where)
        specialists = _terms(raw, "specialists", where)
        blood_groups = tuple(raw.get("blood", {}).get("groups", ()))
        bits = {code: 1 << i for i, code in enumerate(capabilities)}
        categories = {}
        for code, entry in raw.get("categories", {}).items():
            requires = tuple(entry.get("requires", ()))
            unknown = [c for c in requires if c not in capabilities]
            if unknown:
                msg = f"{where}: category {code!r} requires unknown capabilities {unknown}"
                raise TaxonomyError(msg)
            if entry.get("bed") not in bed_kinds:
                msg = f"{where}: category {code!r} needs unknown bed kind {entry.get('bed')!r}"
                raise TaxonomyError(msg)
            needs = _needs(entry, specialists, blood_groups, f"{where}: category {code!r}")
            categories[code] = Category(
                code=code,
                label=_text(entry, "label", f"{where}: category {code!r}"),
                label_id=_text(entry, "label_id", f"{where}: category {code!r}"),
                requires=requires,
                bed=entry["bed"],
                why=str(entry.get("why", "")),
                requires_mask=sum(bits[c] for c in requires),
                specialists=needs[0],
                blood=needs[1],
            )
        if not categories:
            msg = f"{where}: no emergency categories"
            raise TaxonomyError(msg)
        return cls(capabilities, bed_kinds, categories, where, specialists, blood_groups)

    def category(self, code: str) -> Category:
        """The category with this code, or UnknownCategoryError listing the valid ones."""
        try:
            return self.categories[code]
        except KeyError:
            msg = f"unknown emergency category {code!r}; expected one of {sorted(self.categories)}"
            raise UnknownCategoryError(msg) from None

    def mask(self, codes: Iterable[str]) -> int:
        """Bits of these capability codes; an unknown code raises TaxonomyError."""
        result = 0
        for code in codes:
            if code not in self.capabilities:
                msg = f"unknown capability {code!r}; expected one of {sorted(self.capabilities)}"
                raise TaxonomyError(msg)
            result |= 1 << list(self.capabilities).index(code)
        return result

    def codes(self, mask: int) -> tuple[str, ...]:
        """Capability codes set in a mask, in taxonomy order."""
        return tuple(code for i, code in enumerate(self.capabilities) if mask >> i & 1)


def _terms(raw: dict[str, Any], section: str, where: str) -> dict[str, Term]:
    entries = raw.get(section)
    if not isinstance(entries, dict) or not entries:
        msg = f"{where}: missing section [{section}]"
        raise TaxonomyError(msg)
    return {
        code: Term(
            code,
            _text(entry, "label", f"{where}: {section}.{code}"),
            _text(entry, "label_id", f"{where}: {section}.{code}"),
        )
        for code, entry in entries.items()
    }


def _needs(
    entry: dict[str, Any], specialists: dict[str, Term], groups: tuple[str, ...], where: str
) -> tuple[tuple[str, ...], tuple[tuple[str, int], ...]]:
    """A category's specialists and blood, checked against the taxonomy's lists."""
    wanted = tuple(entry.get("specialists", ()))
    unknown = [c for c in wanted if c not in specialists]
    if unknown:
        msg = f"{where} needs unknown specialists {unknown}"
        raise TaxonomyError(msg)
    blood = tuple((str(g), int(n)) for g, n in entry.get("blood", {}).items())
    strange = [g for g, n in blood if g not in groups or n < 1]
    if strange:
        msg = f"{where} needs blood of unknown groups or no units: {strange}"
        raise TaxonomyError(msg)
    return wanted, blood


def _text(entry: dict[str, Any], key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value:
        msg = f"{where}: missing {key}"
        raise TaxonomyError(msg)
    return value
