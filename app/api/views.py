"""Shaping stored rows into the public models (one place, so every route says the same)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from app.api import schemas as s
from app.models import Ambulance, Call, Citizen, Hospital, Patient, Referral, utcnow
from app.services import records
from app.services.ambulances import AmbulanceOption
from app.services.assessment import Assessment
from app.services.citizen_calls import Following
from app.services.dispatch import ReferredCall
from routing import Region


def patient_out(p: Patient) -> s.PatientOut:
    """A patient's clinical summary."""
    return s.PatientOut(age_years=p.age_years, sex=p.sex, condition=p.condition)


def calls_out(session: Session, calls: Sequence[Call], region: Region) -> list[s.CallOut]:
    """Calls with their callers (masked), patients, dispatch and referral: four queries for
    the whole list."""
    return [call_out(r, region) for r in records.call_records(session, calls)]


def one_call_out(session: Session, call: Call, region: Region) -> s.CallOut:
    """One call, as ``calls_out`` shows it."""
    return calls_out(session, [call], region)[0]


def call_out(record: records.CallRecord, region: Region) -> s.CallOut:
    """A call with its caller (masked), patients, dispatch and referral."""
    call, caller, current, referral = record.call, record.caller, record.dispatch, record.referral
    call_id = call.id or 0
    district = region.districts.get(call.district_code or "")
    return s.CallOut(
        id=call_id,
        status=call.status,
        created_at=call.created_at,
        status_at=call.status_at,
        updated_at=call.updated_at,
        category=call.category,
        incident=call.incident,
        triage=call.triage,
        transfer=call.transfer_from_user is not None,
        source=call.source,
        prank=call.prank_at is not None,
        handled_by=call.handled_by,
        location=s.LocationOut(
            source=call.location_source,
            lon=call.lon,
            lat=call.lat,
            district_code=call.district_code,
            district_name=district.name if district else None,
        ),
        patient_count=call.patient_count,
        patients=[patient_out(p) for p in record.patients],
        verification=s.VerificationOut(
            status=call.verification, detail=call.verification_detail, at=call.verification_at
        ),
        caller=s.CallerOut(nik_masked=caller.nik_masked, phone_masked=caller.phone_masked)
        if caller
        else None,
        recommended_hospital_id=call.recommended_hospital_id,
        recommended_ambulance_id=call.recommended_ambulance_id,
        dispatch=s.DispatchOut(
            ambulance_id=current.ambulance_id,
            assigned_at=current.assigned_at,
            eta_s=current.eta_s,
            recommended=current.recommended,
            accepted_at=current.answered_at if current.accepted else None,
        )
        if current
        else None,
        referral=referral_out(referral) if referral else None,
    )


def referral_out(referral: Referral) -> s.ReferralOut:
    """A referral: the destination, why it was chosen, the hospital's answer."""
    return s.ReferralOut(
        referral_id=referral.id or 0,
        hospital_id=referral.hospital_id,
        recommended_hospital_id=referral.recommended_hospital_id,
        override_reason=referral.override_reason,
        created_at=referral.created_at,
        acknowledged_at=referral.acknowledged_at,
        answer=referral.answer,  # a ReferralAnswer, as stored
        answer_due_at=referral.answer_due_at,
        answered_at=referral.answered_at,
        answer_reason=referral.answer_reason,
        answer_subject=referral.answer_subject,
        answer_note=referral.answer_note,
    )


def citizen_out(c: Citizen) -> s.CitizenOut:
    """A citizen's account, masked."""
    return s.CitizenOut(
        citizen_id=c.id or 0,
        nik_masked=c.nik_masked,
        phone_masked=c.phone_masked,
        verification=c.verification,
        suspended=c.suspended_at is not None,
    )


def following_out(f: Following) -> s.FollowingOut:
    """A citizen's call as they follow it."""
    return s.FollowingOut(**dataclasses.asdict(f))


def option_out(o: AmbulanceOption) -> s.AmbulanceOptionOut:
    """An ambulance option."""
    return s.AmbulanceOptionOut(
        ambulance_id=o.ambulance_id,
        name=o.name,
        post_id=o.post_id,
        eta_s=round(o.eta_s, 1),
        lon=o.position.lon,
        lat=o.position.lat,
        position_at=o.position_at,
    )


