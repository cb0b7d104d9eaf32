"""Rate limits per API key, so that a runaway script or a stolen key cannot crowd out the
operators (the ``limits`` library, sliding window counters, in this process's memory).

Each worker counts its own requests: with N workers a key may make up to N times the limit
in all. That is enough to stop a flood, and costs no network round trip per request.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from limits import parse_many
from limits.storage import MemoryStorage
from limits.strategies import SlidingWindowCounterRateLimiter

from app.errors import RateLimitedError


class KeyRateLimits:
    """``check(who)`` raises RateLimitedError once ``who`` (a key's hash) is over a limit."""

    def __init__(self, limits: str, *, on_refused: Callable[[], None] = lambda: None) -> None:
        self.limits = parse_many(limits) if limits else []
        self._limiter = SlidingWindowCounterRateLimiter(MemoryStorage())
        self._on_refused = on_refused

    def check(self, who: str) -> None:
        """Count one request of ``who``; raise when it is one too many."""
        for limit in self.limits:
            if not self._limiter.hit(limit, who):
                reset_at = self._limiter.get_window_stats(limit, who).reset_time
                retry_after_s = max(1, math.ceil(reset_at - time.time()))
                self._on_refused()
                msg = f"too many requests for this key (limit {limit}); retry in {retry_after_s} s"
                raise RateLimitedError(msg, retry_after_s=retry_after_s)
