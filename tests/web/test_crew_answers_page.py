"""A crew refuses its assignment while the operator watches the console: the page says who
refused and why, and sends the next ambulance by ETA in one click."""

from __future__ import annotations

import httpx2
from playwright.sync_api import Page, expect

from tests.web.conftest import Site, log_in, screenshot


def test_a_refusal_is_shown_with_its_reason_and_the_next_unit_goes_in_one_click(
    page: Page, site: Site
) -> None:
    operator = {"Authorization": f"Bearer {site.keys['operator']}"}
    with httpx2.Client(base_url=site.url, headers=operator, timeout=30) as http:
        created = http.post("/api/calls", json={
            "category": "general", "triage": "kuning", "lon": 109.0800, "lat": -7.4100,
        }).json()  # fmt: skip
        call_id = created["call"]["id"]
        first = created["assessment"]["ambulances"][0]["ambulance_id"]
        assert http.post(f"/api/calls/{call_id}/dispatch", json={"ambulance_id": first}).is_success
        crew_key = site.server.create_user("Crew refusing", "crew", "--ambulance", first)
    log_in(page, site, "operator")
    page.wait_for_selector("body[data-ready='true']", timeout=30_000)
    row = page.locator(f"#calls li[data-call-id='{call_id}']")
    expect(row).to_contain_text("menunggu jawaban kru")
    crew = {"Authorization": f"Bearer {crew_key}"}
    with httpx2.Client(base_url=site.url, headers=crew, timeout=30) as http:
        refused = http.post("/api/crew/assignment/answer",
                            json={"accept": False, "reason": "vehicle_fault"})  # fmt: skip
        assert refused.is_success, refused.text
        following = refused.json()["next"]["ambulance_id"]
    banner = page.locator("#crew-refused")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text(f"{first} menolak #{call_id}: kendaraan rusak")
    expect(row).to_have_attribute("data-status", "received")  # waiting again, in the queue
    screenshot(page, "console-crew-refused")
    page.click("#crew-refused-send")
    expect(banner).to_be_hidden()
    expect(row).to_have_attribute("data-status", "dispatched")
    with httpx2.Client(base_url=site.url, headers=operator, timeout=30) as http:
        call = http.get(f"/api/calls/{call_id}").json()
        assert call["dispatch"]["ambulance_id"] == following
        http.post(f"/api/calls/{call_id}/status", json={"status": "cancelled", "reason": "test"})
    with httpx2.Client(base_url=site.url, headers=crew, timeout=30) as http:
        assert http.post("/api/crew/duty", json={"on_duty": True}).is_success
