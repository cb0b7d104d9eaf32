"""The handover sheet: one A4 PDF (fpdf2) that the crew and the receiving hospital keep — the
patient summary, the call's timeline, the vital signs table, interventions, crew and
hospital. It holds what the hospital may see of its incoming patient (no caller, no name),
and is readable by the same people as the record en route. Times in WIB (Asia/Jakarta)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from fpdf import FPDF
from sqlmodel import Session

from app.models import Ambulance, CareEntry, Hospital, utcnow
from app.services import call_history, care
from app.services.records import active_referral, get_call, last_dispatch, patients_of
from app.services.users import Principal

WIB = ZoneInfo("Asia/Jakarta")
STATUS_ID = {
    "received": "diterima", "dispatched": "ambulans dikirim", "en_route": "menuju lokasi",
    "on_scene": "tiba di lokasi", "transporting": "membawa pasien", "at_hospital": "tiba di RS",
    "closed": "serah terima selesai", "cancelled": "dibatalkan",
}  # fmt: skip
VITAL_COLUMNS = (
    ("Jam", 16), ("TD", 22), ("Nadi", 16), ("RR", 14), ("SpO2", 16), ("Suhu", 16),
    ("GCS", 24), ("Nyeri", 14), ("GDS", 16), ("Peringatan", 36),
)  # fmt: skip
ALARMS_ID = {"spo2_low": "SpO2 < 90", "systolic_low": "sistolik < 90", "gcs_low": "GCS <= 8"}


def _text(value: object) -> str:
    """Text the PDF's core font can draw (Latin-1; anything else becomes '?')."""
    return str(value).encode("latin-1", "replace").decode("latin-1")


def _clock(when: datetime) -> str:
    return when.astimezone(WIB).strftime("%H:%M")


class _Sheet(FPDF):
    def section(self, title: str) -> None:
        self.ln(3)
        self.set_font("Helvetica", "B", 11)
        self.cell(0, 7, _text(title), new_x="LMARGIN", new_y="NEXT")
        self.set_font("Helvetica", "", 9)

    def line_of(self, text: str) -> None:
        self.multi_cell(0, 5, _text(text), new_x="LMARGIN", new_y="NEXT")


def handover_pdf(session: Session, call_id: int, principal: Principal) -> bytes:
    """The sheet of a call, for those who may read its record."""
    entries = care.entries(session, call_id, principal)  # checks who may read
    call = get_call(session, call_id)
    dispatch = last_dispatch(session, call_id)
    ambulance = session.get(Ambulance, dispatch.ambulance_id) if dispatch else None
    referral = active_referral(session, call_id)
    hospital = session.get(Hospital, referral.hospital_id) if referral else None
    pdf = _Sheet(format="A4")
    pdf.set_compression(False)  # a few kilobytes; its text stays searchable
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 8, _text(f"Lembar Serah Terima Pasien - PSC 119 - Panggilan #{call_id}"),
             new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    pdf.set_font("Helvetica", "", 9)
    pdf.line_of(
        f"Dibuat {utcnow().astimezone(WIB):%Y-%m-%d %H:%M} WIB. "
        f"Triase: {call.triage.value.upper()}. "
        f"Kategori: {call.category}. Status: {STATUS_ID.get(call.status.value, call.status)}."
    )
    pdf.section("Pasien")
    for i, patient in enumerate(patients_of(session, call_id), start=1):
        age = f"{patient.age_years} th" if patient.age_years is not None else "umur ?"
        pdf.line_of(f"{i}. {age}, {patient.sex or 'jenis kelamin ?'}: {patient.condition}")
    pdf.section("Ambulans dan rumah sakit")
    unit = f"{ambulance.name} ({ambulance.id})" if ambulance else "-"
    pdf.line_of(f"Ambulans: {unit}")
    pdf.line_of(f"Kru: {ambulance.crew if ambulance and ambulance.crew else '-'}")
    pdf.line_of(f"Rumah sakit tujuan: {hospital.name if hospital else '-'}")
    pdf.section("Riwayat")
    for step in call_history.timeline(session, call_id):
        if step.action == "call.status":
            after = str(step.detail.get("after", ""))
            pdf.line_of(f"{_clock(step.at)}  {STATUS_ID.get(after, after)}")
    _vitals_table(pdf, [e for e in entries if e.kind == "vitals"])
    pdf.section("Tindakan, triase ulang dan catatan")
    for entry in (e for e in entries if e.kind != "vitals"):
        pdf.line_of(f"{_clock(entry.recorded_at)}  {_described(entry)}")
    pdf.ln(8)
    pdf.line_of(
        "Diserahkan oleh (kru): ____________________   Diterima oleh (IGD): ____________________"
    )
    return bytes(pdf.output())


def _vitals_table(pdf: _Sheet, rows: list[CareEntry]) -> None:
    pdf.section("Tanda vital")
    pdf.set_font("Helvetica", "B", 8)
    for title, width in VITAL_COLUMNS:
        pdf.cell(width, 6, title, border=1)
    pdf.ln()
    pdf.set_font("Helvetica", "", 8)
    for row in rows:
        v = row.data
        gcs = (
            f"{v['gcs_eye'] + v['gcs_verbal'] + v['gcs_motor']} "
            f"(E{v['gcs_eye']}V{v['gcs_verbal']}M{v['gcs_motor']})"
            if "gcs_eye" in v else ""
        )  # fmt: skip
        values = (
            _clock(row.recorded_at),
            f"{v.get('systolic_mmhg', '')}/{v.get('diastolic_mmhg', '')}".strip("/"),
            v.get("pulse_bpm", ""), v.get("respiratory_rate", ""),
            f"{v['spo2_percent']}%" if "spo2_percent" in v else "",
            v.get("temperature_c", ""), gcs, v.get("pain_score", ""), v.get("glucose_mg_dl", ""),
            ", ".join(ALARMS_ID.get(a, a) for a in row.alarms),
        )  # fmt: skip
        for (_title, width), value in zip(VITAL_COLUMNS, values, strict=True):
            pdf.cell(width, 6, _text(value), border=1)
        pdf.ln()


def _described(entry: CareEntry) -> str:
    data = entry.data
    if entry.kind == "intervention":
        drug = data.get("drug")
        what = str(data.get("kind", ""))
        if drug:
            what = f"obat {drug['name']} {drug['dose']} {drug['unit']} {drug['route']}"
        return f"tindakan: {what}" + (f" ({data['detail']})" if data.get("detail") else "")
    if entry.kind == "triage":
        return f"triase ulang: {str(data.get('value', '')).upper()}"
    return f"catatan: {data.get('value', '')}"
