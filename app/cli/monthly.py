"""`satria report monthly`: the health office's monthly response-time report (PDF and PNG)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from sqlmodel import Session

from app.cli.common import console, now, prepared
from app.errors import InputError
from app.services.monthly_report import build
from app.services.report_aggregates import INTERVALS, Shifts
from app.services.report_desk import ReportDesk, names_of

report_app = typer.Typer(help="Reports for the PSC and the district health office.")


@report_app.command("monthly")
def monthly(
    month: Annotated[str, typer.Option(help="The month, in WIB: YYYY-MM (e.g. 2026-11).")],
    out_dir: Annotated[Path, typer.Option(help="Where the PDF and the PNG charts go.")] = Path(),
    lang: Annotated[str, typer.Option(help="id (Bahasa Indonesia) or en.")] = "id",
) -> None:
    """Write the month's report for the health office: a PDF (headline against the targets
    in settings, what did not go to plan, charts, tables by district, post and hospital,
    the slowest calls) and its charts as PNG; labelled SYNTHETIC when the data is."""
    if lang not in ("id", "en"):
        raise typer.BadParameter("id or en", param_hint="--lang")
    settings, engine, _vault, region = prepared()
    desk = ReportDesk(settings.report_targets_min, Shifts(tuple(settings.report_shifts_h)))
    names = names_of(region)
    try:
        with Session(engine) as session:
            report = build(session, desk, month=month, names=names, made_at=now(),
                           region_name=region.meta.title, region_synthetic=region.meta.synthetic,
                           lang=lang)  # fmt: skip
    except InputError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    finally:
        engine.dispose()
    out_dir.mkdir(parents=True, exist_ok=True)
    pdf = out_dir / f"satria-report-{month}.pdf"
    pdf.write_bytes(report.pdf)
    for name, png in report.charts.items():
        (out_dir / f"satria-report-{month}-{name}").write_bytes(png)
    table = Table(title=f"{month}{' (SYNTHETIC)' if report.synthetic else ''}")
    for column in ("interval", "calls", "median min", "p90 min", "target min", "within"):
        table.add_column(column, justify="right")
    for h in report.figures.headline:
        table.add_row(
            INTERVALS[h.interval].label_en,
            str(h.calls),
            f"{h.median_s / 60:.1f}" if h.median_s is not None else "-",
            f"{h.p90_s / 60:.1f}" if h.p90_s is not None else "-",
            f"{h.target_min:g}" if h.target_min else "-",
            f"{h.within_target:.0%}" if h.within_target is not None else "-",
        )
    console.print(table)
    console.print(f"written {pdf} and {len(report.charts)} PNG charts beside it")
