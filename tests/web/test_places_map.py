"""Finding the place and reading the map, as an operator mid-call and a nurse at the board:
place search by village and street from the keyboard, the nearest place named after a click,
labels by zoom, the river and a legend, shapes that say what a thing is, hospital colours that
follow readiness, coverage that says it is loading, and the board's warning before its bed
counts go stale."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx2
from playwright.sync_api import Page, expect

from tests.web.conftest import Site, log_in, screenshot


def ready_console(page: Page, site: Site) -> None:
    log_in(page, site, "operator")
    page.wait_for_selector("body[data-ready='true']", timeout=30_000)


def test_a_call_is_located_by_village_and_by_street_from_the_keyboard(
    page: Page, site: Site
) -> None:
    ready_console(page, site)
    page.keyboard.press("Alt+n")
    page.keyboard.type("karangsar")  # as the caller says it, not finished
    options = page.locator("#location-suggestions li[role='option']")
    expect(options.first).to_contain_text("Karangsari")
    expect(options.first).to_contain_text("desa")  # the kind, in words
    screenshot(page, "console-place-search-village")
    page.keyboard.press("Enter")
    expect(page.locator("path.incident")).to_have_count(1)
    expect(page.locator("#location-name")).to_contain_text("Karangsari")
    expect(page.locator("#category")).to_be_focused()  # on to the next question
    expect(page.locator("#location")).to_have_value(re.compile(r"^-7\.\d{5}, 10[89]\.\d{5}$"))

    # The same street name is in several towns: the town's name picks the right one.
    page.locator("#location").fill("")
    page.locator("#location").focus()
    page.keyboard.type("jl sudirman purwa")
    expect(options.first).to_contain_text("Jl. Jend. Sudirman")
    expect(options.first).to_contain_text("Kota Purwa")
    page.keyboard.press("Enter")
    expect(page.locator("#location-name")).to_have_text("Jl. Jend. Sudirman, Kota Purwa")
    assert page.evaluate("window.satria.map.getZoom()") >= 15  # zoomed to the street
    expect(page.locator(".place-label.kind-street span").first).to_be_visible()  # named up close
    screenshot(page, "console-place-search-street")

    # A misspelt name still finds it; arrows move through the list; Escape closes it.
    page.locator("#location").fill("")
    page.locator("#location").focus()
    page.keyboard.type("pasar kota purwq")
    expect(options.first).to_contain_text("Pasar Kota Purwa")
    page.keyboard.press("Escape")
    expect(page.locator("#location-suggestions")).to_be_hidden()
    page.locator("#location").fill("")
    page.locator("#location").focus()
    page.keyboard.type("tempat yang tidak ada sama sekali")
    expect(page.locator("#location-suggestions")).to_contain_text("Tidak ada tempat bernama")


def test_a_click_on_the_map_names_the_nearest_place(page: Page, site: Site) -> None:
    ready_console(page, site)
    operator = {"Authorization": f"Bearer {site.keys['operator']}"}
    with httpx2.Client(base_url=site.url, headers=operator, timeout=30) as http:
        pasar = http.get("/api/places", params={"q": "pasar kota purwa"}).json()[0]
    page.evaluate(
        "([lat, lon]) => { const m = window.satria.map;"
        " m.setView([lat, lon], 16, {animate: false});"
        " m.fire('click', {latlng: L.latLng(lat, lon + 0.0002)}); }",
        [pasar["lat"], pasar["lon"]],
    )
    expect(page.locator("#location-name")).to_contain_text("dekat Pasar Kota Purwa")
    expect(page.locator("#location-name")).to_contain_text(" m)")


def test_the_map_has_names_by_zoom_a_river_a_legend_and_shapes(page: Page, site: Site) -> None:
    ready_console(page, site)
    # Zoomed out: the districts are named, the streets are not (yet).
    expect(page.locator(".place-label.kind-district span").first).to_be_visible()
    assert page.locator(".place-label.kind-street").count() == 0
    expect(page.locator("path.river")).to_have_count(1)
    legend = page.locator(".map-legend")
    expect(legend).to_contain_text("RS pengalihan")
    expect(legend).to_contain_text("sungai")
    # Hospitals are squares, calls triangles, ambulances circles: not only colours.
    expect(page.locator(".sym-hospital")).not_to_have_count(0)
    assert page.locator(".leaflet-marker-pane .sym-hospital").count() == 20
    assert page.locator(".leaflet-marker-pane .sym-ambulance").count() == 0  # on the canvas
    screenshot(page, "console-map-legend")
    page.click("#language")
    expect(legend).to_contain_text("hospital on diversion")
    page.click("#language")


def test_a_hospital_on_diversion_turns_red_on_the_console_without_a_reload(
    page: Page, site: Site
) -> None:
    ready_console(page, site)
    marker = page.locator("[data-hospital-id='rs-islam-purwa'] .sym-hospital")
    expect(marker).not_to_have_class(re.compile("diversion"))
    other = {"Authorization": f"Bearer {site.keys['hospital_other']}"}
    with httpx2.Client(base_url=site.url, headers=other, timeout=30) as http:
        url = "/api/hospitals/rs-islam-purwa/readiness"
        diversion = {"on_diversion": True, "diversion_reason": "IGD penuh"}
        assert http.put(url, json=diversion).is_success
        try:
            expect(marker).to_have_class(re.compile("diversion"), timeout=10_000)
        finally:
            http.put(url, json={"on_diversion": False})
    expect(marker).not_to_have_class(re.compile("diversion"), timeout=10_000)


def test_coverage_says_it_is_loading(page: Page, site: Site) -> None:
    ready_console(page, site)
    shown = page.evaluate(
        "() => { const s = document.getElementById('coverage-capability');"
        " s.value = s.options[1].value; s.dispatchEvent(new Event('change'));"
        " return document.querySelector('#coverage-legend .loading')?.textContent; }"
    )
    assert shown and "Menghitung" in shown
    page.wait_for_selector("path.coverage-band", timeout=60_000)
    expect(page.locator("#coverage-legend .loading")).to_have_count(0)


def test_the_board_warns_before_its_bed_counts_go_stale(page: Page, site: Site) -> None:
    log_in(page, site, "hospital")
    page.wait_for_selector("body[data-ready='true']", timeout=30_000)
    page.fill("input[data-kind='igd']", "5")
    page.click("#save-readiness")
    expect(page.locator("#readiness-result")).to_have_class("ok")
    warning = page.locator("#stale-warning")
    expect(warning).to_be_hidden()
    expect(page.locator("#beds")).to_contain_text("IGD")  # bed kinds by name
    # Five and a half hours later (the service's default: stale after six).
    page.clock.set_system_time(datetime.now(UTC) + timedelta(hours=5, minutes=30))
    page.click("#language")
    page.click("#language")  # the board draws its readiness again, as it does every 30 s
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("akan usang dalam")
    expect(warning).to_contain_text("IGD")
    screenshot(page, "board-stale-warning")
    page.clock.set_system_time(datetime.now(UTC) + timedelta(hours=6, minutes=10))
    page.click("#language")
    page.click("#language")
    expect(warning).to_contain_text("sudah usang")
