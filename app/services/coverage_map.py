"""A coverage map as a PNG a health office can put in a report: roads, the 15/30/60-minute
areas, the hospitals that count and those that do not, and the figures."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import matplotlib as mpl

mpl.use("Agg")  # files only, no display

import numpy as np
import shapely
from matplotlib import pyplot as plt
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path as MplPath
from shapely.geometry.base import BaseGeometry

from routing import Region
from routing.coverage import Coverage
from routing.ranking import Hospital

BAND_COLOURS = ("#c0392b", "#e67e22", "#f6c85f", "#fbe8b0", "#fdf5dc", "#fffaf0")
ROAD_WIDTH = {"trunk": 1.1, "primary": 0.9, "secondary": 0.7, "tertiary": 0.5}


@dataclass(frozen=True)
class RoadsShown:
    """Which roads the map shows: their time (UTC) and the restrictions in force then."""

    when: datetime
    restrictions: int


def render(
    region: Region,
    coverage: Coverage,
    hospitals: tuple[Hospital, ...] | list[Hospital],
    path: Path,
    roads: RoadsShown,
) -> Path:
    """Draw the map and the figures to ``path`` (PNG)."""
    when, restrictions = roads.when, roads.restrictions
    label = region.taxonomy.capabilities[coverage.capability].label
    figure, ax = plt.subplots(figsize=(11, 8.5), dpi=150)
    for i, band in reversed(list(enumerate(coverage.bands))):
        for patch in _patches(band.polygon, BAND_COLOURS[i % len(BAND_COLOURS)]):
            ax.add_patch(patch)
    _roads(ax, region)
    counted = set(coverage.hospital_ids)
    for hospital in hospitals:
        if coverage.capability not in hospital.capabilities:
            continue
        mark = "o" if hospital.id in counted else "x"
        colour = "#1f3a93" if hospital.id in counted else "#7f8c8d"
        ax.plot(hospital.location.lon, hospital.location.lat, mark, color=colour, markersize=6)
        why = "" if hospital.id in counted else f" ({coverage.excluded.get(hospital.id, '')})"
        where = (hospital.location.lon, hospital.location.lat)
        ax.annotate(
            f"{hospital.name}{why}",
            where,
            xytext=(4, 4),
            textcoords="offset points",
            fontsize=6.5,
            color=colour,
        )
    west, south, east, north = region.meta.bbox
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    ax.set_aspect(1 / math.cos(math.radians((south + north) / 2)))
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    synthetic = "SYNTHETIC DATA, not a real map. " if region.meta.synthetic else ""
    ax.set_title(
        f"{label}: travel time to the nearest hospital that can treat the patient\n"
        f"{region.meta.title}; roads at {when:%Y-%m-%d %H:%M} UTC{_local(region, when)} "
        f"({coverage.period}), "
        f"{restrictions} road closures/slowdowns in force",
        fontsize=9,
    )
    if synthetic:
        ax.text(
            0.5,
            0.5,
            "SYNTHETIC",
            transform=ax.transAxes,
            fontsize=70,
            color="#000000",
            alpha=0.06,
            ha="center",
            va="center",
            rotation=30,
        )
    ax.legend(
        handles=[
            Rectangle((0, 0), 1, 1, color=BAND_COLOURS[i % len(BAND_COLOURS)])
            for i in range(len(coverage.bands))
        ],
        labels=[_band_line(b) for b in coverage.bands],
        loc="lower left",
        fontsize=7,
        title="within (area; road length; people)",
        title_fontsize=7,
        framealpha=0.9,
    )
    figure.text(
        0.01,
        0.01,
        f"{synthetic}Source: Satria coverage analysis. Hospitals counted: "
        f"{len(coverage.hospital_ids)} (o); not counted now: {len(coverage.excluded)} (x). "
        f"Areas: points within {region.snapper.max_snap_m:.0f} m of a road.",
        fontsize=6.5,
    )
    figure.tight_layout()
    figure.savefig(path, format="png")
    plt.close(figure)
    return path


def _local(region: Region, when: datetime) -> str:
    if region.profile is None:
        return ""
    local = when.astimezone(region.profile.timezone)
    return f" = {local:%H:%M} {local.tzname()}"


def _band_line(band: object) -> str:
    from routing.coverage import CoverageBand  # noqa: PLC0415 - typing aid only

    assert isinstance(band, CoverageBand)
    people = f"; {band.population_share:.0%} of people" if band.population_share is not None else ""
    return (
        f"{band.limit_s / 60:.0f} min: {band.area_km2:,.0f} km2 ({band.area_share:.0%}); "
        f"{band.road_share:.0%} of roads{people}"
    )


def _roads(ax: Axes, region: Region) -> None:
    network = region.network
    reverse = network.reverse_edge
    once = (reverse < 0) | (np.arange(network.edge_count) < reverse)
    for name in network.road_classes:
        code = network.road_classes.index(name)
        edges = np.flatnonzero(once & (network.road_class == code))
        segments = np.stack(
            (
                np.column_stack(
                    (network.node_lon[network.tail[edges]], network.node_lat[network.tail[edges]])
                ),
                np.column_stack(
                    (network.node_lon[network.head[edges]], network.node_lat[network.head[edges]])
                ),
            ),
            axis=1,
        )
        width = ROAD_WIDTH.get(name, 0.25)
        lines = LineCollection(list(segments), linewidths=width, colors="#555555", alpha=0.6)
        ax.add_collection(lines)


def _patches(geometry: BaseGeometry, colour: str) -> list[PathPatch]:
    patches = []
    for polygon in shapely.get_parts(geometry):
        if polygon.is_empty:
            continue
        rings = [np.asarray(polygon.exterior.coords)] + [
            np.asarray(ring.coords) for ring in polygon.interiors
        ]
        vertices = np.concatenate(rings)
        codes = np.concatenate(
            [
                [MplPath.MOVETO] + [MplPath.LINETO] * (len(r) - 2) + [MplPath.CLOSEPOLY]
                for r in rings
            ]
        )
        patches.append(PathPatch(MplPath(vertices, codes), facecolor=colour, edgecolor="none"))
    return patches
