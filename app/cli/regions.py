"""Region packs: the demo, summaries, imports from OpenStreetMap."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.status import Status
from rich.table import Table

from app.cli.common import RegionsDir, console, now
from routing.demo import DEFAULT_SEED, generate_demo
from routing.errors import RoutingError
from routing.osm_import import ImportReport, import_region
from routing.pack import DEFAULT_REGIONS_DIR, resolve_region_dir
from routing.region import Region

region_app = typer.Typer(help="Region packs: roads, hospitals, ambulance posts.")


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
                imported_at=now(),
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
