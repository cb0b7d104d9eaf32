"""The region's place names: a gazetteer to find where a caller is, by what the caller says.

A pack's optional ``places.csv`` lists districts, villages, streets, landmarks, hospitals and
Puskesmas, each with a point and the area it lies in (to tell namesakes apart: there is a
"Jalan Merdeka" in many villages). The OSM import fills it from ``name`` tags and the
Kemendagri district list; the demo generator from its synthetic names.

Search is what an operator types mid-call: words in any order, each the start of a word of
the name ("jl merd" finds "Jl. Merdeka"), the usual abbreviations understood (jl, gg, rs,
pkm, kec, ds), the area's words too ("merdeka purwa"), and misspellings found by fuzzy
matching (rapidfuzz) of a word that begins no word of the region.
"""

from __future__ import annotations

import csv
import math
import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process

from routing.errors import RegionPackError
from routing.geo import BBox, LonLat
from routing.pack import read_location, read_rows

PLACES_FILE = "places.csv"
PLACE_COLUMNS = ("kind", "name", "lon", "lat", "area")
# In this order when matches score the same: the bigger or the more often named first.
KINDS = ("district", "village", "hospital", "puskesmas", "landmark", "street")
MAX_NAME = 120
EARTH_M_PER_DEG = 111_320.0

# Words written several ways, read as one (both in names and in what is typed).
_SAME_WORD = {
    "jalan": "jl", "jln": "jl", "gang": "gg", "rumah": "rs", "sakit": "",
    "rsu": "rsud", "pkm": "puskesmas", "kecamatan": "kec", "desa": "ds", "kelurahan": "kel",
    "dokter": "dr",
}  # fmt: skip


@dataclass(frozen=True)
class Place:
    """A named place: its kind (one of ``KINDS``), name, point, and the area it lies in."""

    kind: str
    name: str
    location: LonLat
    area: str = ""


@dataclass(frozen=True)
class Match:
    """A place found for a query, with how well it matched (0-100)."""

    place: Place
    score: float


