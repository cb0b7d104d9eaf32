"""The call form as an operator mid-call uses it: typed coordinates, keyboard shortcuts, no
triage until one is chosen, several patients, a warning at a field's limit, and a clean form
for the next call."""

from __future__ import annotations

import httpx2
from playwright.sync_api import Page, expect

from tests.web.conftest import REPORT, Site, log_in, screenshot


def test_a_call_by_keyboard_with_two_patients_leaves_a_clean_form(page: Page, site: Site) -> None:
    log_in(page, site, "operator")
    page.wait_for_selector("body[data-ready='true']", timeout=30_000)
    expect(page.locator("#triage")).to_have_value("")  # the operator chooses
    expect(page.locator("#category")).to_have_value("")

    page.keyboard.press("Alt+n")  # a new call: the cursor in the location
    expect(page.locator("#location")).to_be_focused()
    page.keyboard.type("-7.3850, 109.2290")
    page.keyboard.press("Tab")  # the coordinates are read when the field is left
    expect(page.locator("path.incident")).to_have_count(1)
    page.select_option("#category", "general")
    page.click("#create-call")  # no triage yet: the browser asks for it, nothing is sent
    expect(page.locator("#assessment")).to_be_hidden()
    page.keyboard.press("Alt+m")
    expect(page.locator("#triage")).to_have_value("merah")

    page.fill("#patient-condition", "luka bakar tangan")
    page.click("#add-patient")
    second = page.locator("fieldset.patient").nth(1)
    second.locator("input[name='age']").fill("7")
    second.locator("input[name='condition']").fill("sesak napas")
    # Pasting past a field's limit is said, not silently cut.
    page.fill("#caller-nik", "33022641079000011234")
    page.locator("#caller-nik").dispatch_event("input")
    expect(page.locator("#form-error")).to_contain_text("Batas panjang")
    page.fill("#caller-nik", "")
    screenshot(page, "console-call-form-two-patients")
    page.click("#create-call")

    expect(page.locator("#assessment")).to_be_visible()
    call_id = page.locator("#assessment-call").inner_text().lstrip("#")
    # A clean form for the next call: no point, no triage, one patient.
    expect(page.locator("#location")).to_have_value("")
    expect(page.locator("#triage")).to_have_value("")
    expect(page.locator("fieldset.patient")).to_have_count(1)
    expect(page.locator("path.incident")).to_have_count(0)
    page.keyboard.press("Alt+d")  # dispatch and refer the recommendation
    expect(page.locator("#dispatch-result")).to_contain_text("dikirim")

    operator = {"Authorization": f"Bearer {site.keys['operator']}"}
    with httpx2.Client(base_url=site.url, headers=operator, timeout=30) as http:
        call = http.get(f"/api/calls/{call_id}").json()
        assert call["triage"] == "merah" and call["status"] == "dispatched"
        assert [p["age_years"] for p in call["patients"]] == [None, 7]
        assert call["location"]["lat"] == -7.385 and call["location"]["lon"] == 109.229
        http.post(f"/api/calls/{call_id}/status", json={"status": "cancelled", "reason": "test"})


def test_coordinates_outside_the_region_are_refused_by_name(page: Page, site: Site) -> None:
    log_in(page, site, "operator")
    page.wait_for_selector("body[data-ready='true']", timeout=30_000)
    page.fill("#location", "-6.2000, 106.8166")  # Jakarta
    page.locator("#location").press("Tab")
    expect(page.locator("#form-error")).to_contain_text("di luar wilayah")
    expect(page.locator("path.incident")).to_have_count(0)


def test_on_a_phone_the_console_is_readable_and_every_button_is_on_screen(
    page: Page, site: Site
) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, site, "operator")
    page.wait_for_selector("body[data-ready='true']", timeout=30_000)
    expect(page.locator("#feed-state")).to_have_class("feed-state live")  # the header settled
    box = page.locator("#map").bounding_box()
    assert box is not None and box["width"] >= 380 and box["height"] >= 300
    logout = page.locator("[data-logout]").bounding_box()
    assert logout is not None and logout["x"] + logout["width"] <= 390
    expect(page.locator("#call-form")).to_be_hidden()  # read-only on a phone
    expect(page.locator("#calls")).to_be_visible()
    screenshot(page, "console-phone")
    page.click("[data-logout]")
    expect(page).to_have_url(f"{site.url}/login")


def test_a_whole_call_by_keyboard_alone_counts_its_keystrokes(page: Page, site: Site) -> None:
    """From "new call" to "dispatched and referred" without the mouse: the place by name,
    the category by its first letters, the triage and the dispatch by shortcuts. The count
    goes to the run's report (the issue counted 19 clicks and about 92 keys before)."""
    log_in(page, site, "operator")
    page.wait_for_selector("body[data-ready='true']", timeout=30_000)
    keys = 0

    def press(*names: str) -> None:
        nonlocal keys
        for name in names:
            page.keyboard.press(name)
            keys += 1

    def type_text(text: str) -> None:
        nonlocal keys
        page.keyboard.type(text)
        keys += len(text)

    press("Alt+n")
    type_text("karangs")
    expect(page.locator("#location-suggestions li[role='option']").first).to_contain_text(
        "Karangsari"
    )
    press("Enter")  # the place; the cursor moves on to the category
    expect(page.locator("#category")).to_be_focused()
    type_text("stemi")  # a select picks the option its typed letters begin
    expect(page.locator("#category")).to_have_value("stemi")
    press("Alt+m", "Tab", "Tab", "Tab")  # MERAH; on to the caller's NIK
    expect(page.locator("#caller-nik")).to_be_focused()
    press("Enter")  # the call is taken
    expect(page.locator("#assessment")).to_be_visible()
    expect(page.locator("#dispatch")).to_be_enabled()
    press("Alt+d")  # dispatch the recommended ambulance and refer to the recommended hospital
    expect(page.locator("#dispatch-result")).to_contain_text("dikirim")
    REPORT["a whole call by keyboard"] = f"{keys} keystrokes, 0 clicks"
    call_id = page.locator("#assessment-call").inner_text().lstrip("#")
    operator = {"Authorization": f"Bearer {site.keys['operator']}"}
    with httpx2.Client(base_url=site.url, headers=operator, timeout=30) as http:
        call = http.get(f"/api/calls/{call_id}").json()
        taken = (call["category"], call["triage"], call["status"])
        assert taken == ("stemi", "merah", "dispatched")
        assert call["referral"] is not None
        http.post(f"/api/calls/{call_id}/status", json={"status": "cancelled", "reason": "test"})
