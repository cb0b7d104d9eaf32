"""The demo region's hospitals and ambulance posts (synthetic: invented names and numbers).

Hospitals follow the Kemenkes classes: one class A referral centre, class B regional
hospitals, class C and D district hospitals, a mother-and-child hospital and a psychiatric
hospital. Several stand near the river so that the hospital nearest as the crow flies is
often across the water, and far by road.
"""

from __future__ import annotations

import numpy as np

from routing.demo import geography as geo
from routing.geo import LonLat
from routing.network import RoadNetwork
from routing.pack import AmbulancePost, District, HospitalRow, PopulationGrid

FULL = (
    "igd_24h", "icu", "nicu", "picu", "cath_lab", "ct_scan", "stroke_unit", "neurosurgery",
    "trauma_surgery", "ponek", "paediatrics", "burn_unit", "hemodialysis", "psychiatry",
)  # fmt: skip

# (id, name, class, town, (dx, dy) in half-sides of the town, capabilities)
HOSPITALS: tuple[tuple[str, str, str, str, tuple[float, float], tuple[str, ...]], ...] = (
    ("rsud-purwa", "RSUD Prof. Dr. Purwa Sentosa", "A", "purwa", (0.1, 0.2), FULL),
    ("rs-islam-purwa", "RS Islam Purwa", "B", "purwa", (-0.5, -0.3),
     ("igd_24h", "icu", "nicu", "ct_scan", "cath_lab", "trauma_surgery", "ponek", "paediatrics",
      "hemodialysis")),
    ("rsia-bunda-purwa", "RSIA Bunda Purwa", "khusus", "purwa", (0.6, -0.5),
     ("igd_24h", "ponek", "nicu", "picu", "paediatrics")),
    ("rs-siaga-purwa", "RS Siaga Medika Purwa", "C", "purwa", (-0.3, 0.7),
     ("igd_24h", "icu", "ct_scan", "trauma_surgery", "ponek", "paediatrics")),
    ("rs-elisabeth-purwa", "RS Santa Elisabeth Purwa", "C", "purwa", (0.3, -0.95),
     ("igd_24h", "icu", "ponek", "paediatrics")),
    ("rsud-sokawera", "RSUD Sokawera", "C", "sokawera", (-0.3, 0.85),
     ("igd_24h", "icu", "ct_scan", "ponek", "paediatrics", "trauma_surgery")),
    ("rs-sokawera-medika", "RS Sokawera Medika", "D", "sokawera", (0.4, -0.2),
     ("igd_24h", "paediatrics")),
    ("rsud-kotalama", "RSUD Kota Lama", "B", "kotalama", (0.0, 0.3),
     ("igd_24h", "icu", "nicu", "ct_scan", "stroke_unit", "neurosurgery", "trauma_surgery",
      "ponek", "paediatrics", "hemodialysis", "psychiatry")),
    ("rs-mitra-kotalama", "RS Mitra Kota Lama", "D", "kotalama", (-0.6, -0.4), ("igd_24h", "ponek")),
    ("rsud-ajibarang", "RSUD Ajibarang Wetan", "C", "ajibarang", (0.2, 0.1),
     ("igd_24h", "icu", "ct_scan", "ponek", "paediatrics", "nicu")),
    ("rs-ajibarang-husada", "RS Husada Ajibarang", "D", "ajibarang", (-0.5, -0.6), ("igd_24h",)),
    ("rs-wangon-sehat", "RS Wangon Sehat", "C", "wangon", (0.1, 0.5),
     ("igd_24h", "icu", "ponek", "paediatrics", "trauma_surgery")),
    ("rs-sokaraja", "RS Sokaraja Lor", "C", "sokaraja", (-0.2, -0.8),
     ("igd_24h", "icu", "ct_scan", "cath_lab", "ponek", "paediatrics")),
    ("rs-sokaraja-bakti", "RS Bakti Sokaraja", "D", "sokaraja", (0.6, 0.4), ("igd_24h", "paediatrics")),
    ("rs-patikraja", "RS Patikraja Tengah", "D", "patikraja", (0.2, -0.9),
     ("igd_24h", "ponek", "paediatrics")),
    ("rs-kebasen", "RS Kebasen Asri", "D", "kebasen", (-0.1, 0.9), ("igd_24h", "ponek")),
    ("rs-cilongok", "RS Cilongok Baru", "C", "cilongok", (0.0, 0.0),
     ("igd_24h", "icu", "ponek", "paediatrics", "ct_scan")),
    ("rs-somagede", "RS Somagede Jaya", "D", "somagede", (0.0, 0.4), ("igd_24h",)),
    ("rsj-baturaden", "RSJ Baturaden Atas", "khusus", "baturaden", (0.5, 0.5), ("igd_24h", "psychiatry")),
    ("rs-baturaden", "RS Baturaden Atas", "D", "baturaden", (-0.4, -0.3), ("igd_24h", "paediatrics")),
)  # fmt: skip

BEDS_BY_CLASS = {
    "A": {"igd": 30, "icu": 20, "nicu": 12, "picu": 8, "ward": 420},
    "B": {"igd": 20, "icu": 10, "nicu": 6, "picu": 4, "ward": 220},
    "C": {"igd": 12, "icu": 4, "nicu": 3, "picu": 2, "ward": 110},
    "D": {"igd": 6, "icu": 2, "nicu": 1, "picu": 1, "ward": 45},
    "khusus": {"igd": 8, "icu": 2, "nicu": 10, "picu": 4, "ward": 90},
}
BED_NEEDS = {"icu": "icu", "nicu": "nicu", "picu": "picu"}  # bed kind -> capability that has it

