"""The service settles Python's garbage collector once started: what startup built is frozen
out of every scan, and collections are spaced out (bench.tracking measures the pauses)."""

from __future__ import annotations

import gc

from app.core import collector
from tests.app.conftest import Service


def test_a_started_service_has_settled_the_collector(service: Service) -> None:
    assert service.app.state.region is not None
    assert gc.get_threshold() == collector.THRESHOLDS
    assert gc.get_freeze_count() > 10_000  # the region's objects, the modules
