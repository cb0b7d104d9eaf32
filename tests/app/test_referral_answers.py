"""Hospitals answer referrals: accept, or decline with a reason; the operators hear it at once
with the next hospital; silence escalates at the deadline; a declining hospital is passed over
in rankings with its reason; only the referral's own hospital answers. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session

from app.models import Referral
from app.services.referral_answers import AnswerTerms, ReferralDesk
from tests.app.conftest import Service
from tests.app.feed_messages import receive, receive_all

PURWA = {"lon": 109.233, "lat": -7.39}
TERMS = AnswerTerms.load()


def referred(service: Service, hospital_id: str) -> tuple[int, int]:
    """A new call referred to this hospital (chosen, with a reason if it is not the
    recommended one): its call id and referral id."""
    call_id: int = service.call(**PURWA)["call"]["id"]
    answer = service.client.post(
        f"/api/calls/{call_id}/referral",
        json={"hospital_id": hospital_id, "override_reason": "closest to the family"},
        headers=service.auth("operator"),
    )
    assert answer.status_code == 200, answer.text
    referral = answer.json()["referral"]
    assert referral["answer"] is None and referral["answer_due_at"] is not None
    return call_id, referral["referral_id"]


def answer(service: Service, referral_id: int, who: str, **body: Any) -> Any:
    return service.client.post(
        f"/api/referrals/{referral_id}/answer", json=body, headers=service.auth(who)
    )


def decline_body(code: str) -> dict[str, Any]:
    needs = TERMS.reasons[code].needs
    extra = {"bed_kind": {"subject": "icu"}, "specialist": {"subject": "obgyn"}}
    return {"accept": False, "reason": code, "note": "all beds taken", **extra.get(needs, {})}


def cancel(service: Service, call_id: int) -> None:
    service.client.post(
        f"/api/calls/{call_id}/status",
        json={"status": "cancelled", "reason": "test over"},
        headers=service.auth("operator"),
    )


def ranking_reasons(service: Service, call_id: int, hospital_id: str) -> list[dict[str, Any]]:
    assessment = service.client.get(
        f"/api/calls/{call_id}/assessment", headers=service.auth("operator")
    ).json()
    everyone = assessment["ranking"]["eligible"] + assessment["ranking"]["passed_over"]
    entry = next(h for h in everyone if h["hospital_id"] == hospital_id)
    return list(entry["reasons"])


def test_an_accepted_referral_reaches_the_operators_and_the_crews_destination(
    service: Service,
) -> None:
    call_id, referral_id = referred(service, service.other_hospital_id)
    with service.client.websocket_connect(f"/ws/feed?token={service.keys['operator']}") as ws:
        receive(ws, "snapshot")
        accepted = answer(service, referral_id, "hospital_other", accept=True)
        assert accepted.status_code == 200, accepted.text
        told = receive(ws, "referral_answer")
    assert (told["referral_id"], told["answer"], told["next_hospital_id"]) == (
        referral_id, "accepted", None
    )  # fmt: skip
    assert accepted.json()["acknowledged_at"] is not None  # accepting is seeing it
    call = service.client.get(f"/api/calls/{call_id}", headers=service.auth("operator")).json()
    assert call["referral"]["answer"] == "accepted"
    # The same answer again changes nothing; the opposite one is a conflict.
    assert answer(service, referral_id, "hospital_other", accept=True).status_code == 200
    again = answer(service, referral_id, "hospital_other", **decline_body("icu_full"))
    assert again.status_code == 409
    cancel(service, call_id)


@pytest.mark.parametrize("code", sorted(TERMS.reasons))
def test_a_decline_alerts_the_operators_with_the_next_hospital(service: Service, code: str) -> None:
    call_id, referral_id = referred(service, service.hospital_id)
    with (
        service.client.websocket_connect(f"/ws/feed?token={service.keys['operator']}") as ops,
        service.client.websocket_connect(f"/ws/feed?token={service.keys['hospital']}") as board,
    ):
        receive(ops, "snapshot")
        receive(board, "snapshot")
        declined = answer(service, referral_id, "hospital", **decline_body(code))
        assert declined.status_code == 200, declined.text
        told = receive(ops, "referral_answer")
        own = receive(board, "referral_answer")
    assert (told["answer"], told["reason"]) == ("declined", code)
    assert told["next_hospital_id"] not in (None, service.hospital_id)
    assert told["next_eta_s"] > 0
    # The hospital's own screens hear its answer, not where the patient goes instead.
    assert own["answer"] == "declined" and own["next_hospital_id"] is None
    # Passed over in every ranking now, with its reason; the next hospital is the recommended
    # one, so one click sends the patient there (no override reason needed).
    reasons = ranking_reasons(service, call_id, service.hospital_id)
    assert any(r["code"] == "declined" and r["subject"] == code for r in reasons), reasons
    sent = service.client.post(
        f"/api/calls/{call_id}/referral",
        json={"hospital_id": told["next_hospital_id"]},
        headers=service.auth("operator"),
    )
    assert sent.status_code == 200, sent.text
    assert sent.json()["referral"]["hospital_id"] == told["next_hospital_id"]
    cancel(service, call_id)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"accept": False}, "reason"),
        ({"accept": False, "reason": "no_such_reason"}, "reason"),
        ({"accept": False, "reason": "other"}, "note"),
        ({"accept": False, "reason": "no_free_bed"}, "subject"),
        ({"accept": False, "reason": "no_free_bed", "subject": "garage"}, "subject"),
        ({"accept": False, "reason": "no_specialist", "subject": "astrology"}, "subject"),
    ],
)
def test_a_decline_without_what_its_reason_needs_is_refused(
    service: Service, body: dict[str, Any], field: str
) -> None:
    call_id, referral_id = referred(service, service.hospital_id)
    refused = answer(service, referral_id, "hospital", **body)
    assert refused.status_code == 422 and field in refused.text
    call = service.client.get(f"/api/calls/{call_id}", headers=service.auth("operator")).json()
    assert call["referral"]["answer"] is None  # nothing was recorded
    cancel(service, call_id)


def test_only_the_referrals_own_hospital_answers(service: Service) -> None:
    call_id, referral_id = referred(service, service.hospital_id)
    other = answer(service, referral_id, "hospital_other", accept=True)
    assert other.status_code == 404  # another hospital's referral does not exist for it
    for who in ("operator", "crew", "agency", "facility"):
        assert answer(service, referral_id, who, accept=True).status_code == 403
    assert answer(service, 999_999, "hospital", accept=True).status_code == 404
    cancel(service, call_id)
    closed = answer(service, referral_id, "hospital", accept=True)
    assert closed.status_code == 409  # a cancelled call has nothing left to answer


def test_silence_escalates_at_the_deadline(service: Service) -> None:
    call_id, referral_id = referred(service, service.hospital_id)
    desk: ReferralDesk = service.app.state.services.referral_desk
    with Session(service.app.state.engine, expire_on_commit=False) as session:
        due = session.get(Referral, referral_id).answer_due_at  # type: ignore[union-attr]
        assert due is not None
        early = desk.escalate_overdue(session, now=due - timedelta(seconds=1))
        assert referral_id not in [r.id for r in early]
        with service.client.websocket_connect(f"/ws/feed?token={service.keys['operator']}") as ws:
            receive(ws, "snapshot")
            late = desk.escalate_overdue(session, now=due + timedelta(seconds=1))
            assert referral_id in [r.id for r in late]
            told = next(
                m for m in (receive(ws, "referral_answer") for _ in range(len(late)))
                if m["referral_id"] == referral_id
            )  # fmt: skip
        assert (told["answer"], told["reason"]) == ("missed", "no_answer")
        assert told["next_hospital_id"] not in (None, service.hospital_id)
        # Escalated once: the next sweep finds nothing more to do for it.
        again = desk.escalate_overdue(session, now=due + timedelta(seconds=2))
        assert referral_id not in [r.id for r in again]
    incoming = service.client.get(
        f"/api/hospitals/{service.hospital_id}/incoming", headers=service.auth("hospital")
    ).json()
    mine = next(i for i in incoming if i["referral_id"] == referral_id)
    assert mine["answer"] == "missed"  # the board shows it as missed
    # A late answer still counts while the patient has not been sent elsewhere.
    late_yes = answer(service, referral_id, "hospital", accept=True)
    assert late_yes.status_code == 200 and late_yes.json()["answer"] == "accepted"
    cancel(service, call_id)


def test_a_decline_while_driving_reroutes_the_crew_and_both_boards(service: Service) -> None:
    call_id, referral_id = referred(service, service.hospital_id)
    dispatched = service.client.post(
        f"/api/calls/{call_id}/dispatch",
        json={"ambulance_id": service.ambulance_id},
        headers=service.auth("operator"),
    )
    assert dispatched.status_code == 200, dispatched.text
    for status in ("en_route", "on_scene", "transporting"):
        moved = service.client.post(
            f"/api/calls/{call_id}/status", json={"status": status}, headers=service.auth("crew")
        )
        assert moved.status_code == 200, moved.text
    with service.client.websocket_connect(f"/ws/feed?token={service.keys['hospital']}") as old:
        receive(old, "snapshot")
        declined = answer(service, referral_id, "hospital", **decline_body("ed_over_capacity"))
        assert declined.status_code == 200
        following = receive(old, "referral_answer")
        assert following["answer"] == "declined"
        crew_sees = service.client.get("/api/crew/assignment", headers=service.auth("crew"))
        assert crew_sees.json()["call"]["referral"]["answer"] == "declined"
        # The operator sends the patient to the next hospital with one click.
        sent = service.client.post(
            f"/api/calls/{call_id}/referral", json={}, headers=service.auth("operator")
        )
        assert sent.status_code == 200, sent.text
        new_hospital = sent.json()["referral"]["hospital_id"]
        assert new_hospital != service.hospital_id
        gone = receive_all(old, "status")["status"]
        assert (gone["call_id"], gone["after"]) == (call_id, "rerouted")
    crew_sees = service.client.get("/api/crew/assignment", headers=service.auth("crew")).json()
    referral = crew_sees["call"]["referral"]
    assert referral["hospital_id"] == new_hospital and referral["answer"] is None
    for status in ("at_hospital", "closed"):
        service.client.post(
            f"/api/calls/{call_id}/status", json={"status": status}, headers=service.auth("crew")
        )


def test_every_answer_is_audited(service: Service) -> None:
    call_id, referral_id = referred(service, service.other_hospital_id)
    answer(service, referral_id, "hospital_other", **decline_body("no_free_bed"))
    events = service.client.get(
        "/api/audit", params={"entity": "referral", "entity_id": str(referral_id)},
        headers=service.auth("admin"),
    ).json()  # fmt: skip
    declined = next(e for e in events if e["action"] == "referral.declined")
    assert declined["detail"]["reason"] == "no_free_bed" and declined["detail"]["subject"] == "icu"
    cancel(service, call_id)


def test_the_reasons_are_served_in_both_languages(service: Service) -> None:
    terms = service.client.get("/api/referral-answers/terms", headers=service.auth("hospital"))
    assert terms.status_code == 200
    body = terms.json()
    assert set(body["decline_reasons"]) == set(TERMS.reasons)
    assert body["decline_reasons"]["other"]["needs"] == "note"
    assert all(t["label_id"] and t["label"] for t in body["specialists"].values())
