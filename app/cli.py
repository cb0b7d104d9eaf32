"""The `satria` command: the service, region packs, the database, users and the registry."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.status import Status
from rich.table import Table

from routing.demo import DEFAULT_SEED, generate_demo
from routing.errors import RoutingError
from routing.osm_import import ImportReport, import_region
from routing.region import DEFAULT_REGIONS_DIR, Region, resolve_region_dir

app = typer.Typer(help="Satria: emergency ambulance referral routing (PSC 119 Banyumas).")
region_app = typer.Typer(help="Region packs: roads, hospitals, ambulance posts.")
app.add_typer(region_app, name="region")
db_app = typer.Typer(help="The database: migrations.")
app.add_typer(db_app, name="db")
users_app = typer.Typer(help="Users and their API keys.")
app.add_typer(users_app, name="users")
registry_app = typer.Typer(help="The local civil registry for offline NIK verification.")
app.add_typer(registry_app, name="registry")
speeds_app = typer.Typer(help="Time-of-day speed profiles.")
app.add_typer(speeds_app, name="speeds")
console = Console()

RegionsDir = Annotated[
    Path,
    typer.Option(envvar="SATRIA_REGIONS_DIR", help="Folder of region packs."),
]


def main() -> None:
    """Entry point of the `satria` console script."""
    app()


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Apply the database migrations (SQLite or PostgreSQL, from SATRIA_DATABASE_URL)."""
    from app.core.config import Settings  # noqa: PLC0415
    from app.core.db import upgrade  # noqa: PLC0415

    settings = Settings()
    upgrade(settings.database, revision)
    console.print(f"database at {revision}: {settings.database.split('@')[-1]}")


@app.command()
def serve(
    host: Annotated[
        str | None, typer.Option(help="Listen address (default from settings).")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port (default from settings).")] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1, help="Worker processes (default from settings; several need PostgreSQL)."
        ),
    ] = None,
) -> None:
    """Run the service on the configured (by default embedded) resources."""
    import uvicorn  # noqa: PLC0415 - only this command needs the server

    from app.core.config import Settings  # noqa: PLC0415
    from app.core.logging import log_config  # noqa: PLC0415

    settings = Settings()
    # Each worker builds its own app from the same SATRIA_* settings.
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.workers,
        log_config=log_config(settings.log_format),
        ws_max_size=1 << 20,  # 1 MiB: a batch of 5,000 fixes fits; anything bigger is closed
    )


def _prepared_database() -> tuple[Any, Any, Any]:
    """Settings, engine and vault of a database that is migrated and seeded from the region,
    with this process's secret checked against the database's."""
    from app.core.config import Settings  # noqa: PLC0415
    from app.core.db import make_engine  # noqa: PLC0415
    from app.core.security import SecretKeyError  # noqa: PLC0415
    from app.main import load_region, prepare_database  # noqa: PLC0415

    settings = Settings()
    engine = make_engine(settings.database)
    try:
        vault, _, _ = prepare_database(settings, engine, load_region(settings))
    except SecretKeyError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    return settings, engine, vault


@users_app.command("create")
def users_create(
    name: Annotated[str, typer.Option(help="Who the key is for.")],
    role: Annotated[str, typer.Option(help="operator, crew, hospital, facility, agency, admin.")],
    hospital: Annotated[str | None, typer.Option(help="Hospital id (role hospital).")] = None,
    ambulance: Annotated[str | None, typer.Option(help="Ambulance id (role crew).")] = None,
    lon: Annotated[float | None, typer.Option(help="Facility longitude (role facility).")] = None,
    lat: Annotated[float | None, typer.Option(help="Facility latitude (role facility).")] = None,
    incidents: Annotated[
        str | None,
        typer.Option(help="Incident kinds an agency follows, comma-separated (role agency)."),
    ] = None,
    days: Annotated[int | None, typer.Option(help="Key lifetime in days.")] = None,
) -> None:
    """Create a user and print its API key (shown this once; only its hash is kept)."""
    from sqlmodel import Session  # noqa: PLC0415

    from app.errors import SatriaError  # noqa: PLC0415
    from app.models import Incident, Role  # noqa: PLC0415
    from app.services import users  # noqa: PLC0415
    from routing import LonLat  # noqa: PLC0415

    try:
        role_value = Role(role)
    except ValueError:
        console.print(f"[red]unknown role {role!r}[/red]: one of {', '.join(Role)}")
        raise typer.Exit(2) from None
    try:
        followed = [Incident(i.strip()) for i in (incidents or "").split(",") if i.strip()]
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]: incident kinds are {', '.join(Incident)}")
        raise typer.Exit(2) from None
    settings, engine, _vault = _prepared_database()
    facility = LonLat(lon, lat) if lon is not None and lat is not None else None
    try:
        with Session(engine) as session:
            user = users.create_user(
                session, name=name, role=role_value, hospital_id=hospital,
                ambulance_id=ambulance, facility=facility, incidents=followed,
            )  # fmt: skip
            issued = users.issue_key(
                session, user_id=user.id or 0, days=days or settings.api_key_days
            )
            session.commit()
    except SatriaError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    expiry = f"expires {issued.expires_at:%Y-%m-%d}" if issued.expires_at else "no expiry"
    console.print(f"user {issued.user_id} ({role_value}), key {issued.key_id}, {expiry}")
    typer.echo(issued.key)


