"""What every command shares: the console, the clock, and the service's resources.

Commands that work on the service's data get them from ``prepared()``: the same settings,
migrated database, secret check and region as `satria serve`, built the same way.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, NamedTuple

import typer
from rich.console import Console
from sqlalchemy import Engine

from app.core.config import Settings
from app.core.db import make_engine
from app.core.security import PersonalDataVault, SecretKeyError
from app.main import load_region, prepare_database, speed_profile
from routing.region import Region

console = Console()

RegionsDir = Annotated[
    Path,
    typer.Option(envvar="SATRIA_REGIONS_DIR", help="Folder of region packs."),
]


def now() -> datetime:
    """The wall clock: the command line is where the service reads it."""
    return datetime.now(UTC)


class Prepared(NamedTuple):
    """The service's resources for a command: settings, engine, vault, region."""

    settings: Settings
    engine: Engine
    vault: PersonalDataVault
    region: Region


def prepared() -> Prepared:
    """The settings, a database migrated and seeded from the region, with this process's
    secret checked against the database's, and the region (loaded once)."""
    settings = Settings()
    engine = make_engine(settings.database)
    region = load_region(settings)
    region.profile = speed_profile(settings)  # as the service's: rankings at any hour
    try:
        vault, _, _ = prepare_database(settings, engine, region)
    except SecretKeyError as exc:
        engine.dispose()
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    return Prepared(settings, engine, vault, region)
