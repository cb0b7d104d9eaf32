"""The reports dashboard as the health office and a PSC coordinator use it: months of
SYNTHETIC history from `satria simulate --history`, the figures on screen the API's own, the
slowest calls opened step by step, and from the console the call's timeline."""

from __future__ import annotations

import subprocess
import sys

import httpx2
import pytest
from playwright.sync_api import Page, expect

from tests.web.conftest import REPORT, Site, log_in, screenshot


@pytest.fixture(scope="module")
def history(site: Site) -> Site:
    """60 days of SYNTHETIC calls up to now, and a health-office key."""
    subprocess.run(
        [sys.executable, "-m", "app.cli", "simulate", "--history", "60d", "--calls-per-day", "25"],
        env=site.server.env, capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    site.keys["health_office"] = site.server.create_user("Dinkes Banyumas", "health-office")
    return site


def test_the_health_office_reads_the_month_against_its_targets(page: Page, history: Site) -> None:
    log_in(page, history, "health_office")
    page.wait_for_url("**/reports")
    page.wait_for_selector("body[data-painted-ms]", timeout=30_000)
    page.wait_for_selector("body[data-mapped]", timeout=30_000)
    REPORT["reports first paint, ms"] = page.evaluate("document.body.dataset.paintedMs")
    expect(page.locator("#synthetic")).to_contain_text("DATA SINTETIS")
    expect(page.locator("#to-console")).to_be_hidden()  # the health office has no console
    # What the tiles say is what the API says, in minutes as the page rounds them.
    who = {"Authorization": f"Bearer {history.keys['health_office']}"}
    with httpx2.Client(base_url=history.url, headers=who, timeout=30) as http:
        terms = http.get("/api/reports/terms").json()
    response = page.locator(".tile[data-interval='response']")
    expect(response).to_contain_text("Waktu tanggap")
    expect(response).to_contain_text("dalam target 30 mnt")
    shown = page.evaluate("""async () => {
        const {since, until} = document.body.dataset;  // the period the page shows
        const q = new URLSearchParams({interval: "response", by: "all", since, until});
        const r = await fetch(`/api/reports/intervals?${q}`, {headers: {
          Authorization: `Bearer ${sessionStorage.getItem("satria.key")}`}});
        return (await r.json())[0];
    }""")
    median_min = shown["median_s"] / 60
    text = f"{median_min:.1f} mnt" if median_min < 10 else f"{round(median_min)} mnt"
    expect(response.locator(".big")).to_contain_text(text)
    expect(response).to_contain_text(f"{round(shown['within_target'] * 100)}% dalam target")
    assert {i["name"] for i in terms["intervals"]} >= {"handling", "response", "handover"}
    expect(page.locator(".tile[data-kind='referral_declined'] li").first).to_be_visible()
    assert page.locator("#district-map .district-median").count() >= 5
    # The slowest call, step by step: taken first, then on in time.
    first = page.locator("#slowest tr[data-call-id]").first
    first.locator("button").click()
    steps = page.locator("#slowest tr.steps").first
    expect(steps).to_be_visible()
    expect(steps).to_contain_text("diterima")
    expect(steps).to_contain_text("di lokasi")
    screenshot(page, "reports-dashboard")
    # Another interval, another month: the page asks again and says what it shows.
    page.select_option("#interval", "handover")
    expect(page.locator("#weekly-title")).to_contain_text("Serah terima")
    expect(page.locator("#slowest-title")).to_contain_text("Serah terima")


def test_a_coordinator_goes_from_a_slow_call_to_its_timeline(page: Page, history: Site) -> None:
    log_in(page, history, "operator")
    page.wait_for_selector("body[data-ready='true']", timeout=30_000)
    # The reports open in a tab of their own: the console stays as it was.
    with page.context.expect_page() as opened:
        page.click("header a[href='/reports']")
    reports = opened.value
    reports.wait_for_selector("body[data-painted-ms]", timeout=30_000)
    first = reports.locator("#slowest tr[data-call-id]").first
    call_id = first.get_attribute("data-call-id")
    with reports.context.expect_page() as console:
        first.locator("a").click()
    timeline = console.value
    timeline.wait_for_url(f"**/console#call={call_id}")
    expect(timeline.locator("#call-detail")).to_be_visible(timeout=30_000)
    expect(timeline.locator("#detail-title")).to_contain_text(f"#{call_id}")
    expect(timeline.locator("#timeline li").first).to_be_visible()
    expect(page.locator("body[data-ready='true']")).to_have_count(1)  # still the console


def test_a_hospital_key_gets_no_reports(page: Page, history: Site) -> None:
    log_in(page, history, "hospital")
    page.wait_for_url("**/board/**")
    page.goto(f"{history.url}/reports")
    expect(page.locator("#report-error")).to_contain_text("Peran ini tidak memiliki halaman")
    expect(page.locator("#headline .tile")).to_have_count(0)