@app.command()
def simulate(
    ambulances: Annotated[int, typer.Option(min=1, help="Crews to drive.")] = 10,
    rate: Annotated[float, typer.Option(min=0.01, max=20, help="Fixes per second per crew.")] = 1.0,
    duration: Annotated[
        float | None, typer.Option(min=1, help="Seconds to run (default: until Ctrl-C).")
    ] = None,
    url: Annotated[str | None, typer.Option(help="The service (default from settings).")] = None,
    missions: Annotated[
        bool, typer.Option(help="Take calls, dispatch and refer (else crews roam).")
    ] = True,
    tunnel_every: Annotated[
        float,
        typer.Option(min=0, help="Mean seconds between a crew's offline gaps (0: never)."),
    ] = 900.0,
    tunnel_s: Annotated[float, typer.Option(min=1, help="How long a gap lasts (s).")] = 40.0,
    bad_fix_share: Annotated[
        float, typer.Option(min=0, max=1, help="Share of fixes that are bad on purpose.")
    ] = 0.003,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 1,
) -> None:
    """Drive simulated ambulances (SYNTHETIC) along the region's roads through the public API.

    Uses the same settings (database, region) as `satria serve`: it makes the crew keys it
    needs, and SYNTHETIC extra ambulances at the posts if the region has too few.
    """
    import asyncio  # noqa: PLC0415
    import json  # noqa: PLC0415

    from sqlmodel import Session  # noqa: PLC0415

    from app.main import load_region  # noqa: PLC0415
    from app.services.simulation import prepare_fleet  # noqa: PLC0415
    from tracking.simulator import SimulationSettings  # noqa: PLC0415
    from tracking.simulator import simulate as run_simulation  # noqa: PLC0415

    settings, engine, _vault = _prepared_database()
    region = load_region(settings)
    with Session(engine) as session:
        crews, operator_key = prepare_fleet(
            session, region, count=ambulances, with_operator=missions
        )
    base_url = url or f"http://127.0.0.1:{settings.port}"
    console.print(
        f"simulating {len(crews)} ambulances (SYNTHETIC) at {rate} Hz against {base_url}"
        f"{', with missions' if missions else ''}; Ctrl-C stops"
    )
    options = SimulationSettings(
        base_url=base_url, rate_hz=rate, duration_s=duration, seed=seed,
        operator_key=operator_key, tunnel_every_s=tunnel_every or None, tunnel_s=tunnel_s,
        bad_fix_probability=bad_fix_share,
    )  # fmt: skip
    try:
        stats = asyncio.run(run_simulation(region, crews, options, clock=_now))
    except KeyboardInterrupt:
        return
    console.print_json(json.dumps(stats.as_dict()))


