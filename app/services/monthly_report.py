"""The monthly report for the district health office: a PDF (A4) and its charts as PNG.

Page one is the month's headline against the targets in settings and what did not go to plan;
then the response time by week, shift and district as charts; the figures by district, post
and receiving hospital as tables; the slowest calls. Every page says SYNTHETIC when any call
of the month came from the simulator (or the region itself is synthetic). The figures are the
dashboard's (``ReportDesk.dashboard``): the same numbers on screen and on paper.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import matplotlib as mpl

mpl.use("Agg")  # files only, never a window
import matplotlib.pyplot as plt
from fpdf import FPDF
from matplotlib.figure import Figure
from sqlmodel import Session

from app.errors import InputError
from app.services.referral_answers import AnswerTerms
from app.services.report_aggregates import INTERVALS, Summary
from app.services.report_desk import Dashboard, ReportDesk

WIB = timedelta(hours=7)
TEXT = {
    "id": {
        "title": "Laporan Waktu Tanggap PSC 119", "period": "Periode", "made": "Dibuat",
        "synthetic": "DATA SINTETIS - bukan data panggilan sungguhan",
        "headline": "Ringkasan bulan ini terhadap target", "interval": "Interval",
        "calls": "Panggilan", "median": "Median", "p90": "P90", "target": "Target",
        "within": "Dalam target", "none": "-", "counts": "Yang tidak berjalan sesuai rencana",
        "kind": "Jenis", "count": "Jumlah", "reasons": "Alasan",
        "notes": "Median: separuh panggilan lebih cepat. P90: 9 dari 10 panggilan dalam waktu "
        "ini. Setiap langkah dihitung saat pertama kali terjadi (panggilan yang dikirim ulang "
        "setelah ditolak kru tetap dihitung dari pengiriman pertama). Waktu dalam WIB.",
        "by_week": "Waktu tanggap per minggu (menit)", "by_shift": "Waktu tanggap per sif (menit)",
        "by_district": "Waktu tanggap per kecamatan (menit)", "intervals": "Semua interval (menit)",
        "district": "Kecamatan", "post": "Pos ambulans", "hospital": "Rumah sakit tujuan",
        "tables": "Waktu tanggap per kecamatan, pos, dan rumah sakit",
        "slowest": "Panggilan dengan waktu tanggap paling lama", "call": "Panggilan",
        "taken": "Diterima (WIB)", "category": "Kategori", "triage": "Triase",
        "minutes": "menit", "no_hospital": "(tanpa rumah sakit)", "page": "Halaman",
        "week_of": "minggu", "kinds": {
            "calls": "Panggilan", "cancelled": "Dibatalkan", "prank": "Panggilan palsu",
            "crew_refusal": "Ditolak kru", "referral_declined": "Rujukan ditolak RS",
            "referral_escalated": "Rujukan tak dijawab (eskalasi)"},
    },
    "en": {
        "title": "PSC 119 Response-Time Report", "period": "Period", "made": "Made",
        "synthetic": "SYNTHETIC DATA - not real calls",
        "headline": "The month against its targets", "interval": "Interval", "calls": "Calls",
        "median": "Median", "p90": "P90", "target": "Target", "within": "Within target",
        "none": "-", "counts": "What did not go to plan", "kind": "Kind", "count": "Count",
        "reasons": "Reasons",
        "notes": "Median: half the calls were faster. P90: 9 calls in 10 within this. Each step "
        "counts the first time it happened (a call dispatched again after a crew refused keeps "
        "its first dispatch). Times in WIB (UTC+7).",
        "by_week": "Response time by week (minutes)",
        "by_shift": "Response time by shift (minutes)",
        "by_district": "Response time by district (minutes)",
        "intervals": "Every interval (minutes)",
        "district": "District", "post": "Ambulance post", "hospital": "Receiving hospital",
        "tables": "Response time by district, post and hospital",
        "slowest": "The calls with the longest response time", "call": "Call",
        "taken": "Taken (WIB)", "category": "Category", "triage": "Triage", "minutes": "min",
        "no_hospital": "(no hospital)", "page": "Page", "week_of": "week of", "kinds": {
            "calls": "Calls", "cancelled": "Cancelled", "prank": "Pranks",
            "crew_refusal": "Refused by the crew", "referral_declined": "Referrals declined",
            "referral_escalated": "Referrals unanswered (escalated)"},
    },
}  # fmt: skip
# The reasons' codes in words (the hospitals' decline reasons come from their data file).
CODES = {
    "id": {"prank": "panggilan palsu", "duplicate": "panggilan ganda",
           "own_transport": "dibawa sendiri", "no_longer_needed": "tidak lagi diperlukan",
           "other": "lainnya", "": "tanpa kode", "vehicle_fault": "kendaraan rusak",
           "crew_incomplete": "kru tidak lengkap", "on_another_mission": "bertugas lain",
           "phone_119": "telepon 119", "app": "aplikasi", "whatsapp": "WhatsApp",
           "radio": "radio", "walk_in": "datang langsung", "facility_transfer": "rujukan faskes"},
    "en": {"prank": "prank", "duplicate": "duplicate", "own_transport": "own transport",
           "no_longer_needed": "no longer needed", "other": "other", "": "no code",
           "vehicle_fault": "vehicle fault", "crew_incomplete": "crew incomplete",
           "on_another_mission": "on another mission", "phone_119": "phone 119", "app": "app",
           "whatsapp": "WhatsApp", "radio": "radio", "walk_in": "walk-in",
           "facility_transfer": "facility transfer"},
}  # fmt: skip
MEDIAN, P90, TARGET = "#1565c0", "#90caf9", "#b03a2e"


@dataclass(frozen=True)
class MonthlyReport:
    """The PDF, its charts (PNG by file name) and the figures they show."""

    month: str
    pdf: bytes
    charts: dict[str, bytes]
    figures: Dashboard
    synthetic: bool


def month_window(month: str) -> tuple[datetime, datetime]:
    """A month in WIB (``2026-11``) as [since, until) in UTC."""
    try:
        first = datetime.strptime(month, "%Y-%m").replace(tzinfo=UTC)
    except ValueError as exc:
        msg = f"{month!r}: give the month as YYYY-MM, e.g. 2026-11"
        raise InputError(msg, field="month") from exc
    following = (first + timedelta(days=32)).replace(day=1)
    return first - WIB, following - WIB


def build(  # noqa: PLR0913 - keyword-only: what the report is of, and how it reads
    session: Session,
    desk: ReportDesk,
    *,
    month: str,
    names: Mapping[str, Mapping[str, str]],
    made_at: datetime,
    region_name: str,
    region_synthetic: bool,
    lang: str = "id",
) -> MonthlyReport:
    """The month's report; ``names`` are the district, post and hospital names by id."""
    words = TEXT[lang]
    since, until = month_window(month)
    figures = desk.dashboard(session, since=since, until=until, interval="response")
    synthetic = region_synthetic or figures.synthetic_calls > 0
    charts = {
        "intervals.png": _intervals_chart(figures, lang),
        "response-by-week.png": _line_chart(figures.groups["week"], words, desk),
        "response-by-shift.png": _bars(figures.groups["shift"], words, "by_shift", desk, {}),
        "response-by-district.png": _bars(
            figures.groups["district"], words, "by_district", desk, names.get("district", {})
        ),
    }
    declines = AnswerTerms.load().reasons
    codes = {**CODES[lang], **{code: term.label_id if lang == "id" else term.label
                              for code, term in declines.items()}}  # fmt: skip
    pdf = _Document(words, synthetic, codes)
    pdf.cover(figures, month, made_at, region_name, lang, charts["intervals.png"])
    pdf.charts([png for name, png in charts.items() if name != "intervals.png"])
    pdf.tables(figures, names)
    pdf.slowest_calls(figures, names)
    return MonthlyReport(month, bytes(pdf.output()), charts, figures, synthetic)


