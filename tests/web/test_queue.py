"""A call no free ambulance can take is not stranded: it waits in the queue with its timer,
the console says why and which busy unit could come soonest, tells the operator when a unit
frees, and the call is dispatched from its detail panel, whose timeline shows every step."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx2
import pytest
from playwright.sync_api import Page, expect

from tests.web.conftest import Site, log_in, screenshot


@pytest.fixture
def one_unit(site: Site) -> Iterator[tuple[httpx2.Client, str]]:
    """Every ambulance but one out of service (put back afterwards)."""
    operator = {"Authorization": f"Bearer {site.keys['operator']}"}
    with httpx2.Client(base_url=site.url, headers=operator, timeout=30) as http:
        fleet = [a["id"] for a in http.get("/api/ambulances").json()]
        kept, others = fleet[0], fleet[1:]
        for ambulance_id in others:
            http.patch(f"/api/ambulances/{ambulance_id}", json={"in_service": False})
        yield http, kept
        for ambulance_id in others:
            http.patch(f"/api/ambulances/{ambulance_id}", json={"in_service": True})


def call(http: httpx2.Client, triage: str) -> dict[str, Any]:
    created = http.post("/api/calls", json={
        "category": "general", "triage": triage, "lon": 109.2290, "lat": -7.3850,
        "patients": [{"age_years": 50, "condition": "sesak"}],
    })  # fmt: skip
    assert created.status_code == 201, created.text
    result: dict[str, Any] = created.json()
    return result


def test_a_call_with_no_free_unit_waits_is_explained_and_is_dispatched_when_one_frees(
    page: Page, site: Site, one_unit: tuple[httpx2.Client, str]
) -> None:
    http, unit = one_unit
    busy = call(http, "kuning")["call"]["id"]
    http.post(f"/api/calls/{busy}/dispatch", json={"ambulance_id": unit})
    http.post(f"/api/calls/{busy}/referral", json={})
    later = call(http, "kuning")["call"]["id"]
    urgent = call(http, "merah")["call"]["id"]

    log_in(page, site, "operator")
    page.wait_for_selector("body[data-ready='true']", timeout=30_000)
    rows = page.locator("#calls li[data-call-id]")
    # Waiting MERAH first, then the waiting KUNING, then the call that has its ambulance.
    expect(rows.nth(0)).to_have_attribute("data-call-id", str(urgent))
    expect(rows.nth(1)).to_have_attribute("data-call-id", str(later))
    expect(rows.nth(2)).to_have_attribute("data-call-id", str(busy))
    waited = rows.nth(0).locator(".waited")
    expect(waited).to_contain_text("menunggu ambulans")
    first_reading = waited.inner_text()
    page.wait_for_timeout(1500)
    assert waited.inner_text() != first_reading  # the timer runs

    rows.nth(0).click()
    expect(page.locator("#call-detail")).to_be_visible()
    expect(page.locator("#timeline li").first).to_contain_text("panggilan diterima")
    page.click("#detail-assess")
    expect(page.locator("#no-unit")).to_be_visible()
    expect(page.locator("#no-unit")).to_contain_text("Tidak ada ambulans yang tersedia")
    expect(page.locator(f"#busy-ambulances li[data-ambulance-id='{unit}']")).to_contain_text(
        "selesai dalam"
    )
    expect(page.locator("#dispatch")).to_be_disabled()
    screenshot(page, "console-no-unit-free")

    # The busy unit's call is cancelled: the console says a unit is free and opens the
    # longest-waiting MERAH call with that unit recommended.
    http.post(f"/api/calls/{busy}/status", json={"status": "cancelled", "reason": "test"})
    expect(page.locator("#unit-freed")).to_be_visible()
    expect(page.locator("#unit-freed")).to_contain_text("2 panggilan menunggu")
    page.click("#unit-freed-open")
    expect(page.locator("#assessment-call")).to_have_text(f"#{urgent}")
    expect(page.locator("#no-unit")).to_be_hidden()
    expect(page.locator("#ambulances li").first).to_contain_text("ETA")
    page.click("#dispatch")
    expect(page.locator("#dispatch-result")).to_contain_text("dikirim")
    expect(page.locator("#timeline")).to_contain_text("ambulans dikirim")

    # The detail panel: a note, then the other call cancelled with a reason from the list.
    page.fill("#note-text", "penelepon menunggu di depan masjid")
    page.click("#add-note")
    expect(page.locator("#timeline")).to_contain_text("penelepon menunggu di depan masjid")
    page.locator(f"#calls li[data-call-id='{later}']").click()
    expect(page.locator("#detail-title")).to_contain_text(f"#{later}")
    page.select_option("#cancel-code", "duplicate")
    page.click("#cancel-call")
    expect(page.locator("#timeline")).to_contain_text("panggilan ganda")
    expect(page.locator(f"#calls li[data-call-id='{later}']")).to_have_count(0)
    screenshot(page, "console-call-detail")
    http.post(f"/api/calls/{urgent}/status", json={"status": "cancelled", "reason": "test"})


def test_another_hospital_costs_its_extra_minutes_and_a_reason_from_the_list(
    page: Page, site: Site
) -> None:
    operator = {"Authorization": f"Bearer {site.keys['operator']}"}
    with httpx2.Client(base_url=site.url, headers=operator, timeout=30) as http:
        created = http.post("/api/calls", json={
            "category": "stemi", "triage": "merah", "lon": 109.2290, "lat": -7.3850,
        }).json()  # fmt: skip
    call_id = created["call"]["id"]
    ranking = created["assessment"]["ranking"]
    best, second = ranking["eligible"][0], ranking["eligible"][1]
    extra_min = round((second["eta_s"] - best["eta_s"]) / 60)

    log_in(page, site, "operator")
    page.wait_for_selector("body[data-ready='true']", timeout=30_000)
    page.locator(f"#calls li[data-call-id='{call_id}']").click()
    page.click("#detail-assess")
    expect(page.locator("#assessment-call")).to_have_text(f"#{call_id}")
    # Why the others were passed over, in Indonesian from the reasons' codes.
    page.click("#passed-over-box summary")
    passed = page.locator("#passed-over").inner_text()
    assert passed and "tidak punya" in passed
    for english in ("no ", "temporarily", "not updated", "diversion since", "has never"):
        assert english not in passed, english

    page.check(f"#ranking input[value='{second['hospital_id']}']")
    expect(page.locator("#override-box")).to_be_visible()
    expect(page.locator("#override-cost")).to_contain_text(f"+{extra_min} mnt")
    page.click("#dispatch")
    expect(page.locator("#dispatch-result")).to_contain_text("Pilih alasan")
    with httpx2.Client(base_url=site.url, headers=operator, timeout=30) as http:
        assert http.get(f"/api/calls/{call_id}").json()["status"] == "received"  # nothing sent
    screenshot(page, "console-override-needs-reason")

    # A passed-over hospital can be chosen too, marked as such.
    page.locator("#passed-over input[name='hospital']").first.check()
    expect(page.locator("#override-cost")).to_contain_text("tidak dipilih sistem")
    page.check(f"#ranking input[value='{second['hospital_id']}']")
    page.select_option("#override-code", "family_request")
    page.click("#dispatch")
    expect(page.locator("#dispatch-result")).to_contain_text("dikirim")
    with httpx2.Client(base_url=site.url, headers=operator, timeout=30) as http:
        referral = http.get(f"/api/calls/{call_id}").json()["referral"]
        assert referral["hospital_id"] == second["hospital_id"]
        assert referral["override_reason"] == "permintaan pasien/keluarga"
        http.post(f"/api/calls/{call_id}/status", json={"status": "cancelled", "reason": "test"})