@app.command()
def demo(
    port: Annotated[int | None, typer.Option(help="Port (default from settings).")] = None,
    ambulances: Annotated[int, typer.Option(min=1, help="Simulated crews.")] = 24,
    rate: Annotated[float, typer.Option(min=0.1, max=5, help="Fixes per second per crew.")] = 1.0,
    seed: Annotated[int, typer.Option(help="Random seed of the simulation.")] = 7,
) -> None:
    """Everything a newcomer needs to see Satria work: the service on the embedded defaults,
    demo keys (printed once), and simulated ambulances (SYNTHETIC) taking calls, driving to
    the scene and to hospital, so that the console and the board show a live system."""
    import asyncio  # noqa: PLC0415

    import uvicorn  # noqa: PLC0415
    from sqlmodel import Session  # noqa: PLC0415

    from app.main import create_app, load_region  # noqa: PLC0415
    from app.services.simulation import demo_keys, prepare_fleet  # noqa: PLC0415
    from tracking.simulator import SimulationSettings  # noqa: PLC0415
    from tracking.simulator import simulate as run_simulation  # noqa: PLC0415

    settings, engine, _vault = _prepared_database()
    region = load_region(settings)
    with Session(engine) as session:
        crews, operator_key = prepare_fleet(session, region, count=ambulances)
        keys = demo_keys(session, region)
    engine.dispose()
    listen_port = port or settings.port
    base_url = f"http://{settings.host}:{listen_port}"
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings, region=region), host=settings.host,
                       port=listen_port, log_level="warning", timeout_graceful_shutdown=5)
    )  # fmt: skip
    options = SimulationSettings(
        base_url=base_url, rate_hz=rate, seed=seed, operator_key=operator_key,
        calls_per_s=0.5,  # calls come in one by one, as they would on a shift
    )  # fmt: skip

    async def run() -> None:
        serving = asyncio.create_task(server.serve())
        while not server.started:
            if serving.done():
                return  # it could not start (the port is taken): uvicorn said why
            await asyncio.sleep(0.1)
        typer.echo(
            f"Satria demo: {region.meta.title}\n"
            f"  operator console   {base_url}/console\n"
            f"      key            {keys.operator}\n"
            f"  hospital board     {base_url}/board/{keys.hospital_id} ({keys.hospital_name})\n"
            f"      key            {keys.hospital}\n"
            f"  {len(crews)} simulated ambulances (SYNTHETIC) take calls. The keys are shown "
            "once and expire in a day. Ctrl-C stops."
        )
        simulation = asyncio.create_task(run_simulation(region, crews, options, clock=_now))
        while not server.should_exit:  # until Ctrl-C or SIGTERM
            await asyncio.sleep(0.2)
        simulation.cancel()  # its sockets close first, so that the server can stop
        await asyncio.gather(simulation, return_exceptions=True)
        await serving

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())


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
    from sqlmodel import Session  # noqa: PLC0415

    from app.main import load_region, speed_profile  # noqa: PLC0415
    from app.services import roads  # noqa: PLC0415
    from app.services.coverage import DEFAULT_CAPABILITIES  # noqa: PLC0415
    from app.services.coverage_map import render  # noqa: PLC0415
    from app.services.hospitals import BoardCache  # noqa: PLC0415

    settings, engine, _vault = _prepared_database()
    region = load_region(settings)
    when = at or datetime.now(UTC)
    when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    with Session(engine) as session:
        board = BoardCache(region).board(session)
        restrictions = [roads.to_restriction(region, row) for row in roads.active(session, when)]
    engine.dispose()
    region.profile = speed_profile(settings)
    region.update(when, restrictions)
    out_dir.mkdir(parents=True, exist_ok=True)
    limits_s = [m * 60.0 for m in (limits or [15, 30, 60])]
    for code in capability or DEFAULT_CAPABILITIES:
        try:
            found = region.coverage(code, board.readiness, limits_s=limits_s,
                                    hospitals=board.hospitals)  # fmt: skip
        except RoutingError as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(2) from exc
        table = Table(title=f"{region.taxonomy.capabilities[code].label} "
                      f"({len(found.hospital_ids)} hospitals count"
                      f"{', SYNTHETIC region' if region.meta.synthetic else ''})")  # fmt: skip
        for column in ("within", "area km2", "area", "road km", "roads", "people", "people %"):
            table.add_column(column, justify="right")
        for band in found.bands:
            table.add_row(
                f"{band.limit_s / 60:.0f} min", f"{band.area_km2:,.0f}", f"{band.area_share:.0%}",
                f"{band.road_km:,.0f}", f"{band.road_share:.0%}",
                "-" if band.population is None else f"{band.population:,.0f}",
                "-" if band.population_share is None else f"{band.population_share:.0%}",
            )  # fmt: skip
        console.print(table)
        for hospital_id, why in found.excluded.items():
            console.print(f"  not counted: {hospital_id} ({why})")
        path = render(region, found, board.hospitals, out_dir / f"coverage-{code}.png",
                      when=when, restrictions=len(restrictions))  # fmt: skip
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
    from datetime import timedelta  # noqa: PLC0415

    from sqlmodel import Session  # noqa: PLC0415

    from app.main import speed_profile  # noqa: PLC0415
    from app.services.eta_report import errors_by_period, trips, write_trips  # noqa: PLC0415

    settings, engine, _vault = _prepared_database()
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
            row.period, str(row.trips), f"{row.median_given_s / 60:.1f} min",
            f"{row.median_taken_s / 60:.1f} min", f"{row.median_error:+.0%}",
            f"{row.median_abs_error:.0%}",
        )  # fmt: skip
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
    from routing.speed_fit import fit_profile, read_trips, write_profile  # noqa: PLC0415

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


@registry_app.command("import")
def registry_import(
    csv_file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV: nik,name")],
) -> None:
    """Import residents into the local civil registry (offline NIK verification)."""
    from sqlmodel import Session  # noqa: PLC0415

    from app.services.registry import import_csv  # noqa: PLC0415

    _settings, engine, vault = _prepared_database()
    with Session(engine) as session:
        result = import_csv(session, vault, csv_file)
    console.print(
        f"added {result.added}, updated {result.updated}, rejected {len(result.rejected)}"
    )
    for line in result.rejected[:50]:
        console.print(f"  {line}")


