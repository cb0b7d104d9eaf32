"""Running the service: serve, the demo, the simulator, migrations."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from datetime import timedelta
from typing import Annotated

import typer
import uvicorn
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from app.cli.common import console, now, prepared
from app.core import collector
from app.core.config import Settings
from app.core.db import upgrade
from app.core.logging import log_config
from app.errors import InputError
from app.main import create_app
from app.models import Call
from app.services.history import HistoryWriter, parse_span
from app.services.simulation import demo_keys, prepare_fleet
from routing import Region
from tracking.simulation_run import SimulationSettings
from tracking.simulator import simulate as run_simulation

app = typer.Typer()
DEMO_HISTORY = timedelta(days=90)  # of SYNTHETIC calls, written at the demo's first start
db_app = typer.Typer(help="The database: migrations.")


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Apply the database migrations (SQLite or PostgreSQL, from SATRIA_DATABASE_URL)."""
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
    refuse_share: Annotated[
        float, typer.Option(min=0, max=1, help="Share of assignments a crew refuses.")
    ] = 0.05,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 1,
    history: Annotated[
        str | None,
        typer.Option(
            help="Instead of driving crews: write this much SYNTHETIC call history up to now "
            "(e.g. 90d, 12w, 36h) straight into the database, and stop."
        ),
    ] = None,
    calls_per_day: Annotated[
        float, typer.Option(min=0.1, max=10_000, help="With --history: calls a day.")
    ] = 40.0,
) -> None:
    """Drive simulated ambulances (SYNTHETIC) along the region's roads through the public API;
    or, with --history, fill the database with months of SYNTHETIC calls for the reports.

    Uses the same settings (database, region) as `satria serve`: it makes the crew keys it
    needs, and SYNTHETIC extra ambulances at the posts if the region has too few.
    """
    settings, engine, _vault, region = prepared()
    if history is not None:
        _write_history(engine, region, history, calls_per_day, seed)
        return
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
        base_url=base_url,
        rate_hz=rate,
        duration_s=duration,
        seed=seed,
        operator_key=operator_key,
        tunnel_every_s=tunnel_every or None,
        tunnel_s=tunnel_s,
        bad_fix_probability=bad_fix_share,
        refuse_share=refuse_share,
    )
    collector.settle()  # hundreds of crews in one process: no pause of its own counted as lag
    try:
        simulation = run_simulation(region, crews, options, clock=now, stop_on_sigterm=True)
        stats = asyncio.run(simulation)
    except KeyboardInterrupt:
        return
    console.print_json(json.dumps(stats.as_dict()))


def _write_history(
    engine: Engine, region: Region, span: str, calls_per_day: float, seed: int
) -> None:
    try:
        length = parse_span(span)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--history") from exc
    until = now()
    count = round(calls_per_day * length.total_seconds() / 86400)
    try:
        writer = HistoryWriter(engine, region, now=until, seed=seed)
    except InputError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    began = time.perf_counter()
    written = writer.write(until - length, until, count)
    console.print(
        f"{written} SYNTHETIC calls over the last {span}, written in "
        f"{time.perf_counter() - began:.1f} s: see /reports"
    )


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
    settings, engine, _vault, region = prepared()
    with Session(engine) as session:
        crews, operator_key = prepare_fleet(session, region, count=ambulances)
        keys = demo_keys(session, region)
        history = session.exec(select(Call.id).where(col(Call.synthetic)).limit(1)).first()
    if history is None:  # the reports have something to show from the first start
        until = now()
        HistoryWriter(engine, region, now=until, seed=seed).write(
            until - DEMO_HISTORY, until, round(DEMO_HISTORY.days * 40)
        )
    engine.dispose()
    listen_port = port or settings.port
    base_url = f"http://{settings.host}:{listen_port}"
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, region=region),
            host=settings.host,
            port=listen_port,
            log_level="warning",
            timeout_graceful_shutdown=5,
        )
    )
    options = SimulationSettings(
        base_url=base_url,
        rate_hz=rate,
        seed=seed,
        operator_key=operator_key,
        calls_per_s=0.5,  # calls come in one by one, as they would on a shift
    )

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
            f"  reports            {base_url}/reports (the operator key; "
            f"{DEMO_HISTORY.days} days of SYNTHETIC history)\n"
            f"  {len(crews)} simulated ambulances (SYNTHETIC) take calls. The keys are shown "
            "once and expire in a day. Ctrl-C stops."
        )
        simulation = asyncio.create_task(run_simulation(region, crews, options, clock=now))
        while not server.should_exit:  # until Ctrl-C or SIGTERM
            await asyncio.sleep(0.2)
        simulation.cancel()  # its sockets close first, so that the server can stop
        await asyncio.gather(simulation, return_exceptions=True)
        await serving

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())
