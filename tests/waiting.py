"""Waiting for something another process or thread does, with a deadline."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(
    check: Callable[[], T], what: str, timeout_s: float = 30.0, step_s: float = 0.05
) -> T:
    """The first truthy answer of ``check``; fails the test after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        if result := check():
            return result
        if time.monotonic() > deadline:
            msg = f"waited {timeout_s} s for {what}"
            raise AssertionError(msg)
        time.sleep(step_s)
