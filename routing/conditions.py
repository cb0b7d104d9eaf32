"""Road conditions: a time of day's speeds, closures and slowdowns, and the routing view they
make.

A ``RoutingView`` is everything a query reads that depends on conditions: the re-weighted
network and the hospital and post tables built on it. It is immutable; a change of conditions
builds a new view next to the old one (recomputing only the tables the change can affect) and
the region swaps one reference. A query reads the reference once, so it sees the old roads or
the new ones, never a mix.

Which tables a change affects follows from the tables themselves. An edge that got slower
(or closed) changes a table only if the table's tree of fastest paths takes it; an edge
that got faster (or reopened) only where it now improves a time (T[u] > w + T[v], for
times to a target; tail and head exchanged for times from a source). Affected tables are
searched again whole (one Dijkstra each, milliseconds): walking only the part of a tree
below a closed road was tried and lost to the plain search on this machine, because
closures of real interest (bridges, arterials) carry most of every tree. Roads that come
back to a recent state (a closure lifted) take the view kept from then: nothing is searched.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from routing.engine import SourceTables, TargetTables
from routing.network import FloatArray, IntArray, RoadNetwork
from routing.speed_profile import FREE_FLOW

# Above this share of edges changed (a new period), every table is rebuilt without checking.
_REBUILD_ALL_SHARE = 0.05


# --- restrictions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Restriction:
    """Edges closed (``factor`` infinite) or slowed (travel time times ``factor`` >= 1)."""

    edges: IntArray
    factor: float = math.inf

    @property
    def closes(self) -> bool:
        """Whether no path may cross these edges."""
        return math.isinf(self.factor)


@dataclass(frozen=True, eq=False)
class Conditions:
    """Per edge: the travel time multiplier (finite) and whether the edge is closed."""

    period: str
    multiplier: FloatArray
    closed: npt.NDArray[np.bool_]
    restrictions: tuple[Restriction, ...] = ()
    speed_factors: FloatArray | None = None  # the period's, per road class (None: typical)

    @classmethod
    def make(
        cls,
        network: RoadNetwork,
        *,
        period: str = FREE_FLOW,
        speed_factors: FloatArray | None = None,
        restrictions: Iterable[Restriction] = (),
    ) -> Conditions:
        """Conditions from a period's speed factors per road class and restrictions."""
        multiplier = np.ones(network.edge_count)
        if speed_factors is not None:
            multiplier = 1.0 / np.asarray(speed_factors, dtype=np.float64)[network.road_class]
        closed = np.zeros(network.edge_count, dtype=bool)
        restrictions = tuple(restrictions)
        for restriction in restrictions:
            if restriction.closes:
                closed[restriction.edges] = True
            else:
                multiplier[restriction.edges] *= restriction.factor
        factors = None if speed_factors is None else np.asarray(speed_factors, dtype=np.float64)
        return cls(period, multiplier, closed, restrictions, factors)

    def fingerprint(self) -> bytes:
        """Equal for equal roads: the period, every edge's multiplier and closure."""
        digest = hashlib.blake2b(self.period.encode(), digest_size=16)
        digest.update(np.ascontiguousarray(self.multiplier).tobytes())
        digest.update(np.packbits(self.closed).tobytes())
        return digest.digest()

    def weights(self, base: RoadNetwork) -> FloatArray:
        """Effective travel seconds per edge of the ``base`` network (typical speeds) under
        these conditions, as searches see them (closed: inf)."""
        times = base.travel_time_s * self.multiplier
        return np.where(self.closed, np.inf, times)


_Tables = TypeVar("_Tables", TargetTables, SourceTables)

# --- views ------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class RoutingView:
    """The network under some conditions and the tables built on it; never changed."""

    version: int
    conditions: Conditions
    network: RoadNetwork
    tables: TargetTables
    post_tables: SourceTables
    tables_recomputed: int  # of len(hospitals) + len(posts), to make this view
    build_s: float

    @property
    def period(self) -> str:
        """Name of the time-of-day period."""
        return self.conditions.period

    @property
    def weights(self) -> FloatArray:
        """Effective travel seconds per edge (closed: inf). The view's network is already
        re-weighted: only the closures remain to apply."""
        return np.where(self.conditions.closed, np.inf, self.network.travel_time_s)


