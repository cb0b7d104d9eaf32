"""Enrolling crews' phones: a QR code an administrator prints, scanned once by the phone."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated

import segno
import typer
from sqlmodel import Session

from app.cli.common import console, prepared
from app.errors import SatriaError
from app.services.enrolment import enrol_crew

crews_app = typer.Typer(help="Crews' phones: enrolment by QR code.")


@crews_app.command("enrol")
def crews_enrol(
    ambulance: Annotated[str, typer.Option(help="The ambulance whose crew's phone enrols.")],
    url: Annotated[
        str, typer.Option(help="This service's address as the phone reaches it.")
    ] = "http://127.0.0.1:8000",
    png: Annotated[Path | None, typer.Option(help="Where to write the QR code as PNG.")] = None,
    hours: Annotated[int, typer.Option(min=1, max=168, help="How long the code works.")] = 24,
) -> None:
    """Print a one-time QR code (in the terminal and as PNG) that opens the crew app on the
    phone and signs it in as this ambulance's crew. The link is on the last line."""
    _settings, engine, _vault, _region = prepared()
    try:
        with Session(engine) as session:
            made = enrol_crew(session, ambulance, valid_for=timedelta(hours=hours))
    except SatriaError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    link = f"{url.rstrip('/')}/crew/#enrol={made.code}"
    code = segno.make(link, error="m")
    path = png or Path(f"enrol-{ambulance}.png")
    code.save(str(path), scale=8, border=4)
    code.terminal(compact=True)
    console.print(
        f"ambulance {ambulance}: scan once before {made.expires_at:%Y-%m-%d %H:%M} UTC; "
        f"PNG written to {path}"
    )
    typer.echo(link)