# (id, name, town or None for a village, (dx, dy) in half-sides or metres, ambulances)
POSTS: tuple[tuple[str, str, str | None, tuple[float, float], int], ...] = (
    ("psc119-purwa", "PSC 119 Markas Kota Purwa", "purwa", (-0.1, 0.0), 4),
    ("pkm-purwa-timur", "Puskesmas Purwa Timur", "purwa", (0.7, 0.4), 1),
    ("pkm-purwa-selatan", "Puskesmas Purwa Selatan", "purwa", (-0.6, -0.8), 1),
    ("pkm-sokawera", "Puskesmas Sokawera", "sokawera", (0.0, 0.0), 2),
    ("pkm-kotalama", "Puskesmas Kota Lama", "kotalama", (0.3, -0.3), 2),
    ("pkm-ajibarang", "Puskesmas Ajibarang Wetan", "ajibarang", (0.0, -0.3), 2),
    ("pkm-wangon", "Puskesmas Wangon Kidul", "wangon", (-0.3, 0.0), 1),
    ("pkm-sokaraja", "Puskesmas Sokaraja Lor", "sokaraja", (0.2, 0.2), 1),
    ("pkm-patikraja", "Puskesmas Patikraja", "patikraja", (-0.4, 0.3), 1),
    ("pkm-kebasen", "Puskesmas Kebasen", "kebasen", (0.3, -0.3), 1),
    ("pkm-cilongok", "Puskesmas Cilongok", "cilongok", (0.4, 0.3), 1),
    ("pkm-somagede", "Puskesmas Somagede", "somagede", (-0.3, 0.2), 1),
    ("pos-lumbir", "Pos Ambulans Desa Lumbir", None, (-27_000.0, 9_000.0), 1),
    ("pos-gumelar", "Pos Ambulans Desa Gumelar", None, (-16_000.0, -14_000.0), 1),
    ("pos-tambak", "Pos Ambulans Desa Tambak", None, (27_000.0, -16_000.0), 1),
)


def _place(network: RoadNetwork, town: str | None, offset: tuple[float, float]) -> LonLat:
    """A point 25 m east of the road node nearest the requested spot (off the road, as in life)."""
    if town is None:
        x, y = offset
    else:
        t = geo.town(town)
        x, y = t.x + offset[0] * t.half_m, t.y + offset[1] * t.half_m
    proj = geo.projection()
    nx_, ny_ = proj.to_xy(network.node_lon, network.node_lat)
    nearest = int(np.argmin((nx_ - x) ** 2 + (ny_ - y) ** 2))
    lon, lat = proj.to_lonlat(np.array([nx_[nearest] + 25.0]), np.array([ny_[nearest]]))
    return LonLat(round(float(lon[0]), 7), round(float(lat[0]), 7))


def hospitals(network: RoadNetwork) -> list[HospitalRow]:
    """The demo hospitals, placed on the generated roads."""
    rows = []
    for hospital_id, name, cls, town, offset, capabilities in HOSPITALS:
        beds = {
            kind: count
            for kind, count in BEDS_BY_CLASS[cls].items()
            if kind not in BED_NEEDS or BED_NEEDS[kind] in capabilities
        }
        rows.append(
            HospitalRow(
                id=hospital_id,
                name=name,
                hospital_class=cls,
                location=_place(network, town, offset),
                capabilities=capabilities,
                beds=beds,
                address=f"{geo.town(town).name} (synthetic)",
            )
        )
    return rows


def posts(network: RoadNetwork) -> list[AmbulancePost]:
    """The demo ambulance posts, placed on the generated roads."""
    return [
        AmbulancePost(post_id, name, _place(network, town, offset), count)
        for post_id, name, town, offset, count in POSTS
    ]


# Each synthetic town stands for a real Banyumas district (Kemendagri code), so that calls
# giving only a district can be tried on the demo; the positions are the synthetic towns'.
DISTRICTS: tuple[tuple[str, str, str], ...] = (
    ("330226", "Purwokerto Timur", "purwa"),
    ("330210", "Kalibagor", "sokawera"),
    ("330211", "Banyumas", "kotalama"),
    ("330214", "Ajibarang", "ajibarang"),
    ("330202", "Wangon", "wangon"),
    ("330219", "Sokaraja", "sokaraja"),
    ("330212", "Patikraja", "patikraja"),
    ("330205", "Kebasen", "kebasen"),
    ("330217", "Cilongok", "cilongok"),
    ("330209", "Somagede", "somagede"),
    ("330222", "Baturraden", "baturaden"),
)


def districts(network: RoadNetwork) -> list[District]:
    """The demo districts, centred on their synthetic towns' centres."""
    return [
        District(code, name, _place(network, town, (0.0, 0.0))) for code, name, town in DISTRICTS
    ]


PEOPLE_PER_NODE = 33.0  # about 1.8 million people on the demo's 54,000 road nodes
POPULATION_CELL_M = 1_000.0


def population(network: RoadNetwork) -> PopulationGrid:
    """A SYNTHETIC population grid: people where the roads are dense (towns), 1 km cells."""
    proj = geo.projection()
    x, y = proj.to_xy(network.node_lon, network.node_lat)
    cx = np.floor(x / POPULATION_CELL_M).astype(np.int64)
    cy = np.floor(y / POPULATION_CELL_M).astype(np.int64)
    _, cell, counts = np.unique(
        np.column_stack((cx, cy)), axis=0, return_inverse=True, return_counts=True
    )
    # Each cell's people stand at the centre of its road nodes (inside the region, near roads).
    lon = np.bincount(cell, weights=network.node_lon) / counts
    lat = np.bincount(cell, weights=network.node_lat) / counts
    return PopulationGrid(lon, lat, np.round(counts * PEOPLE_PER_NODE))