def build_view(  # noqa: PLR0913 - the network, its conditions and what the view tables
    base: RoadNetwork,
    conditions: Conditions,
    *,
    hospital_nodes: Sequence[int],
    post_nodes: Sequence[int],
    version: int,
    previous: RoutingView | None = None,
) -> RoutingView:
    """Re-weight ``base`` and build its tables; from ``previous``, only the affected ones."""
    started = time.perf_counter()
    network = base.reweighted(base.travel_time_s * conditions.multiplier, conditions.closed)
    if previous is None:
        tables = TargetTables.build(network, hospital_nodes)
        post_tables = SourceTables.build(network, post_nodes)
        recomputed = len(hospital_nodes) + len(post_nodes)
    else:
        old_w, new_w = previous.weights, conditions.weights(base)
        slower, faster = new_w > old_w, new_w < old_w
        everything = slower.sum() + faster.sum() > _REBUILD_ALL_SHARE * base.edge_count
        up, down = np.flatnonzero(slower), np.flatnonzero(faster)
        to_redo = np.ones(len(hospital_nodes), dtype=bool)
        posts_to_redo = np.ones(len(post_nodes), dtype=bool)
        if not everything:
            # A slower edge changes a table only where its tree takes that edge (exact, ties
            # excluded); a faster one where it now improves a time.
            to_redo = _uses(previous.tables.next_edge, up) | affected_columns(
                previous.tables.time_s, network.head, network.tail, down[:0], old_w, down, new_w
            )
            posts_to_redo = _uses(previous.post_tables.tree_edge, up) | affected_columns(
                previous.post_tables.time_s,
                network.tail,
                network.head,
                down[:0],
                old_w,
                down,
                new_w,
            )
        tables = _rebuild(previous.tables, previous.tables.target_nodes, to_redo, network)
        post_tables = _rebuild(
            previous.post_tables, previous.post_tables.source_nodes, posts_to_redo, network
        )
        recomputed = int(to_redo.sum() + posts_to_redo.sum())
    return RoutingView(
        version=version,
        conditions=conditions,
        network=network,
        tables=tables,
        post_tables=post_tables,
        tables_recomputed=recomputed,
        build_s=time.perf_counter() - started,
    )


def affected_columns(  # noqa: PLR0913 - a numeric kernel over the tables' arrays
    times: npt.NDArray[np.floating],
    near: npt.NDArray[np.integer],
    far: npt.NDArray[np.integer],
    up: IntArray,
    old_w: FloatArray,
    down: IntArray,
    new_w: FloatArray,
) -> npt.NDArray[np.bool_]:
    """Which columns of a (nodes, k) table of fastest times change when edge weights change.

    The table's relaxation reads ``times[far] = min(times[near] + w)`` over edges: for times
    to a target, near is the edge's head and far its tail; for times from a source, the
    reverse. A slower edge matters where it was tight; a faster one where it now improves.
    """
    times = np.atleast_2d(times.T).T  # a single column (a point table) as (nodes, 1)
    result = np.zeros(times.shape[1], dtype=bool)
    if len(up):
        via = times[near[up]] + old_w[up, None]
        there = times[far[up]]
        with np.errstate(invalid="ignore"):  # inf - inf where a closure cut nodes off
            tight = np.isfinite(there) & (np.abs(via - there) <= 1e-6 * np.maximum(1.0, there))
        result |= tight.any(axis=0)
    if len(down):
        via = times[near[down]] + new_w[down, None]
        result |= (via < times[far[down]] - 1e-6).any(axis=0)
    return result


def _rebuild(
    previous: _Tables, nodes: IntArray, redo: npt.NDArray[np.bool_], network: RoadNetwork
) -> _Tables:
    """The tables with the ``redo`` columns searched again (hospital or post tables: every
    array field is (nodes, columns) but the column nodes themselves)."""
    kind = type(previous)
    if redo.all():
        return kind.build(network, nodes.tolist())
    if not redo.any():
        return previous
    columns = np.flatnonzero(redo)
    fresh = kind.build(network, nodes[columns].tolist())
    arrays = {}
    for field in dataclasses.fields(previous):
        value = getattr(previous, field.name)
        if value is nodes:
            continue
        arrays[field.name] = value.copy()
        arrays[field.name][:, columns] = getattr(fresh, field.name)
    return dataclasses.replace(previous, **arrays)


def _uses(tree_edge: npt.NDArray[np.integer], edges: IntArray) -> npt.NDArray[np.bool_]:
    """Which columns' trees take one of ``edges``."""
    if not len(edges):
        return np.zeros(tree_edge.shape[1], dtype=bool)
    used: npt.NDArray[np.bool_] = np.asarray(np.isin(tree_edge, edges).any(axis=0))
    return used
