"""ETA to an incident without a search per fix: one point table per incident, kept while
the call lives (least recently used dropped first)."""

from __future__ import annotations

import threading
from collections import OrderedDict

from routing import LonLat, Region
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
        self._lock = threading.Lock()

    def for_call(self, call_id: int, point: LonLat) -> PointTable:
        """The table to this call's incident (built on first use)."""
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
