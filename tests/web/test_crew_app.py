"""The crew's app on a phone (390x844) in Chromium with its GPS emulated: sign in with the
crew key, get the assignment, accept it, drive (positions stream over the crew socket), lose
the network for a stretch of positions, close the app and open it again offline (its files
come from the service worker), come back: every position is stored exactly once, in order,
and the steps advance."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.live_server import column
from tests.web.conftest import Site, screenshot

SCENE = (109.0800, -7.4100)  # lon, lat: a village road near Ajibarang


@pytest.fixture
def phone(browser: Browser, site: Site) -> Iterator[BrowserContext]:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
        has_touch=True, locale="id-ID", permissions=["geolocation"],
        geolocation={"longitude": SCENE[0] - 0.03, "latitude": SCENE[1]},
    )  # fmt: skip
    yield context
    context.close()


def move(context: BrowserContext, page: Page, lon: float, lat: float, apart_ms: int = 250) -> None:
    """The phone reports a new position (as a moving ambulance's GPS does)."""
    context.set_geolocation({"longitude": lon, "latitude": lat, "accuracy": 8})
    page.wait_for_timeout(apart_ms)  # positions apart in time: distinct fix times


def stored_times(site: Site, ambulance_id: str) -> list[str]:
    url = site.server.env["SATRIA_DATABASE_URL"]
    return [
        str(t)
        for t in column(
            url, f"SELECT fix_time FROM gpsfix WHERE ambulance_id = '{ambulance_id}' ORDER BY id"
        )
    ]


def test_a_crew_drives_a_call_through_a_network_gap_and_a_restart(
    phone: BrowserContext, site: Site
) -> None:
    operator = {"Authorization": f"Bearer {site.keys['operator']}"}
    with httpx2.Client(base_url=site.url, headers=operator, timeout=30) as http:
        fleet = http.get("/api/ambulances").json()
    ambulance_id = next(
        a["id"] for a in fleet if a["status"] == "available" and a["id"].startswith("pkm-ajibarang")
    )
    crew_key = site.server.create_user("Crew app", "crew", "--ambulance", ambulance_id)
    before = len(stored_times(site, ambulance_id))

    page = phone.new_page()
    page.goto(f"{site.url}/crew")
    page.wait_for_selector("body[data-ready='true']", timeout=30_000)
    page.fill("#crew-key", crew_key)
    page.click("#sign-in-form button[type='submit']")
    page.wait_for_selector("#crew:not([hidden])", timeout=30_000)
    expect(page.locator("#link-state")).to_have_class("feed-state live", timeout=15_000)
    expect(page.locator("#no-assignment")).to_be_visible()

    with httpx2.Client(base_url=site.url, headers=operator, timeout=30) as http:
        created = http.post("/api/calls", json={
            "category": "general", "triage": "merah", "lon": SCENE[0], "lat": SCENE[1],
            "address": "Jl. Raya Ajibarang km 3, depan masjid",
            "patients": [{"age_years": 60, "sex": "male", "condition": "nyeri dada"}],
        }).json()  # fmt: skip
        call_id = created["call"]["id"]
        assert http.post(
            f"/api/calls/{call_id}/dispatch", json={"ambulance_id": ambulance_id}
        ).is_success
    assignment = page.locator("#assignment")
    expect(assignment).to_be_visible(timeout=20_000)  # the app asks every 10 s
    expect(assignment).to_contain_text("depan masjid")
    expect(assignment).to_contain_text("nyeri dada")
    expect(page.locator("#a-navigate")).to_have_attribute(
        "href", f"geo:{SCENE[1]},{SCENE[0]}?q={SCENE[1]},{SCENE[0]}"
    )
    expect(page.locator("#crew-map path.route")).to_have_count(1, timeout=20_000)  # the way
    expect(page.locator("#route-summary")).to_contain_text(" mnt · ")
    page.wait_for_timeout(300)  # the road tiles drawn
    screenshot(page, "crew-assignment-390x844")
    page.click("#accept")
    step = page.locator("#steps button")
    expect(step).to_have_text("Berangkat")
    step.click()
    expect(step).to_have_text("Tiba di lokasi")

    # Driving: positions stream and are acknowledged.
    for i in range(5):
        move(phone, page, SCENE[0] - 0.025 + i * 0.002, SCENE[1])
    expect(page.locator("#fixes-waiting")).to_have_text("0", timeout=15_000)
    online = len(stored_times(site, ambulance_id)) - before
    assert online >= 5

    # The network drops for a stretch of road: positions wait on the phone.
    # Two minutes of road with no network: a position every 2 s, all kept on the phone.
    phone.set_offline(True)
    offline_started = time.monotonic()
    for i in range(60):
        move(phone, page, SCENE[0] - 0.015 + i * 0.0002, SCENE[1], apart_ms=2000)
    assert time.monotonic() - offline_started >= 120
    waiting = int(page.locator("#fixes-waiting").inner_text())
    assert waiting >= 60, waiting
    expect(page.locator("#link-state")).to_have_class("feed-state offline")  # says so
    screenshot(page, "crew-offline-390x844")
    # The crew closes the app and opens it again, still without a network.
    page.close()
    page = phone.new_page()
    page.goto(f"{site.url}/crew/")
    page.wait_for_selector("#crew:not([hidden])", timeout=30_000)
    expect(page.locator("#link-state")).to_have_class("feed-state offline")
    page.wait_for_timeout(500)
    # Nothing was lost with the app (the reopened app may add its own first position).
    waiting = int(page.locator("#fixes-waiting").inner_text())
    assert waiting >= 60, waiting
    # The network returns: what waited goes first, then the live positions.
    phone.set_offline(False)
    expect(page.locator("#link-state")).to_have_class("feed-state live", timeout=30_000)
    expect(page.locator("#fixes-waiting")).to_have_text("0", timeout=30_000)
    move(phone, page, SCENE[0], SCENE[1])
    expect(page.locator("#fixes-waiting")).to_have_text("0", timeout=15_000)

    times = stored_times(site, ambulance_id)[before:]
    assert len(times) == len(set(times))  # each position once
    assert times == sorted(times)  # and in the order driven
    assert len(times) >= online + waiting + 1
    with httpx2.Client(base_url=site.url, headers=operator, timeout=30) as http:
        call = http.get(f"/api/calls/{call_id}").json()
        assert call["status"] in ("en_route", "on_scene")  # the geofence may have moved it on
        assert call["dispatch"]["accepted_at"] is not None
        http.post(f"/api/calls/{call_id}/status", json={"status": "cancelled", "reason": "test"})
    time.sleep(0.1)


def test_a_phone_enrols_by_scanning_the_printed_code(
    phone: BrowserContext, site: Site, tmp_path: Path
) -> None:
    """The QR code opens /crew/#enrol=CODE: the phone signs in as the crew with nothing to
    type, and the code leaves the address bar (and cannot be used again)."""
    made = subprocess.run(
        [sys.executable, "-m", "app.cli", "crews", "enrol", "--ambulance", "pkm-wangon-1",
         "--png", str(tmp_path / "qr.png"), "--url", site.url],
        env=site.server.env, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    link = made.stdout.strip().splitlines()[-1]
    page = phone.new_page()
    page.goto(link)
    page.wait_for_selector("#crew:not([hidden])", timeout=30_000)
    expect(page.locator("#unit-name")).to_contain_text("Wangon")
    assert "enrol" not in page.url
    assert page.evaluate("localStorage.getItem('satria.crew.key')").startswith("sat_")
    screenshot(page, "crew-enrolled-390x844")
    # Another phone scanning the same code later is refused.
    assert phone.browser is not None
    other = phone.browser.new_context(viewport={"width": 390, "height": 844}, locale="id-ID")
    try:
        second = other.new_page()
        second.goto(link)
        expect(second.locator("#sign-in-error")).to_contain_text("sudah dipakai")
        expect(second.locator("#sign-in")).to_be_visible()
        screenshot(second, "crew-enrolment-spent-390x844")
    finally:
        other.close()
