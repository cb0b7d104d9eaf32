"""The routing views of a region: the one in use, the few recent ones, those of other times
of day. Building a view takes a while; swapping one in is a single reference, so queries
that started before keep reading the view they began with."""

from __future__ import annotations

import dataclasses
import itertools
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence

from routing.conditions import Conditions, RoutingView, build_view
from routing.network import RoadNetwork

RECENT_VIEWS = 3  # kept for roads that come back to an earlier state (about 30 MB each, demo)
OTHER_HOURS = 4  # views of other times of day kept (planned departures)


class ViewKeeper:
    """Builds, keeps and swaps the views of one network; thread-safe."""

    def __init__(
        self, network: RoadNetwork, hospital_nodes: Sequence[int], post_nodes: Sequence[int]
    ) -> None:
        self._network = network
        self._hospital_nodes = list(hospital_nodes)
        self._post_nodes = list(post_nodes)
        self._versions = itertools.count(1)
        self._lock = threading.Lock()
        self._views_at: OrderedDict[tuple[str, int], RoutingView] = OrderedDict()
        self._recent: OrderedDict[bytes, RoutingView] = OrderedDict()
        self.view = self._build(Conditions.make(network), version=0)
        self._recent[self.view.conditions.fingerprint()] = self.view

    def _build(
        self, conditions: Conditions, *, version: int, previous: RoutingView | None = None
    ) -> RoutingView:
        return build_view(
            self._network,
            conditions,
            hospital_nodes=self._hospital_nodes,
            post_nodes=self._post_nodes,
            version=version,
            previous=previous,
        )

    def prepare(self, conditions: Conditions) -> RoutingView:
        """A view for these conditions, built from the current one (only what the change can
        affect is solved again), or taken from the few recent views when the roads are back
        to what they were (a closure lifted). Not in use until :meth:`swap`."""
        started = time.perf_counter()
        key = conditions.fingerprint()
        with self._lock:
            recent = self._recent.get(key)
            if recent is not None:
                self._recent.move_to_end(key)  # the roads as usual stay kept
        if recent is not None:
            return dataclasses.replace(
                recent,
                version=next(self._versions),
                conditions=conditions,
                tables_recomputed=0,
                build_s=time.perf_counter() - started,
            )
        view = self._build(conditions, version=next(self._versions), previous=self.view)
        with self._lock:
            self._recent[key] = view
            while len(self._recent) > RECENT_VIEWS:
                self._recent.popitem(last=False)
        return view

    def swap(self, view: RoutingView) -> bool:
        """Put ``view`` in use, unless a newer one already is. Returns whether it was."""
        with self._lock:
            if view.version <= self.view.version:
                return False
            self.view = view  # one reference: readers see the old view or the new, whole
            return True

    def at(self, conditions: Conditions) -> RoutingView:
        """The view for another time of day's ``conditions`` (with the current restrictions);
        the current view when the period is the same. A few are kept."""
        current = self.view
        if conditions.period == current.period:
            return current
        key = (conditions.period, current.version)
        with self._lock:
            cached = self._views_at.get(key)
        if cached is not None:
            return cached
        view = self._build(conditions, version=current.version)
        with self._lock:
            self._views_at[key] = view
            while len(self._views_at) > OTHER_HOURS:
                self._views_at.popitem(last=False)
        return view
