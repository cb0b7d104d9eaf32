"""Every role against every route it must not reach; keys that are missing, wrong, revoked
or expired. The policy table below must name every route: a new route without a policy fails."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session

from app.errors import AuthenticationError
from app.models import ApiKey, Role, utcnow
from app.services import users
from tests.app.conftest import USERS, Service

STAFF = {"operator", "admin", "hospital", "crew", "facility"}
OPERATORS = {"operator", "admin"}
PUBLIC = {
    "GET /api/region", "GET /api/region/roads", "GET /api/region/overlay", "GET /api/categories",
    "GET /api/capabilities",
    "GET /healthz",
    "GET /readyz",
    "GET /osmand", "POST /osmand",  # a registered device's identifier (tests/app/test_osmand.py)
    "POST /api/crew/enrolment",  # a one-time code (tests/app/test_enrolment.py)
    "POST /api/public/register", "POST /api/public/confirm",  # tests/app/test_public_door.py
    "GET /api/public/emergency-kinds", "GET /api/region/districts",
}  # fmt: skip
POLICY: dict[str, set[str]] = {
    "POST /api/calls": OPERATORS,
    "GET /api/reports/intervals": OPERATORS | {"health_office"},
    "GET /api/reports/calls": OPERATORS | {"health_office"},
    "GET /api/reports/terms": OPERATORS | {"health_office"},
    "GET /api/reports/counts": OPERATORS | {"health_office"},
    "GET /api/reports/slowest": OPERATORS | {"health_office"},
    "GET /api/reports/dashboard": OPERATORS | {"health_office"},
    "POST /api/calls/{call_id}/prank": OPERATORS,
    "POST /api/citizens/{citizen_id}/reinstate": {"admin"},
    "GET /api/public/me": {"citizen"},
    "DELETE /api/public/me": {"citizen"},
    "POST /api/public/emergency": {"citizen"},
    "GET /api/public/calls": {"citizen"},
    "GET /api/public/calls/{call_id}": {"citizen"},
    "GET /api/calls": OPERATORS,
    "GET /api/calls/{call_id}": OPERATORS,
    "GET /api/calls/{call_id}/assessment": OPERATORS,
    "GET /api/calls/{call_id}/personal": OPERATORS,
    "POST /api/calls/{call_id}/take-over": OPERATORS,
    "POST /api/calls/{call_id}/dispatch": OPERATORS,
    "POST /api/calls/{call_id}/referral": OPERATORS,
    "POST /api/calls/{call_id}/status": OPERATORS | {"crew"},
    "POST /api/calls/{call_id}/reassign": OPERATORS,
    "GET /api/calls/{call_id}/timeline": OPERATORS,
    "POST /api/calls/{call_id}/notes": OPERATORS,
    "POST /api/transfers": {"facility"},
    "GET /api/transfers": {"facility"},
    "GET /api/crew/assignment": {"crew"},
    "POST /api/crew/assignment/answer": {"crew"},
    "POST /api/crew/duty": {"crew"},
    # The patient record en route: the service decides per call (tests/app/test_care.py).
    "POST /api/calls/{call_id}/care": OPERATORS | {"crew"},
    "GET /api/calls/{call_id}/care": OPERATORS | {"crew", "hospital"},
    "GET /api/calls/{call_id}/handover.pdf": OPERATORS | {"crew", "hospital"},
    "POST /api/rankings": OPERATORS,
    "POST /api/routes": OPERATORS | {"crew"},
    "GET /api/places": OPERATORS,
    "GET /api/places/nearest": OPERATORS,
    "GET /api/me": STAFF | {"agency", "hospital_system", "citizen", "health_office"},
    "GET /api/hospitals": STAFF,
    "GET /api/hospitals/{hospital_id}": STAFF,
    "PATCH /api/hospitals/{hospital_id}": {"admin"},
    "PUT /api/hospitals/{hospital_id}/readiness": {"hospital", "hospital_system", "admin"},
    "GET /api/hospitals/{hospital_id}/incoming": {"hospital", "admin"},
    "POST /api/referrals/{referral_id}/acknowledgement": {"hospital", "admin"},
    "POST /api/referrals/{referral_id}/answer": {"hospital", "admin"},
    "GET /api/referral-answers/terms": STAFF,
    "GET /api/ambulances": OPERATORS,
    "POST /api/ambulances/{ambulance_id}/fixes": OPERATORS | {"crew"},
    "GET /api/ambulances/{ambulance_id}/fix-rejections": OPERATORS | {"crew"},
    "PATCH /api/ambulances/{ambulance_id}": OPERATORS,
    "POST /api/users": {"admin"},
    "POST /api/users/{user_id}/keys": {"admin"},
    "DELETE /api/keys/{key_id}": {"admin"},
    "GET /api/audit": {"admin"},
    "POST /api/callers": OPERATORS,
    "POST /api/road-restrictions": OPERATORS,
    "GET /api/road-restrictions": OPERATORS,
    "DELETE /api/road-restrictions/{restriction_id}": OPERATORS,
    "GET /api/region/conditions": OPERATORS,
    "GET /api/coverage": OPERATORS,
    "GET /metrics": {"admin"},  # or the metrics token (tests/app/test_health.py)
}
ROLES = sorted({who for who in USERS if not who.endswith("_other")})


def routes(service: Service) -> set[str]:
    """Every operation the service publishes (its OpenAPI schema)."""
    return {
        f"{method.upper()} {path}"
        for path, operations in service.app.openapi()["paths"].items()
        for method in operations
    }


def concrete(path: str) -> str:
    return (
        path.replace("{call_id}", "1")
        .replace("{hospital_id}", "rsud-purwa")
        .replace("{referral_id}", "1")
        .replace("{ambulance_id}", "pkm-ajibarang-1")
        .replace("{user_id}", "1")
        .replace("{key_id}", "999999")
        .replace("{restriction_id}", "1")
        .replace("{citizen_id}", "1")
    )


def test_the_policy_names_every_route(service: Service) -> None:
    assert routes(service) == set(POLICY) | PUBLIC


@pytest.mark.parametrize("route", sorted(POLICY))
def test_every_role_outside_the_policy_is_refused(service: Service, route: str) -> None:
    method, path = route.split(" ", 1)
    for who in ROLES:
        if who in POLICY[route]:
            continue
        response = service.client.request(
            method, concrete(path), json={}, headers=service.auth(who)
        )
        assert response.status_code == 403, (who, route, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert who in response.json()["detail"] or "role" in response.json()["detail"]


@pytest.mark.parametrize("route", sorted(POLICY))
def test_no_key_or_a_wrong_key_is_401(service: Service, route: str) -> None:
    method, path = route.split(" ", 1)
    for headers in ({}, {"Authorization": "Bearer sat_not-a-key"}, {"X-API-Key": "garbage"}):
        response = service.client.request(method, concrete(path), json={}, headers=headers)
        assert response.status_code == 401, (headers, route)
        assert response.headers["www-authenticate"] == "Bearer"


def test_a_hospital_cannot_act_for_another_hospital(service: Service) -> None:
    other = service.auth("hospital_other")
    readiness = service.client.put(
        f"/api/hospitals/{service.hospital_id}/readiness", json={"free_beds": {"igd": 1}},
        headers=other,
    )  # fmt: skip
    assert readiness.status_code == 404
    incoming = service.client.get(f"/api/hospitals/{service.hospital_id}/incoming", headers=other)
    assert incoming.status_code == 404


def test_revoked_and_expired_keys_stop_working(service: Service) -> None:
    admin = service.auth("admin")
    made = service.client.post(
        "/api/users", json={"name": "Op Budi", "role": "operator"}, headers=admin
    )
    assert made.status_code == 201
    key = made.json()["key"]
    assert service.client.get("/api/calls", headers={"X-API-Key": key}).status_code == 200
    revoked = service.client.delete(f"/api/keys/{made.json()['key_id']}", headers=admin)
    assert revoked.status_code == 204
    refused = service.client.get("/api/calls", headers={"X-API-Key": key})
    assert refused.status_code == 401 and "revoked" in refused.json()["detail"]

    with Session(service.app.state.engine) as session:
        issued = users.issue_key(session, user_id=made.json()["user_id"], days=1)
        row = session.get(ApiKey, issued.key_id)
        assert row is not None
        row.expires_at = utcnow() - timedelta(seconds=1)
        session.add(row)
        session.commit()
    expired = service.client.get("/api/calls", headers={"X-API-Key": issued.key})
    assert expired.status_code == 401 and "expired" in expired.json()["detail"]


def test_keys_are_stored_hashed(service: Service) -> None:
    with Session(service.app.state.engine) as session:
        from sqlmodel import select  # noqa: PLC0415

        stored = {(k.prefix, k.key_hash) for k in session.exec(select(ApiKey))}
    for key in service.keys.values():
        assert all(key not in (prefix, digest) for prefix, digest in stored)
        assert any(key.startswith(prefix) for prefix, _ in stored)


def test_a_user_is_bound_to_what_its_role_needs(service: Service) -> None:
    admin = service.auth("admin")
    cases = [
        ({"name": "x", "role": "hospital"}, "hospital_id"),
        ({"name": "x", "role": "hospital", "hospital_id": "rs-nowhere"}, "hospital_id"),
        ({"name": "x", "role": "crew"}, "ambulance_id"),
        ({"name": "x", "role": "facility"}, "facility"),
    ]
    for body, field in cases:
        response = service.client.post("/api/users", json=body, headers=admin)
        assert response.status_code == 422 and response.json()["field"] == field


def test_open_sockets_keys_are_checked_together_as_one_by_one(service: Service) -> None:
    """The batch check behind open sockets refuses exactly the keys ``authenticate`` refuses,
    with the same reason: live, revoked, expired, deactivated, unknown and a forged key whose
    prefix is real."""
    now = utcnow()
    with Session(service.app.state.engine) as session:
        user = users.create_user(session, users.NewUser("Op Sari", Role.OPERATOR))
        user_id = user.id or 0
        live, revoked, expired = (users.issue_key(session, user_id=user_id, days=1) for _ in "abc")
        users.revoke_key(session, key_id=revoked.key_id, actor_user_id=None)
        expired_row = session.get(ApiKey, expired.key_id)
        assert expired_row is not None
        expired_row.expires_at = now - timedelta(seconds=1)
        gone = users.create_user(session, users.NewUser("Op Lama", Role.OPERATOR))
        deactivated = users.issue_key(session, user_id=gone.id or 0, days=1)
        gone.active = False
        session.commit()
        keys = {
            live.key,
            revoked.key,
            expired.key,
            deactivated.key,
            "sk_unknownkeyunknownkeyunknownkey",
            live.key[:12] + "x" * (len(live.key) - 12),  # a real prefix, a forged rest
            *service.keys.values(),
        }
        one_by_one = {}
        for key in keys:
            try:
                users.authenticate(session, key, now=now)
            except AuthenticationError as exc:
                one_by_one[key] = str(exc)
        together = users.refused_keys(session, keys, now=now)
    assert together == one_by_one
    assert set(together.values()) == {
        "this API key was revoked",
        "this API key has expired",
        "the user of this API key is deactivated",
        "unknown API key",
    }
    assert live.key not in together and len(together) == 5
