"""A citizen on a phone (390x844, GPS emulated) registers with NIK and phone, confirms with the
code from the test gateway (the development outbox), presses the button; the operator's console
shows the call from the app with its verification state; the operator dispatches; the citizen
sees the ambulance coming on the map, then arriving. Screenshots of each step."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx2
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.conftest import Site, log_in, screen, screenshot

HOME = {"latitude": -7.3900, "longitude": 109.2330, "accuracy": 15}  # in Kota Purwa


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    """A citizen's phone: small screen, touch, and a GPS fix."""
    with screen(
        browser, viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True,
        geolocation=HOME, permissions=["geolocation"],
    ) as opened:  # fmt: skip
        yield opened


def outbox_code(site: Site) -> str:
    """The newest one-time code, as `satria outbox` shows it to a developer."""
    shown = subprocess.run(
        [sys.executable, "-m", "app.cli", "outbox", "--limit", "1"], env=site.server.env,
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout  # fmt: skip
    return shown.split("Kode PSC 119 Anda: ", 1)[1][:6]


def test_a_citizen_calls_from_the_app_and_watches_the_ambulance_come(
    phone: Page, page: Page, site: Site
) -> None:
    phone.goto(f"{site.url}/darurat")
    phone.wait_for_selector("body[data-ready='true']")
    phone.fill("#r-nik", "3302264107900101")
    phone.fill("#r-name", "Siti Aminah")
    phone.fill("#r-phone", "081311110000")
    screenshot(phone, "public-register", free_text=True)  # what she typed
    phone.click("#register-form button[type=submit]")
    expect(phone.locator("#confirm")).to_be_visible()
    expect(phone.locator("#code-phone")).to_contain_text("000")
    phone.fill("#c-code", outbox_code(site))
    phone.click("#confirm-form button[type=submit]")
    sos = phone.locator("#sos")
    expect(sos).to_be_visible()
    screenshot(phone, "public-button")
    box = sos.bounding_box()
    assert box is not None and box["width"] >= 240  # one large button, for a shaking hand
    sos.click()
    phone.click("button.kind[data-kind='sakit_mendadak']")
    expect(phone.locator("#gps-state")).to_contain_text("Lokasi HP ditemukan")
    phone.fill("#e-text", "ayah pingsan")
    screenshot(phone, "public-kind", free_text=True)
    phone.click("#send")
    expect(phone.locator("#steps li.now")).to_have_text("Diterima PSC 119")
    expect(phone.locator("#first-aid li").first).to_be_visible()
    call_id = int(phone.evaluate("localStorage.getItem('satria.public.last-call')"))

    # The operator sees it at once, from the app, with the NIK's verification state.
    log_in(page, site, "operator")
    page.wait_for_selector("body[data-ready='true']", timeout=30_000)
    row = page.locator(f"#calls li[data-call-id='{call_id}']")
    expect(row).to_contain_text("dari aplikasi")
    expect(row.locator(".verification")).to_contain_text("Verifikasi")
    page.select_option("#source-filter", "app")
    expect(row).to_be_visible()
    screenshot(page, "console-app-call")
    operator = {"Authorization": f"Bearer {site.keys['operator']}"}
    with httpx2.Client(base_url=site.url, headers=operator, timeout=30) as http:
        dispatched = http.post(f"/api/calls/{call_id}/dispatch", json={}).json()
        ambulance = dispatched["dispatch"]["ambulance_id"]
    crew_key = site.server.create_user("Kru", "crew", "--ambulance", ambulance)
    crew = {"Authorization": f"Bearer {crew_key}"}
    with httpx2.Client(base_url=site.url, headers=crew, timeout=30) as http:
        http.post(f"/api/calls/{call_id}/status", json={"status": "en_route"})
        fix = {"lon": 109.2400, "lat": -7.3850, "fix_time": datetime.now(UTC).isoformat()}
        assert http.post(f"/api/ambulances/{ambulance}/fixes", json={"fixes": [fix]}).is_success
    expect(phone.locator("#steps li.now")).to_have_text("Ambulans berangkat", timeout=10_000)
    expect(phone.locator("#eta")).to_contain_text("Ambulans tiba dalam", timeout=10_000)
    expect(phone.locator(".leaflet-marker-icon")).to_have_count(2)  # the call and the ambulance
    screenshot(phone, "public-ambulance-coming")
    with httpx2.Client(base_url=site.url, headers=crew, timeout=30) as http:
        http.post(f"/api/calls/{call_id}/status", json={"status": "on_scene"})
    expect(phone.locator("#steps li.now")).to_have_text("Ambulans tiba", timeout=10_000)
    expect(phone.locator("#eta")).to_have_text("")
    screenshot(phone, "public-ambulance-arrived")
    # Nothing internal reaches the citizen's page: no crew, no hospital, no other call.
    text = phone.evaluate("document.body.innerText")
    assert ambulance not in text and "Kru" not in text
