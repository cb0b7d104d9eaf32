"""A crew's phone enrols with a one-time code (the printed QR code's): once, before it
expires; the code is kept hashed."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from app.models import Enrolment
from app.services.enrolment import enrol_crew
from tests.app.conftest import Service


def test_a_code_is_exchanged_once_for_the_crews_key(service: Service) -> None:
    with Session(service.app.state.engine) as session:
        made = enrol_crew(session, service.other_ambulance_id)
        again = enrol_crew(session, service.other_ambulance_id)  # a second phone, same crew
        assert again.user_id == made.user_id
        stored = session.exec(select(Enrolment.code_hash)).all()
        assert made.code not in stored and len(stored[0]) == 64  # only a hash is kept
    answer = service.client.post("/api/crew/enrolment", json={"code": made.code})
    assert answer.status_code == 200, answer.text
    key = answer.json()["key"]
    me = service.client.get("/api/me", headers={"Authorization": f"Bearer {key}"}).json()
    assert (me["role"], me["ambulance_id"]) == ("crew", service.other_ambulance_id)
    replay = service.client.post("/api/crew/enrolment", json={"code": made.code})
    assert replay.status_code == 404 and "used or expired" in replay.json()["detail"]
    assert service.client.post("/api/crew/enrolment", json={"code": again.code}).status_code == 200


def test_expired_unknown_and_malformed_codes_are_refused(service: Service) -> None:
    with Session(service.app.state.engine) as session:
        late = enrol_crew(session, service.ambulance_id, valid_for=timedelta(seconds=-1))
    assert service.client.post("/api/crew/enrolment", json={"code": late.code}).status_code == 404
    unknown = service.client.post("/api/crew/enrolment", json={"code": "A" * 24})
    assert unknown.status_code == 404
    for bad in ("short", "x" * 65, "has spaces in it, see", 12345678901234567):
        answer = service.client.post("/api/crew/enrolment", json={"code": bad})
        assert answer.status_code == 422, bad
        assert answer.headers["content-type"].startswith("application/problem+json")
