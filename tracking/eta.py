"""ETA to an incident without a search per fix: one point table per incident, kept while
the call lives (least recently used dropped first).

When the region swaps its routing view (a closure, a slowdown, another time of day), the
tables that the change can affect are dropped and rebuilt on the next fix; the others stay.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from routing import LonLat, Region
from routing.conditions import RoutingView, affected_columns
from routing.engine import PointTable


class PointTables:
    """Point tables of recent incidents, least recently used dropped first."""

    def __init__(self, region: Region, *, memory_mb: float = 256.0) -> None:
        self._region = region
        # As many tables as fit in the budget (4 bytes a node): about 1,200 on the demo
        # region. Fewer than the live incidents would rebuild a table on every fix.
        per_table = 4 * region.network.node_count
        self.capacity = max(16, int(memory_mb * 2**20 // per_table))
        self._tables: OrderedDict[int, PointTable] = OrderedDict()
        self._view = region.view  # the view the kept tables were built on
        self._lock = threading.Lock()
        self.invalidated = 0  # tables dropped because the roads changed

    def for_call(self, call_id: int, point: LonLat) -> PointTable:
        """The table to this call's incident (built on first use)."""
        if self._region.view is not self._view:
            self._follow(self._region.view)
        with self._lock:
            table = self._tables.get(call_id)
            if table is not None:
                self._tables.move_to_end(call_id)
                return table
        table = self._region.table_to(point)  # ~10 ms, outside the lock
        with self._lock:
            self._tables[call_id] = table
            while len(self._tables) > self.capacity:
                self._tables.popitem(last=False)
        return table

    def _follow(self, view: RoutingView) -> None:
        """Drop the tables the change from the previous view to ``view`` can affect."""
        with self._lock:
            previous, self._view = self._view, view
            old_w, new_w = previous.weights, view.weights
            up, down = np.flatnonzero(new_w > old_w), np.flatnonzero(new_w < old_w)
            network = view.network
            if len(up) + len(down) > 0.05 * network.edge_count:  # another time of day
                self.invalidated += len(self._tables)
                self._tables.clear()
                return
            for call_id, table in list(self._tables.items()):
                if table.version >= view.version:
                    continue  # built on the new view already
                if affected_columns(
                    table.to_destination_s, network.head, network.tail, up, old_w, down, new_w
                )[0]:
                    del self._tables[call_id]
                    self.invalidated += 1
