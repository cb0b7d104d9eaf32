"""Placing a pack's hospitals and ambulance posts on the road network."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from routing.capabilities import Taxonomy
from routing.errors import RegionPackError
from routing.pack import AmbulancePost, HospitalRow
from routing.ranking import Hospital
from routing.snap import EdgeSnapper

MAX_ACCESS_M = 1000.0  # a hospital farther than this from any road is an error in the pack


def place_hospitals(
    snapper: EdgeSnapper, taxonomy: Taxonomy, rows: Sequence[HospitalRow]
) -> tuple[Hospital, ...]:
    """The pack's hospitals at their nearest road node; a hospital far from any road is an
    error in the pack."""
    if not rows:
        return ()
    lon = np.array([r.location.lon for r in rows])
    lat = np.array([r.location.lat for r in rows])
    nodes, access_m = snapper.nearest_nodes(lon, lat)
    hospitals = []
    for row, node, dist in zip(rows, nodes, access_m, strict=True):
        if dist > MAX_ACCESS_M:
            msg = (
                f"hospital {row.id!r} ({row.name}) is {dist:.0f} m from the nearest road node; "
                f"check its coordinates in hospitals.csv"
            )
            raise RegionPackError(msg)
        hospitals.append(
            Hospital(
                id=row.id,
                name=row.name,
                hospital_class=row.hospital_class,
                location=row.location,
                capabilities=row.capabilities,
                capability_mask=taxonomy.mask(row.capabilities),
                beds=dict(row.beds),
                node=int(node),
                access_m=float(dist),
                osm_id=row.osm_id,
                address=row.address,
            )
        )
    return tuple(hospitals)


def place_posts(snapper: EdgeSnapper, posts: Sequence[AmbulancePost]) -> list[int]:
    """The road node of each ambulance post."""
    if not posts:
        return []
    lon = np.array([p.location.lon for p in posts])
    lat = np.array([p.location.lat for p in posts])
    nodes, access_m = snapper.nearest_nodes(lon, lat)
    for post, dist in zip(posts, access_m, strict=True):
        if dist > MAX_ACCESS_M:
            msg = f"ambulance post {post.id!r} is {dist:.0f} m from the nearest road node"
            raise RegionPackError(msg)
    return [int(n) for n in nodes]
