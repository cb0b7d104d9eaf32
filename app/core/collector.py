"""Python's cyclic garbage collector, set for a process that must answer in milliseconds.

With the defaults (a young collection every 700 new objects, a full one whenever the
long-lived objects grew by a quarter), a worker tracking 500 ambulances made a full
collection every few seconds, and each stopped the process for 50 to 110 ms on this 2-core
machine: the hospitals' p99 push latency was 114 to 307 ms, against 26 ms once tuned
(``python -m bench.tracking``). Objects that live as long as the process (the region, the
modules) are frozen out of every scan, and collections come less often: the objects of a
request die before a young collection sees them. The simulator and the benchmarks use it
too, so that their own pauses are not counted as the service's.
"""

from __future__ import annotations

import gc

# Young collections every 50,000 new objects (a request's objects die before one sees them);
# older generations scanned 20 and 100 times less often than the one below them. Measured
# against 700 and 10,000 new objects: 50,000 stored the most calls a second (bench.api) with
# the same tracking latency.
THRESHOLDS = (50_000, 20, 100)


def settle() -> None:
    """Freeze what exists now (it lives as long as the process) and space collections out.
    Call once startup has built what it keeps."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
