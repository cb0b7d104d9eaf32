"""The FastAPI application: resources from the lifespan, routers, error mapping."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app import errors
from app.api.routes import routing
from app.core.config import Settings
from app.core.db import make_engine, upgrade
from routing import Region
from routing.demo import generate_demo
from routing.errors import RegionNotFoundError

log = logging.getLogger("satria")


def load_region(settings: Settings) -> Region:
    """The configured region; the demo region is generated on first use (deterministic)."""
    try:
        return Region.load(
            settings.region, regions_dir=settings.regions_dir, max_snap_m=settings.max_snap_m
        )
    except RegionNotFoundError:
        if settings.region != "demo":
            raise
        log.info("generating the SYNTHETIC demo region in %s", settings.regions_dir / "demo")
        generate_demo(settings.regions_dir / "demo")
        return Region.load("demo", regions_dir=settings.regions_dir, max_snap_m=settings.max_snap_m)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application; resources live in the lifespan, not in module globals."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        upgrade(settings.database)  # the schema is current before the first request
        app.state.engine = make_engine(settings.database)
        app.state.region = load_region(settings)
        gc.freeze()  # the region's objects live as long as the process: keep them out of GC scans
        log.info("region %s loaded (%s)", app.state.region.meta.name, app.state.region.meta.title)
        try:
            yield
        finally:
            app.state.engine.dispose()

    app = FastAPI(
        title="Satria",
        description="Emergency ambulance referral routing for PSC 119 Kabupaten Banyumas.",
        version="0.1.0",
        lifespan=lifespan,
    )
    errors.install(app)
    app.include_router(routing.router)

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    return app