@region_app.command("demo")
def region_demo(
    regions_dir: RegionsDir = DEFAULT_REGIONS_DIR,
    seed: Annotated[
        int, typer.Option(help="Generator seed (the default is the shipped demo).")
    ] = DEFAULT_SEED,
) -> None:
    """Generate the synthetic demo region (deterministic), then summarise it."""
    out = regions_dir / "demo"
    with console.status("generating the demo region") as status:
        report = generate_demo(out, seed=seed, progress=status.update)
    console.print(f"[bold]SYNTHETIC[/bold] demo region written to {out}")
    console.print(report.components.describe())
    _show(Region.load(out))


@region_app.command("show")
def region_show(name: str, regions_dir: RegionsDir = DEFAULT_REGIONS_DIR) -> None:
    """Summarise a region pack: nodes, edges, km of road by class, hospitals, licence."""
    try:
        region = Region.load(name, regions_dir=regions_dir)
    except RoutingError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    _show(region)


@region_app.command("import")
def region_import(
    name: str,
    place: Annotated[
        str | None, typer.Option(help="OSM place name (downloads; online only).")
    ] = None,
    osm_file: Annotated[Path | None, typer.Option(help="A local .osm file (offline).")] = None,
    hospitals: Annotated[
        Path | None,
        typer.Option(help="The operator's hospital list (hospitals.csv columns), matched to OSM."),
    ] = None,
    title: Annotated[
        str | None, typer.Option(help="The region's title, as people read it.")
    ] = None,
    regions_dir: RegionsDir = DEFAULT_REGIONS_DIR,
) -> None:
    """Import roads and hospitals from OpenStreetMap into data/regions/NAME."""
    try:
        directory = resolve_region_dir(name, regions_dir)
    except RoutingError:
        directory = regions_dir / name
    try:
        with console.status("importing") as status:
            report = import_region(
                directory,
                imported_at=_now(),
                place=place,
                osm_file=osm_file,
                name=name,
                title=title,
                hospitals_file=hospitals,
                progress=lambda m: _progress(status, m),
            )
    except RoutingError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    _print_import(report)
    _show(Region.load(directory))
    for warning in report.warnings:
        console.print(f"[bold red]WARNING[/bold red]: {warning}")


def _now() -> datetime:
    """The wall clock: the command line is where the service reads it."""
    return datetime.now(UTC)


def _progress(status: Status, message: str) -> None:
    status.update(message)
    console.log(message)


def _print_import(report: ImportReport) -> None:
    for line in report.lines():
        if not line.startswith("WARNING"):
            console.print(line)
    hospitals = report.hospitals
    if hospitals is None:
        return
    for title, items in (
        ("matched", hospitals.matched),
        ("added (fill in capabilities)", hospitals.added),
        ("ambiguous (not guessed)", hospitals.ambiguous),
        ("skipped", hospitals.skipped),
        ("in the operator's list, not found in OSM", hospitals.not_in_osm),
    ):
        if items:
            console.print(f"[bold]hospitals {title}[/bold]: {len(items)}")
            for item in items:
                console.print(f"  - {item}")


def _show(region: Region) -> None:
    s = region.summary()
    label = "[bold red]SYNTHETIC DATA[/bold red]" if s["synthetic"] else f"licence: {s['licence']}"
    console.print(f"[bold]{s['title']}[/bold] ({s['name']}) - {label}")
    console.print(f"source: {s['source']}\nattribution: {s['attribution']}")
    console.print(f"bbox (lon, lat): {s['bbox']}")
    console.print(f"nodes: {s['nodes']:,}   directed edges: {s['edges']:,}")
    roads = Table("road class", "km", title="Road length by class (two-way roads once)")
    for cls, km in sorted(s["road_km_by_class"].items(), key=lambda kv: -kv[1]):
        roads.add_row(cls, f"{km:,.1f}")
    roads.add_row("[bold]total[/bold]", f"{sum(s['road_km_by_class'].values()):,.1f}")
    console.print(roads)
    caps = Table("capability", "hospitals", title=f"{s['hospitals']} hospitals by capability")
    for cap, count in s["hospitals_by_capability"].items():
        caps.add_row(cap, str(count))
    console.print(caps)
    classes = ", ".join(f"{k}: {v}" for k, v in sorted(s["hospitals_by_class"].items()))
    console.print(f"hospitals by class: {classes}")
    console.print(f"ambulance posts: {s['ambulance_posts']} with {s['ambulances']} ambulances")
    t = region.timings
    console.print(f"loaded in {t.total_s:.2f} s (tables {t.tables_s:.2f} s)")


if __name__ == "__main__":
    main()
