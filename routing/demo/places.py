"""The demo region's place names (SYNTHETIC: invented villages, streets and landmarks).

Districts carry real Banyumas names on synthetic towns (see ``facilities.DISTRICTS``);
villages are made of common Javanese name parts; town streets are named like Indonesian
streets, the same names in several towns as in life, so that search must say which town.
Every place stands on (or next to) a road of the generated network.
"""

from __future__ import annotations

import numpy as np

from routing.demo import facilities
from routing.demo import geography as geo
from routing.geo import LonLat
from routing.network import RoadNetwork
from routing.places import Place, with_areas

VILLAGE_SPACING_M = 3_500.0
_FIRST = ("Karang", "Kali", "Sumber", "Tanjung", "Sido", "Banjar", "Kebon", "Pager", "Wono",
          "Cipta", "Rejo", "Tegal", "Kedung", "Pan", "Gandu")  # fmt: skip
_SECOND = ("sari", "rejo", "mulyo", "jaya", "asri", "makmur", "agung", "wangi", "harjo",
           "anyar", "tengah", "lewih")  # fmt: skip
STREETS = (
    "Jl. Jend. Sudirman", "Jl. Gatot Subroto", "Jl. Ahmad Yani", "Jl. Diponegoro",
    "Jl. Pahlawan", "Jl. Merdeka", "Jl. Kartini", "Jl. Dr. Soetomo", "Jl. Gajah Mada",
    "Jl. Veteran", "Jl. Pemuda", "Jl. Imam Bonjol", "Jl. Slamet Riyadi", "Jl. Sutoyo",
    "Jl. Pramuka", "Jl. Kolonel Sugiono", "Jl. Hayam Wuruk", "Jl. Suprapto", "Jl. Overste Isdiman",
    "Jl. Masjid", "Jl. Pasar", "Jl. Melati", "Jl. Mawar", "Jl. Kenanga", "Jl. Flamboyan",
    "Jl. Cendana", "Jl. Anggrek",
)  # fmt: skip
# (name pattern, offset in half-sides of the town)
LANDMARKS = (
    ("Alun-alun {}", (0.02, 0.02)), ("Pasar {}", (0.15, 0.1)), ("Masjid Agung {}", (0.05, -0.1)),
    ("Terminal {}", (-0.5, 0.5)), ("SMA Negeri 1 {}", (0.4, -0.4)), ("Polsek {}", (-0.2, -0.2)),
    ("Kantor Kecamatan {}", (-0.1, 0.25)),
)  # fmt: skip


def places(network: RoadNetwork, seed: int) -> list[Place]:
    """Every synthetic place of the demo region."""
    at = _Nodes(network)
    district_of = {town: name for _, name, town in facilities.DISTRICTS}
    districts = [Place("district", d.name, d.centre) for d in facilities.districts(network)]
    towns = [Place("village", t.name, at.near(t.x, t.y), district_of[t.key]) for t in geo.TOWNS]
    found = [*districts, *towns, *_villages(at, seed)]
    for i, town in enumerate(geo.TOWNS):
        found += _streets(at, town, first=3 * i)
        found += [
            Place("landmark", pattern.format(town.name), at.beside(town, dx, dy), town.name)
            for pattern, (dx, dy) in LANDMARKS
        ]
    for a, b, _ in geo.ARTERIALS:
        ta, tb = geo.town(a), geo.town(b)
        name = f"Jl. Raya {ta.name} - {tb.name}"
        found.append(Place("street", name, at.near((ta.x + tb.x) / 2, (ta.y + tb.y) / 2)))
    found += [
        Place("hospital", h.name, h.location, h.address.removesuffix(" (synthetic)"))
        for h in facilities.hospitals(network)
    ]
    found += [
        Place("puskesmas" if p.name.startswith("Puskesmas") else "landmark", p.name, p.location)
        for p in facilities.posts(network)
    ]
    return with_areas(found, districts)


class _Nodes:
    """Road nodes in the demo's metres, to put names on roads."""

    def __init__(self, network: RoadNetwork) -> None:
        self.proj = geo.projection()
        self.x, self.y = self.proj.to_xy(network.node_lon, network.node_lat)

    def near(self, x: float, y: float) -> LonLat:
        i = int(np.argmin((self.x - x) ** 2 + (self.y - y) ** 2))
        lon, lat = self.proj.to_lonlat(np.array([self.x[i]]), np.array([self.y[i]]))
        return LonLat(round(float(lon[0]), 6), round(float(lat[0]), 6))

    def beside(self, town: geo.Town, dx: float, dy: float) -> LonLat:
        return self.near(town.x + dx * town.half_m, town.y + dy * town.half_m)


def _villages(at: _Nodes, seed: int) -> list[Place]:
    """Villages on a loose grid outside the towns, each on its nearest road."""
    rng = np.random.default_rng(seed)
    names = [f"{a}{b}" for a in _FIRST for b in _SECOND]
    rng.shuffle(names)
    found = []
    step = VILLAGE_SPACING_M
    for x in np.arange(-geo.WIDTH_M / 2 + step / 2, geo.WIDTH_M / 2, step):
        for y in np.arange(-geo.HEIGHT_M / 2 + step / 2, geo.HEIGHT_M / 2, step):
            px, py = x + rng.uniform(-0.3, 0.3) * step, y + rng.uniform(-0.3, 0.3) * step
            in_town = any(
                abs(px - t.x) < t.half_m + 500 and abs(py - t.y) < t.half_m + 500 for t in geo.TOWNS
            )
            if in_town or abs(py - float(geo.river_y(px))) < 300 or not names:
                continue
            found.append(Place("village", names.pop(), at.near(px, py)))
    return found


def _streets(at: _Nodes, town: geo.Town, *, first: int) -> list[Place]:
    """The town's main streets (every fifth line of its grid), named from ``STREETS``."""
    k = int(town.half_m // town.spacing_m)
    lines = [n for n in range(-k, k + 1) if n % 5 == 0]
    found = []
    x, y = town.x, town.y
    for n, line in enumerate(lines):
        across = town.half_m * (0.35 if n % 2 else -0.35)  # not all at one crossing
        north_south = STREETS[(first + 2 * n) % len(STREETS)]
        east_west = STREETS[(first + 2 * n + 1) % len(STREETS)]
        offset = line * town.spacing_m
        found.append(Place("street", north_south, at.near(x + offset, y + across), town.name))
        found.append(Place("street", east_west, at.near(x + across, y + offset), town.name))
    return found