def _minutes(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds / 60:.1f}"


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _latin(value: object) -> str:
    """Text the core font can draw (Latin-1)."""
    return str(value).replace("→", "->").encode("latin-1", "replace").decode("latin-1")


class _Document(FPDF):
    """A4 pages with a header saying what the report is, and SYNTHETIC where it is."""

    def __init__(
        self, words: Mapping[str, object], synthetic: bool, codes: Mapping[str, str]
    ) -> None:
        super().__init__(format="A4")
        self.words = words
        self.codes = codes
        self.synthetic = synthetic
        self.set_compression(False)  # small, and its text stays searchable
        self.set_auto_page_break(auto=True, margin=15)

    def w_(self, key: str) -> str:
        return str(self.words[key])

    def header(self) -> None:
        self.set_font("Helvetica", "B", 9)
        self.set_text_color(90, 90, 90)
        self.cell(0, 5, _latin(self.w_("title")), new_x="LMARGIN", new_y="NEXT")
        if self.synthetic:
            self.set_fill_color(255, 235, 59)
            self.set_text_color(0, 0, 0)
            self.set_font("Helvetica", "B", 11)
            self.cell(0, 7, _latin(self.w_("synthetic")), fill=True, align="C",
                      new_x="LMARGIN", new_y="NEXT")  # fmt: skip
        self.set_text_color(0, 0, 0)
        self.ln(2)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", "", 8)
        self.cell(0, 5, f"{self.w_('page')} {self.page_no()}", align="R")

    def heading(self, text: str, size: int = 13) -> None:
        self.set_font("Helvetica", "B", size)
        self.cell(0, 8, _latin(text), new_x="LMARGIN", new_y="NEXT")
        self.set_font("Helvetica", "", 9)

    def grid(
        self,
        header: list[str],
        rows: list[list[str]],
        widths: list[float],
        left: tuple[int, ...] = (0,),
    ) -> None:
        """A table; the columns in ``left`` are text, the others figures (to the right)."""
        self.set_font("Helvetica", "B", 9)
        self.set_fill_color(230, 236, 242)
        for text, width in zip(header, widths, strict=True):
            self.cell(width, 6, _latin(text), border=1, fill=True)
        self.ln()
        self.set_font("Helvetica", "", 9)
        for row in rows:
            for number, (text, width) in enumerate(zip(row, widths, strict=True)):
                self.cell(width, 6, _latin(text), border=1, align="L" if number in left else "R")
            self.ln()
        self.ln(3)

    def cover(  # noqa: PLR0913 - the month's figures and how the cover names them
        self,
        figures: Dashboard,
        month: str,
        made_at: datetime,
        region: str,
        lang: str,
        chart: bytes,
    ) -> None:
        self.add_page()
        self.set_font("Helvetica", "B", 16)
        self.multi_cell(0, 8, _latin(f"{self.w_('title')} - {region}"),
                        new_x="LMARGIN", new_y="NEXT")  # fmt: skip
        self.set_font("Helvetica", "", 9)
        last_day = (figures.until + WIB - timedelta(days=1)).date()
        self.multi_cell(0, 5, _latin(
            f"{self.w_('period')}: {month} ({(figures.since + WIB).date()} - {last_day}, WIB). "
            f"{self.w_('made')}: {(made_at + WIB):%Y-%m-%d %H:%M} WIB."
        ), new_x="LMARGIN", new_y="NEXT")  # fmt: skip
        self.ln(2)
        self.heading(self.w_("headline"))
        label = "label_id" if lang == "id" else "label_en"
        rows = [
            [getattr(INTERVALS[h.interval], label), str(h.calls), _minutes(h.median_s),
             _minutes(h.p90_s), f"{h.target_min:g}" if h.target_min else "-",
             _share(h.within_target)]
            for h in figures.headline
        ]  # fmt: skip
        minutes = self.w_("minutes")
        self.grid([self.w_("interval"), self.w_("calls"), f"{self.w_('median')} ({minutes})",
                    f"{self.w_('p90')} ({minutes})", f"{self.w_('target')} ({minutes})",
                    self.w_("within")], rows, [52, 20, 28, 28, 28, 28])  # fmt: skip
        self.heading(self.w_("counts"))
        kinds: Mapping[str, str] = self.words["kinds"]  # type: ignore[assignment]
        totals: dict[str, int] = {}
        reasons: dict[str, list[str]] = {}
        for c in figures.counts:
            totals[c.kind] = totals.get(c.kind, 0) + c.count
            if c.count and (c.reason or c.kind == "cancelled"):
                named = self.codes.get(c.reason, c.reason)
                reasons.setdefault(c.kind, []).append(f"{named} {c.count}")
        # The three most frequent reasons (the counts come most frequent first).
        rows = [[kinds[k], str(totals.get(k, 0)), ", ".join(reasons.get(k, [])[:3])]
                for k in kinds]  # fmt: skip
        self.grid([self.w_("kind"), self.w_("count"), self.w_("reasons")], rows, [50, 18, 116],
                  left=(0, 2))  # fmt: skip
        self.set_font("Helvetica", "I", 8)
        self.multi_cell(0, 4, _latin(self.w_("notes")), new_x="LMARGIN", new_y="NEXT")
        self.ln(3)
        self.image(io.BytesIO(chart), w=170)

    def charts(self, charts: list[bytes]) -> None:
        """Two charts a page."""
        for number, png in enumerate(charts):
            if number % 2 == 0:
                self.add_page()
            self.image(io.BytesIO(png), w=180)
            self.ln(3)

    def tables(self, figures: Dashboard, names: Mapping[str, Mapping[str, str]]) -> None:
        if self.get_y() > 150:  # mm: less than half a page left
            self.add_page()
        self.heading(self.w_("tables"))
        minutes = self.w_("minutes")
        for by in ("district", "post", "hospital"):
            rows = [
                [names.get(by, {}).get(r.group, r.group) or self.w_("no_hospital"), str(r.calls),
                 _minutes(r.median_s), _minutes(r.p90_s), _share(r.within_target)]
                for r in figures.groups[by]
            ]  # fmt: skip
            self.grid([self.w_(by), self.w_("calls"), f"{self.w_('median')} ({minutes})",
                        f"{self.w_('p90')} ({minutes})", self.w_("within")],
                       rows, [76, 22, 30, 30, 26])  # fmt: skip

    def slowest_calls(self, figures: Dashboard, names: Mapping[str, Mapping[str, str]]) -> None:
        self.heading(self.w_("slowest"))
        rows = [
            [f"#{steps.call_id}", f"{(steps.created_at + WIB):%Y-%m-%d %H:%M}",
             names.get("district", {}).get(steps.district_code or "", steps.district_code or "-"),
             steps.category, steps.triage.value.upper(), _minutes(seconds)]
            for steps, seconds in figures.slowest
        ]  # fmt: skip
        header = [self.w_("call"), self.w_("taken"), self.w_("district"), self.w_("category"),
                  self.w_("triage"), self.w_("minutes")]  # fmt: skip
        self.grid(header, rows, [22, 36, 40, 42, 20, 24])


