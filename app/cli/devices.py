"""Phones that report with Traccar Client: their identifiers, each bound to an ambulance."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from sqlmodel import Session

from app.cli.common import console, prepared
from app.errors import SatriaError
from app.services import devices

devices_app = typer.Typer(help="Phones reporting GPS with Traccar Client (OsmAnd protocol).")


@devices_app.command("add")
def devices_add(
    ambulance: Annotated[str, typer.Option(help="The ambulance the phone rides in.")],
    label: Annotated[str, typer.Option(help="Which phone (e.g. 'HP Samsung A14 sopir').")] = "",
) -> None:
    """Register a phone; prints its device identifier on the last line, to type into Traccar
    Client (Settings: Device identifier; Server URL: this service's /osmand). Shown this
    once: only its hash is kept."""
    _settings, engine, _vault, _region = prepared()
    try:
        with Session(engine) as session:
            identifier = devices.register_device(session, ambulance, label=label)
    except SatriaError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    console.print(f"device registered for ambulance {ambulance}; its identifier:")
    typer.echo(identifier)


@devices_app.command("list")
def devices_list() -> None:
    """Every registered phone (identifiers are not kept, so not shown)."""
    _settings, engine, _vault, _region = prepared()
    with Session(engine) as session:
        rows = devices.list_devices(session)
    table = Table("id", "ambulance", "label", "registered", "revoked")
    for row in rows:
        revoked = f"{row.revoked_at:%Y-%m-%d %H:%M}" if row.revoked_at else ""
        registered = f"{row.created_at:%Y-%m-%d}"
        table.add_row(str(row.id), row.ambulance_id, row.label, registered, revoked)
    console.print(table)


@devices_app.command("revoke")
def devices_revoke(device_id: Annotated[int, typer.Argument(help="The device's id.")]) -> None:
    """Stop accepting a phone's positions (lost, or handed on)."""
    _settings, engine, _vault, _region = prepared()
    try:
        with Session(engine) as session:
            devices.revoke_device(session, device_id)
    except SatriaError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    console.print(f"device {device_id} revoked")
