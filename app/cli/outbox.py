"""`satria outbox`: the messages the development gateway kept instead of sending them (the
one-time codes a developer or a test types in), newest first."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlmodel import Session, col, select

from app.cli.common import console, prepared
from app.models import OutboxMessage
from app.services.callers import mask_phone

app = typer.Typer()


@app.command("outbox")
def outbox(
    limit: Annotated[int, typer.Option(help="How many messages, newest first.")] = 10,
    full_phone: Annotated[bool, typer.Option(help="Show the whole phone number.")] = False,
) -> None:
    """Show the outbox: when, to which phone (masked), what, and whether it was sent."""
    _settings, engine, vault, _region = prepared()
    with Session(engine) as session:
        rows = session.exec(
            select(OutboxMessage).order_by(col(OutboxMessage.id).desc()).limit(limit)
        ).all()
    engine.dispose()
    for row in rows:
        phone = vault.decrypt(row.phone_ciphertext)
        shown = phone if full_phone else mask_phone(phone)
        sent = "sent" if row.sent else "kept"
        console.print(f"{row.created_at:%Y-%m-%d %H:%M:%S} {shown} ({row.purpose}, {sent})")
        console.print(f"  {vault.decrypt(row.text_ciphertext)}", markup=False)
    if not rows:
        console.print("the outbox is empty")