def _png(figure: Figure) -> bytes:
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=130, bbox_inches="tight")
    plt.close(figure)
    return out.getvalue()


def _intervals_chart(figures: Dashboard, lang: str) -> bytes:
    label = "label_id" if lang == "id" else "label_en"
    shown = [h for h in figures.headline if h.median_s is not None]
    figure, axes = plt.subplots(figsize=(8, 3.2))
    names = [getattr(INTERVALS[h.interval], label) for h in shown]
    axes.barh(names, [(h.p90_s or 0) / 60 for h in shown], color=P90, label="P90")
    axes.barh(names, [(h.median_s or 0) / 60 for h in shown], color=MEDIAN, label="median")
    for row, h in enumerate(shown):
        if h.target_min:
            axes.plot([h.target_min, h.target_min], [row - 0.4, row + 0.4], color=TARGET, lw=2)
    axes.invert_yaxis()
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=2, frameon=False)
    axes.set_title(str(TEXT[lang]["intervals"]))
    return _png(figure)


def _line_chart(rows: list[Summary], words: Mapping[str, object], desk: ReportDesk) -> bytes:
    figure, axes = plt.subplots(figsize=(8, 3.2))
    weeks = [r.group for r in rows]
    axes.plot(weeks, [(r.median_s or 0) / 60 for r in rows], marker="o", color=MEDIAN,
              label="median")  # fmt: skip
    axes.plot(weeks, [(r.p90_s or 0) / 60 for r in rows], marker="o", color=P90, label="P90")
    target = desk.targets_min.get("response")
    if target:
        axes.axhline(target, color=TARGET, linestyle="--", label=f"{words['target']} {target:g}")
    axes.set_ylim(bottom=0)
    axes.set_xlabel(str(words["week_of"]))
    axes.legend()
    axes.set_title(str(words["by_week"]))
    return _png(figure)


def _bars(
    rows: list[Summary],
    words: Mapping[str, object],
    title: str,
    desk: ReportDesk,
    names: Mapping[str, str],
) -> bytes:
    figure, axes = plt.subplots(figsize=(8, max(2.4, 0.32 * len(rows) + 1)))
    labels = [names.get(r.group, r.group) or "-" for r in rows]
    axes.barh(labels, [(r.p90_s or 0) / 60 for r in rows], color=P90, label="P90")
    axes.barh(labels, [(r.median_s or 0) / 60 for r in rows], color=MEDIAN, label="median")
    target = desk.targets_min.get("response")
    if target:
        axes.axvline(target, color=TARGET, linestyle="--", label=f"{words['target']} {target:g}")
    axes.invert_yaxis()
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=3, frameon=False)
    axes.set_title(str(words[title]))
    return _png(figure)
