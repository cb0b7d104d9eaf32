"""One path for every fix, live or backfilled: store (then the caller may acknowledge),
then work out ETA and arrival and publish to the feeds. Publishing never delays storing."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Engine

from app.services.fixes import Stored, store_fixes
from app.services.live import after_fix
from routing import Region
from tracking.fixes import Fix

if TYPE_CHECKING:  # the state holds services that import this module
    from app.services.state import ServiceState

log = logging.getLogger("satria.ingest")


async def store(
    engine: Engine, region: Region, state: ServiceState, *, ambulance_id: str, fixes: list[Fix]
) -> Stored:
    """Judge and store a batch in a worker thread; returns once it is committed."""
    return await run_in_threadpool(
        store_fixes, engine, ambulance_id=ambulance_id, fixes=fixes, bbox=region.meta.bbox,
        rules=state.fix_rules,
    )  # fmt: skip


async def publish(engine: Engine, region: Region, state: ServiceState, stored: Stored) -> None:
    """ETA, arrival and feed messages for the newest usable fix of a stored batch."""
    if stored.latest is None:
        return
    try:
        messages = await run_in_threadpool(
            after_fix, engine, region=region, tables=state.point_tables, fix=stored.latest
        )
        for message in messages:
            for channel in message.channels:
                await state.broker.publish(
                    channel, message.payload, coalesce_key=message.coalesce_key
                )
    except Exception:  # the fix is stored; a broker outage must not fail the crew's request
        log.exception("publishing the position of %s failed", stored.latest.ambulance_id)
