"""People: users and their API keys, and the local civil registry."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlmodel import Session

from app.cli.common import console, prepared
from app.errors import SatriaError
from app.models import Incident, Role
from app.services import users
from app.services.registry import import_csv
from routing import LonLat

users_app = typer.Typer(help="Users and their API keys.")
registry_app = typer.Typer(help="The local civil registry for offline NIK verification.")


@users_app.command("create")
def users_create(
    name: Annotated[str, typer.Option(help="Who the key is for.")],
    role: Annotated[
        str,
        typer.Option(
            help="operator, crew, hospital, hospital-system, facility, agency, health-office, "
            "admin."
        ),
    ],
    hospital: Annotated[
        str | None, typer.Option(help="Hospital id (role hospital or hospital-system).")
    ] = None,
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
    settings, engine, _vault, _region = prepared()
    facility = LonLat(lon, lat) if lon is not None and lat is not None else None
    try:
        with Session(engine) as session:
            new = users.NewUser(
                name,
                role_value,
                hospital_id=hospital,
                ambulance_id=ambulance,
                facility=facility,
                incidents=followed,
            )
            user = users.create_user(session, new)
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


@registry_app.command("import")
def registry_import(
    csv_file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV: nik,name")],
) -> None:
    """Import residents into the local civil registry (offline NIK verification)."""
    _settings, engine, vault, _region = prepared()
    with Session(engine) as session:
        result = import_csv(session, vault, csv_file)
    console.print(
        f"added {result.added}, updated {result.updated}, rejected {len(result.rejected)}"
    )
    for line in result.rejected[:50]:
        console.print(f"  {line}")
