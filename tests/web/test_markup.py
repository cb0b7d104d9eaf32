"""What people type is shown as text on every page: markup in every free-text field creates
no element, and a long unbroken string wraps instead of widening a panel."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx2
import pytest
from playwright.sync_api import Page, expect

from tests.web.conftest import Site, log_in, screenshot

MARKUP = "<img src=x id=inj-img onerror=alert(1)><b id=inj-b>tebal</b>"
UNBROKEN = "X" * 120  # about 1,000 px: far wider than a panel
INJECTED = "#inj-img, #inj-b, img[src='x']"
HOSPITAL = "rsud-purwa"


@pytest.fixture(scope="module")
def typed(site: Site) -> Iterator[Site]:
    """Markup in the call (caller, patient, address), a road closure, a diversion reason and
    a user's name; the closure and the hospital's readiness are put back afterwards."""
    operator = {"Authorization": f"Bearer {site.keys['operator']}"}
    hospital = {"Authorization": f"Bearer {site.keys['hospital']}"}
    site.keys["marked_operator"] = site.server.create_user(f"Op {MARKUP}", "operator")
    with httpx2.Client(base_url=site.url, timeout=30) as http:
        created = http.post("/api/calls", headers=operator, json={
            "category": "general", "triage": "kuning", "lon": 109.2290, "lat": -7.3850,
            "address": f"Jl. {MARKUP} {UNBROKEN}",
            "caller": {"name": MARKUP, "phone": "081234567890"},
            "patients": [{"name": MARKUP, "condition": f"{MARKUP} {UNBROKEN}"}],
        })  # fmt: skip
        assert created.status_code == 201, created.text
        call_id = created.json()["call"]["id"]
        http.post(f"/api/calls/{call_id}/dispatch", headers=operator, json={})
        referred = http.post(f"/api/calls/{call_id}/referral", headers=operator, json={
            "hospital_id": HOSPITAL, "override_reason": f"{MARKUP} {UNBROKEN}",
        })  # fmt: skip
        assert referred.status_code == 200, referred.text
        closure = http.post("/api/road-restrictions", headers=operator, json={
            "kind": "closure", "geometry": {"type": "Point", "coordinates": [109.2330, -7.3900]},
            "reason": f"{MARKUP} {UNBROKEN}",
            "expires_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
        })  # fmt: skip
        assert closure.status_code == 201, closure.text
        before = http.get(f"/api/hospitals/{HOSPITAL}", headers=hospital).json()["readiness"]
        diverted = http.put(f"/api/hospitals/{HOSPITAL}/readiness", headers=hospital, json={
            "on_diversion": True, "diversion_reason": f"{MARKUP} {UNBROKEN}",
        })  # fmt: skip
        assert diverted.status_code == 200, diverted.text
        yield site
        http.delete(f"/api/road-restrictions/{closure.json()['id']}", headers=operator)
        http.put(f"/api/hospitals/{HOSPITAL}/readiness", headers=hospital, json={
            "on_diversion": before["on_diversion"], "diversion_reason": before["diversion_reason"],
        })  # fmt: skip
        http.post(f"/api/calls/{call_id}/status", headers=operator,
                  json={"status": "cancelled", "reason": "test over"})  # fmt: skip


def open_every_tooltip(page: Page) -> int:
    """Open the tooltip of every layer on the map (Leaflet builds them on opening)."""
    return int(page.evaluate("""() => {
        let opened = 0;
        satria.map.eachLayer((layer) => {
            if (layer.getTooltip && layer.getTooltip()) { layer.openTooltip(); opened += 1; }
        });
        return opened;
    }"""))  # fmt: skip


def assert_text_only(page: Page) -> None:
    assert page.locator(INJECTED).count() == 0, "markup typed by a person became an element"
    widest = page.evaluate(
        "() => { const p = document.getElementById('panel');"
        " return p ? p.scrollWidth - p.clientWidth : 0; }"
    )
    assert widest <= 1, f"a long string widened the panel by {widest} px"


def test_markup_typed_into_a_call_a_closure_or_a_name_stays_text_on_the_console(
    page: Page, typed: Site
) -> None:
    log_in(page, typed, "marked_operator")
    page.wait_for_selector("body[data-ready='true']", timeout=30_000)
    expect(page.locator("#restrictions li.closure")).to_contain_text("<img src=x")
    expect(page.locator("[data-me]")).to_contain_text("<b id=inj-b>")  # the user's own name
    assert open_every_tooltip(page) > 0
    expect(page.locator(".leaflet-tooltip", has_text="<img src=x")).to_have_count(1)
    assert_text_only(page)
    screenshot(page, "console-markup-as-text", free_text=True)


def test_markup_in_a_patient_or_a_diversion_reason_stays_text_on_the_board(
    page: Page, typed: Site
) -> None:
    log_in(page, typed, "hospital")
    page.wait_for_selector("body[data-ready='true']", timeout=30_000)
    expect(page.locator("#incoming")).to_contain_text("<img src=x")  # the patient's condition
    expect(page.locator("#diversion-reason")).to_have_value(f"{MARKUP} {UNBROKEN}")
    open_every_tooltip(page)
    assert_text_only(page)
    screenshot(page, "board-markup-as-text", free_text=True)
