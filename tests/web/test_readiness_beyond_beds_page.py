"""At the board, a nurse reports who is on call and the blood in stock; rankings use it."""

from __future__ import annotations

import httpx2
from playwright.sync_api import Page, expect

from tests.web.conftest import Site, log_in, screenshot


def test_the_board_reports_specialists_on_call_and_blood(page: Page, site: Site) -> None:
    log_in(page, site, "hospital_other")
    page.wait_for_selector("body[data-ready='true']", timeout=30_000)
    row = page.locator("#on-call .on-call-row[data-specialist='obgyn']")
    expect(row).to_contain_text("dokter kandungan (SpOG)")
    row.locator("input.on").check()
    row.locator("input.from").fill("00:00")
    row.locator("input.until").fill("00:00")  # until midnight: the whole day, at any hour
    page.locator("#blood input[data-group='O+']").fill("1")
    page.click("#save-readiness")
    expect(page.locator("#readiness-result")).to_have_class("ok")
    expect(page.locator("#on-call-updated")).to_contain_text("diperbarui")
    screenshot(page, "board-on-call-and-blood")
    operator = {"Authorization": f"Bearer {site.keys['operator']}"}
    with httpx2.Client(base_url=site.url, headers=operator, timeout=30) as http:
        hospital = http.get("/api/hospitals/rs-islam-purwa").json()["readiness"]
        assert set(hospital["on_call"]) == {"obgyn"} and hospital["blood_units"]["O+"] == 1
        ranked = http.post("/api/rankings", json={
            "lon": 109.233, "lat": -7.39, "category": "obstetric_emergency",
        }).json()  # fmt: skip
    everyone = ranked["eligible"] + ranked["passed_over"]
    mine = next(h for h in everyone if h["hospital_id"] == "rs-islam-purwa")
    found = {(r["code"], r["subject"]) for r in mine["reasons"]}
    assert ("no_specialist", "anaesthesia") in found and ("low_blood", "O+") in found
    assert ("no_specialist", "obgyn") not in found