def normalise(text: str) -> list[str]:
    """Lower-case words without accents or punctuation, abbreviations made one."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    words = (_SAME_WORD.get(w, w) for w in re.split(r"[^a-z0-9]+", plain))
    return [w for w in words if w]


class Gazetteer:
    """Searches a region's places (built once per process; a query takes microseconds to a
    few milliseconds for tens of thousands of places)."""

    def __init__(self, places: Iterable[Place]) -> None:
        self.places: tuple[Place, ...] = tuple(places)
        self._name_words = [normalise(p.name) for p in self.places]
        self._area_words = [normalise(p.area) for p in self.places]
        self._names = _WordIndex(self._name_words)
        self._areas = _WordIndex(self._area_words)
        every_word = {w for words in self._name_words + self._area_words for w in words}
        self._vocabulary = sorted(every_word)
        self._rank = [KINDS.index(p.kind) for p in self.places]
        self._lon = np.array([p.location.lon for p in self.places], dtype=np.float64)
        self._lat = np.array([p.location.lat for p in self.places], dtype=np.float64)

    def search(self, query: str, *, limit: int = 10, kinds: Sequence[str] = ()) -> list[Match]:
        """The places that best match ``query``, best first."""
        words = normalise(query)
        if not words or not self.places:
            return []
        allowed = set(kinds) if kinds else None
        found = [
            (score, i)
            for i, score in self._scores(words).items()
            if allowed is None or self.places[i].kind in allowed
        ]
        found.sort(key=lambda f: (-f[0], self._rank[f[1]], len(self.places[f[1]].name), f[1]))
        return [Match(self.places[i], round(score, 1)) for score, i in found[:limit]]

    def _scores(self, words: list[str]) -> dict[int, float]:
        """Places whose name (or area) has a word starting with each query word.

        A word counts 1 when it is a whole word of the name, less when only begun (0.85),
        found in the area rather than the name (0.6), or misspelt (at most 0.75: the nearest
        words of the region's spelling, by rapidfuzz's ratio, stand in for it). The score is
        the mean, times 100."""
        total: dict[int, float] = {}
        for n, word in enumerate(words):
            hits = self._hits(word)
            if not hits:
                for near, similarity, _ in process.extract(
                    word, self._vocabulary, scorer=fuzz.ratio, limit=3, score_cutoff=75
                ):
                    for i, weight in self._hits(near).items():
                        hits[i] = max(hits.get(i, 0.0), 0.75 * weight * similarity / 100)
            total = hits if n == 0 else {i: total[i] + w for i, w in hits.items() if i in total}
            if not total:
                return {}
        return {i: 100.0 * w / len(words) for i, w in total.items()}

    def _hits(self, word: str) -> dict[int, float]:
        hits = dict.fromkeys(self._areas.starting_with(word), 0.6)
        for i in self._names.starting_with(word):
            hits[i] = 1.0 if word in self._name_words[i] else 0.85
        return hits

    def nearest(self, point: LonLat, *, kinds: Sequence[str] = ()) -> tuple[Place, float] | None:
        """The place nearest a point (of the given kinds) and its distance in metres."""
        if not self.places:
            return None
        dx = (self._lon - point.lon) * math.cos(math.radians(point.lat))
        d2 = dx**2 + (self._lat - point.lat) ** 2
        if kinds:
            d2 = np.where([p.kind in kinds for p in self.places], d2, np.inf)
        i = int(np.argmin(d2))
        if not math.isfinite(d2[i]):
            return None
        return self.places[i], float(math.sqrt(d2[i]) * EARTH_M_PER_DEG)


class _WordIndex:
    """Which places have a word starting with a prefix (sorted words, bisected)."""

    def __init__(self, words_of: list[list[str]]) -> None:
        pairs = sorted({(w, i) for i, words in enumerate(words_of) for w in words})
        self._words = [w for w, _ in pairs]
        self._places = [i for _, i in pairs]

    def starting_with(self, prefix: str) -> set[int]:
        found: set[int] = set()
        at = bisect_left(self._words, prefix)
        while at < len(self._words) and self._words[at].startswith(prefix):
            found.add(self._places[at])
            at += 1
        return found


def read_places(directory: Path, bbox: BBox) -> list[Place]:
    """Read and check places.csv; no file means no places."""
    path = directory / PLACES_FILE
    if not path.is_file():
        return []
    places = []
    for line, row in read_rows(path, PLACE_COLUMNS):
        where = f"{path}, line {line}"
        kind, name = (row["kind"] or "").strip(), (row["name"] or "").strip()
        if kind not in KINDS or not name or len(name) > MAX_NAME:
            msg = f"{where}: kind must be one of {KINDS}, with a name: {kind!r} {name!r}"
            raise RegionPackError(msg)
        places.append(
            Place(kind, name, read_location(row, bbox, where), (row["area"] or "").strip())
        )
    return places


def write_places(directory: Path, places: Iterable[Place]) -> None:
    """Write places.csv (sorted, so that the same places give the same file)."""
    rows = sorted(
        (KINDS.index(p.kind), p.name, round(p.location.lon, 6), round(p.location.lat, 6), p.area)
        for p in places
    )
    with (directory / PLACES_FILE).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(PLACE_COLUMNS)
        for kind, name, lon, lat, area in rows:
            writer.writerow([KINDS[kind], name, f"{lon:.6f}", f"{lat:.6f}", area])


def with_areas(places: Iterable[Place], areas: Sequence[Place]) -> list[Place]:
    """Places without an area get the name of the nearest of ``areas`` (districts, or
    villages): enough to tell two streets of the same name apart."""
    if not areas:
        return list(places)
    index = Gazetteer(areas)
    done = []
    for p in places:
        near = None if p.area else index.nearest(p.location)
        if near is not None and near[0].name != p.name:
            done.append(Place(p.kind, p.name, p.location, near[0].name))
        else:
            done.append(p)
    return done
