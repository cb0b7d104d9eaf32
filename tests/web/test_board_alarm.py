"""The board alerts: a new patient sounds an alarm (Web Audio) and shows a full-width banner
until someone acknowledges or answers; it can be muted for a shift, visibly. A wall screen at
1920x1080, with a night theme, read from 5 m."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx2
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.conftest import Site, log_in, screen, screenshot

PURWA = {"lon": 109.233, "lat": -7.39}


def referred(site: Site, category: str = "stemi", triage: str = "merah") -> tuple[int, int]:
    operator = {"Authorization": f"Bearer {site.keys['operator']}"}
    with httpx2.Client(base_url=site.url, headers=operator, timeout=30) as http:
        call_id: int = http.post("/api/calls", json={
            "category": category, "triage": triage, **PURWA,
            "patients": [{"age_years": 61, "sex": "female", "condition": "nyeri dada"}],
        }).json()["call"]["id"]  # fmt: skip
        sent = http.post(f"/api/calls/{call_id}/referral", json={
            "hospital_id": "rsud-purwa", "override_reason": "rumah sakit terdekat",
        })  # fmt: skip
        assert sent.is_success, sent.text
        return call_id, sent.json()["referral"]["referral_id"]


def cancel(site: Site, call_id: int) -> None:
    operator = {"Authorization": f"Bearer {site.keys['operator']}"}
    with httpx2.Client(base_url=site.url, headers=operator, timeout=30) as http:
        http.post(f"/api/calls/{call_id}/status", json={"status": "cancelled", "reason": "test"})


def body_classes(page: Page) -> set[str]:
    return set(page.evaluate("[...document.body.classList]"))


def alarm(page: Page) -> dict[str, Any]:
    state: dict[str, Any] = page.evaluate("window.satria.alarm")
    return state


def test_a_new_patient_sounds_until_acknowledged_and_can_be_muted_for_a_shift(
    page: Page, site: Site
) -> None:
    log_in(page, site, "hospital")
    page.wait_for_selector("body[data-ready='true']", timeout=30_000)
    sound = page.locator("#sound")
    expect(sound).to_have_text("Aktifkan suara alarm")  # browsers start audio after a press
    sound.click()
    page.wait_for_function("window.satria.alarm && window.satria.alarm.context === 'running'")
    expect(sound).to_be_hidden()
    first_call, _ = referred(site)
    banner = page.locator("#alarm-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("STEMI")
    expect(banner).to_contain_text("MERAH")
    page.wait_for_function("window.satria.alarm.sounding && window.satria.alarm.beeps >= 1")
    screenshot(page, "board-alarm")
    page.click("#alarm-acknowledge")
    expect(banner).to_be_hidden()
    page.wait_for_function("!window.satria.alarm.sounding")
    beeps = alarm(page)["beeps"]
    # Muted for the shift: silent, and the header says so until someone turns it back on.
    second_call, second = referred(site, "obstetric_emergency", "kuning")
    expect(banner).to_contain_text("kegawatan obstetri")
    page.wait_for_function("window.satria.alarm.sounding")
    page.click("#alarm-mute")
    page.wait_for_function("!window.satria.alarm.sounding && window.satria.alarm.muted")
    expect(page.locator("#muted-state")).to_contain_text("Alarm dibisukan sampai")
    expect(banner).to_be_visible()  # the patient still waits for an answer
    screenshot(page, "board-alarm-muted")
    page.locator("#muted-state button").click()
    page.wait_for_function("window.satria.alarm.sounding && !window.satria.alarm.muted")
    # Answering stops it too.
    page.locator(f"li.card[data-referral-id='{second}'] button.accept").click()
    expect(banner).to_be_hidden()
    page.wait_for_function("!window.satria.alarm.sounding")
    assert alarm(page)["beeps"] > beeps
    cancel(site, first_call)
    cancel(site, second_call)


@pytest.fixture
def wall(browser: Browser, site: Site) -> Iterator[Page]:
    """The board on a 1920x1080 wall screen."""
    with screen(browser, viewport={"width": 1920, "height": 1080}) as opened:
        yield opened


def test_the_wall_screen_shows_one_big_card_per_incoming_ambulance(wall: Page, site: Site) -> None:
    calls = [
        referred(site),
        referred(site, "major_trauma", "kuning"),
        referred(site, "paediatric", "hijau"),
    ]
    log_in(wall, site, "hospital")
    wall.wait_for_selector("body[data-ready='true']", timeout=30_000)
    wall.click("#wall-mode")
    assert body_classes(wall) >= {"wall", "alarming"}
    expect(wall.locator("#map")).to_be_hidden()
    cards = wall.locator("#incoming li.card")
    expect(cards).to_have_count(3)
    eta_px = float(
        wall.locator("#incoming .eta").first.evaluate(
            "e => parseFloat(getComputedStyle(e).fontSize)"
        )
    )
    assert eta_px >= 80  # the countdown is read across the room
    screenshot(wall, "board-wall-1920")
    wall.click("#night")
    background = wall.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(13, 17, 23)"
    screenshot(wall, "board-wall-1920-night")
    wall.reload()  # the screen keeps its mode
    wall.wait_for_selector("body[data-ready='true']", timeout=30_000)
    assert body_classes(wall) >= {"wall", "dark"}
    for call_id, _ in calls:
        cancel(site, call_id)