def assessment_out(a: Assessment, region: Region) -> s.AssessmentOut:
    """An assessment."""
    best = a.hospital.hospital
    return s.AssessmentOut(
        location_note=a.location_note,
        recommended_hospital=s.RecommendedHospitalOut(
            hospital=s.ranked_out(best), fallback=a.hospital.fallback
        )
        if best
        else None,
        ambulances=[option_out(o) for o in a.ambulances],
        busy_ambulances=[
            s.BusyAmbulanceOut(**b.__dict__, reaches_incident_s=b.reaches_incident_s)
            for b in a.busy
        ],
        ranking=s.ranking_out(a.ranking, synthetic=region.meta.synthetic) if a.ranking else None,
    )


def readiness_out(state: dict[str, Any], *, stale_after_s: float) -> s.ReadinessOut:
    """A readiness state with each value's time, beds flagged when too old."""
    now = utcnow()
    beds = {
        kind: s.BedsValue(
            free=int(v["free"]),
            reported_at=(at := datetime.fromisoformat(v["at"])),
            stale=(now - at).total_seconds() > stale_after_s,
            stale_at=at + timedelta(seconds=stale_after_s),
        )
        for kind, v in state.get("beds", {}).items()
    }
    diversion = state.get("diversion", {})
    down = state.get("capabilities_down", {})
    on_call, blood = state.get("on_call", {}), state.get("blood", {})
    on_call_at, blood_at = _time(on_call.get("at")), _time(blood.get("at"))

    def stale(at: datetime | None) -> bool:
        return at is not None and (now - at).total_seconds() > stale_after_s

    return s.ReadinessOut(
        beds=beds,
        on_diversion=bool(diversion.get("on", False)),
        diversion_reason=diversion.get("reason"),
        diversion_since=_time(diversion.get("since")),
        diversion_reported_at=_time(diversion.get("at")),
        capabilities_down=list(down.get("codes", [])),
        capabilities_down_reported_at=_time(down.get("at")),
        on_call={
            code: s.OnCallOut(start=h["start"], end=h["end"])
            for code, h in on_call.get("cover", {}).items()
        },
        on_call_reported_at=on_call_at,
        on_call_stale=stale(on_call_at),
        blood_units=dict(blood.get("units", {})),
        blood_reported_at=blood_at,
        blood_stale=stale(blood_at),
        as_of=_time(state.get("as_of")),
    )


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def hospital_out(h: Hospital, *, stale_after_s: float) -> s.HospitalOut:
    """A hospital with readiness."""
    return s.HospitalOut(
        id=h.id,
        name=h.name,
        hospital_class=h.hospital_class,
        lon=h.lon,
        lat=h.lat,
        capabilities=list(h.capabilities),
        bed_capacity=dict(h.bed_capacity),
        address=h.address,
        readiness=readiness_out(h.readiness, stale_after_s=stale_after_s),
    )


def ambulance_out(a: Ambulance) -> s.AmbulanceOut:
    """An ambulance."""
    return s.AmbulanceOut(
        id=a.id,
        name=a.name,
        post_id=a.post_id,
        crew=a.crew,
        status=a.status,
        lon=a.lon,
        lat=a.lat,
        position_at=a.position_at,
        off_duty_reason=a.off_duty_reason,
        off_duty_since=a.off_duty_since,
    )


def incoming_out(session: Session, item: ReferredCall) -> s.IncomingOut:
    """An incoming patient for a hospital: clinical summary only."""
    call, referral = item.call, item.referral
    assert referral is not None  # incoming() lists referrals only
    return s.IncomingOut(
        referral_id=referral.id or 0,
        call_id=call.id or 0,
        status=call.status,
        category=call.category,
        triage=call.triage,
        patient_count=call.patient_count,
        patients=[patient_out(p) for p in records.patients_of(session, call.id or 0)],
        ambulance_id=item.ambulance_id,
        referred_at=referral.created_at,
        acknowledged_at=referral.acknowledged_at,
        answer=referral.answer,  # a ReferralAnswer, as stored
        answer_due_at=referral.answer_due_at,
        answer_reason=referral.answer_reason,
    )
