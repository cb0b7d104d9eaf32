"""Readiness: is this process able to serve? The database answers, the broker answers, the
region is loaded. Each check is bounded in time, so that a hung database makes the probe fail
instead of hang."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Engine, text

CHECK_TIMEOUT_S = 3.0


def _ping_database(engine: Engine) -> None:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))


async def readiness(app: Any) -> dict[str, str]:
    """``{"database": "ok" | why not, "broker": ..., "region": ...}``."""
    state = app.state
    checks: dict[str, str] = {}
    engine = getattr(state, "engine", None)
    try:
        if engine is None:
            raise RuntimeError("no engine yet")
        await asyncio.wait_for(run_in_threadpool(_ping_database, engine), CHECK_TIMEOUT_S)
        checks["database"] = "ok"
    except Exception as exc:  # a probe reports, it does not raise
        checks["database"] = f"failed: {type(exc).__name__}"
    services = getattr(state, "services", None)
    try:
        answered = services is not None and await asyncio.wait_for(
            services.broker.ping(), CHECK_TIMEOUT_S
        )
        checks["broker"] = "ok" if answered else "failed: no answer"
    except Exception as exc:
        checks["broker"] = f"failed: {type(exc).__name__}"
    region = getattr(state, "region", None)
    checks["region"] = "ok" if region is not None else "not loaded"
    return checks
