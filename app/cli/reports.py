"""Reports for the PSC and the health office: coverage, ETA quality, speed profiles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from sqlmodel import Session

from app.cli.common import RegionsDir, console, now, prepared
from app.main import speed_profile
from app.services import roads
from app.services.coverage import DEFAULT_CAPABILITIES
from app.services.coverage_map import RoadsShown, render
from app.services.eta_report import errors_by_period, trips, write_trips
from app.services.readiness import BoardCache
from routing.errors import RoutingError
from routing.pack import DEFAULT_REGIONS_DIR
from routing.region import Region
from routing.speed_fit import fit_profile, read_trips, write_profile

app = typer.Typer()
speeds_app = typer.Typer(help="Time-of-day speed profiles.")


@app.command()
def coverage(
    capability: Annotated[
        list[str] | None,
        typer.Option(
            "--capability",
            "-c",
            help="Capability code (repeat; default: cath_lab, ponek, nicu, neurosurgery).",
        ),
    ] = None,
    limits: Annotated[
        list[int] | None, typer.Option("--limit", help="Minutes (repeat; default 15, 30, 60).")
    ] = None,
    out_dir: Annotated[Path, typer.Option(help="Where the PNG maps are written.")] = Path(),
    at: Annotated[
        datetime | None, typer.Option(help="Time of day of the roads, UTC (default: now).")
    ] = None,
) -> None:
    """Coverage report for the health office: per capability, the area, road length and
    people within each time limit of a hospital that can treat the patient, with the
    readiness and road closures in force; one PNG map per capability."""
    _settings, engine, _vault, region = prepared()
    when = at or now()
    when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    with Session(engine) as session:
        board = BoardCache(region).board(session)
        restrictions = [roads.to_restriction(region, row) for row in roads.active(session, when)]
    engine.dispose()
    region.update(when, restrictions)
    out_dir.mkdir(parents=True, exist_ok=True)
    limits_s = [m * 60.0 for m in (limits or [15, 30, 60])]
    for code in capability or DEFAULT_CAPABILITIES:
        try:
            found = region.coverage(
                code, board.readiness, limits_s=limits_s, hospitals=board.hospitals
            )
        except RoutingError as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(2) from exc
        table = Table(
            title=f"{region.taxonomy.capabilities[code].label} "
            f"({len(found.hospital_ids)} hospitals count"
            f"{', SYNTHETIC region' if region.meta.synthetic else ''})"
        )
        for column in ("within", "area km2", "area", "road km", "roads", "people", "people %"):
            table.add_column(column, justify="right")
        for band in found.bands:
            table.add_row(
                f"{band.limit_s / 60:.0f} min",
                f"{band.area_km2:,.0f}",
                f"{band.area_share:.0%}",
                f"{band.road_km:,.0f}",
                f"{band.road_share:.0%}",
                "-" if band.population is None else f"{band.population:,.0f}",
                "-" if band.population_share is None else f"{band.population_share:.0%}",
            )
        console.print(table)
        for hospital_id, why in found.excluded.items():
            console.print(f"  not counted: {hospital_id} ({why})")
        shown = RoadsShown(when, len(restrictions))
        path = render(region, found, board.hospitals, out_dir / f"coverage-{code}.png", shown)
        console.print(f"  map: {path}")


@app.command("eta-report")
def eta_report(
    days: Annotated[int, typer.Option(min=1, help="Dispatches of the last N days.")] = 30,
    trips_out: Annotated[
        Path | None, typer.Option(help="Also write the tracks as trips for `speeds fit`.")
    ] = None,
) -> None:
    """How good were the ETAs: the ETA given at dispatch against the time the ambulance's own
    stored track took to reach the scene, per time-of-day period."""
    settings, engine, _vault, _region = prepared()
    until = datetime.now(UTC)
    with Session(engine) as session:
        records, unmatched = trips(session, since=until - timedelta(days=days), until=until)
    engine.dispose()
    console.print(
        f"{len(records)} dispatches with a track to the scene in the last {days} days "
        f"({unmatched} without one: no fixes, or never within 100 m of the scene)"
    )
    table = Table(title="ETA given at dispatch against the time taken (error: + is slower)")
    for column in (
        "period",
        "trips",
        "median ETA",
        "median taken",
        "median error",
        "median |error|",
    ):
        table.add_column(column, justify="right")
    for row in errors_by_period(records, speed_profile(settings)):
        table.add_row(
            row.period,
            str(row.trips),
            f"{row.median_given_s / 60:.1f} min",
            f"{row.median_taken_s / 60:.1f} min",
            f"{row.median_error:+.0%}",
            f"{row.median_abs_error:.0%}",
        )
    console.print(table)
    if trips_out is not None:
        write_trips(records, trips_out)
        console.print(f"trips written to {trips_out} (for `satria speeds fit`)")


@speeds_app.command("fit")
def speeds_fit(
    trips: Annotated[
        Path,
        typer.Argument(
            help="CSV: departed_at, from_lon, from_lat, to_lon, "
            "to_lat, duration_s (one observed trip a row)."
        ),
    ],
    out: Annotated[Path, typer.Option(help="The fitted profile (TOML) to write.")] = Path(
        "speed_profiles.fitted.toml"
    ),
    region_name: Annotated[str, typer.Option("--region", help="Region pack.")] = "demo",
    regions_dir: RegionsDir = DEFAULT_REGIONS_DIR,
    min_trips: Annotated[int, typer.Option(min=5, help="Fewest trips an hour bucket needs.")] = 20,
) -> None:
    """Fit time-of-day speed factors per road class to observed trips; use the result with
    SATRIA_SPEED_PROFILE."""
    try:
        region = Region.load(region_name, regions_dir=regions_dir)
        observed, unreadable = read_trips(trips)
        report = fit_profile(region, observed, min_trips=min_trips, skipped=unreadable)
    except (RoutingError, OSError) as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    write_profile(report, out)
    console.print(report.describe())
    for period in report.periods:
        console.print(f"  {period['name']}: {period['speed_factors']}")
    console.print(f"written to {out}")
