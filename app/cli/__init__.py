"""The `satria` command: the service, region packs, the database, users and the registry.

One module per group of commands; ``common`` holds what they share.
"""

from __future__ import annotations

import typer

from app.cli import crews, devices, monthly, outbox, people, regions, reports, service

app = typer.Typer(help="Satria: emergency ambulance referral routing (PSC 119 Banyumas).")
app.registered_commands += (
    service.app.registered_commands
    + reports.app.registered_commands
    + outbox.app.registered_commands
)
app.add_typer(regions.region_app, name="region")
app.add_typer(service.db_app, name="db")
app.add_typer(people.users_app, name="users")
app.add_typer(people.registry_app, name="registry")
app.add_typer(devices.devices_app, name="devices")
app.add_typer(crews.crews_app, name="crews")
app.add_typer(reports.speeds_app, name="speeds")
app.add_typer(monthly.report_app, name="report")


def main() -> None:
    """Entry point of the `satria` console script."""
    app()


if __name__ == "__main__":
    main()
