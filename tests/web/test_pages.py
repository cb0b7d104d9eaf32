"""The operator console and the hospital board in a real headless Chromium.

An operator logs in, clicks the map to place a call, sees the explained ranking with the
route, and dispatches; the hospital's board shows that ambulance coming with its ETA going
down as it drives, and the arrival; another hospital's key cannot open that board; a wrong
key is sent back to the login page with an error.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import httpx2
from playwright.sync_api import Page, expect
from websockets.sync.client import connect

from routing import LonLat, Region
from routing.pack import DEFAULT_REGIONS_DIR
from tests.web.conftest import REPORT, Site, log_in, screenshot
from tracking.trip import Trip

INCIDENT = LonLat(109.2290, -7.3850)  # Kota Purwa, a few minutes from RSUD Purwa
HOSPITAL = "rsud-purwa"


def test_a_wrong_key_gets_the_login_page_with_an_error(page: Page, site: Site) -> None:
    page.goto(f"{site.url}/console")  # no key in this tab: the login page
    expect(page).to_have_url(f"{site.url}/login")
    page.fill("#key", "not-a-key")
    page.click("#login-button")
    expect(page.locator("#login-error")).to_be_visible()
    expect(page.locator("#login-error")).to_contain_text("Kunci tidak dikenal")
    expect(page).to_have_url(f"{site.url}/login")


def test_an_operator_places_a_call_on_the_map_sees_the_ranking_and_dispatches(
    page: Page, site: Site
) -> None:
    log_in(page, site, "operator")
    expect(page).to_have_url(f"{site.url}/console")
    page.wait_for_selector("body[data-ready='true']", timeout=30_000)
    load_ms = page.evaluate("window.satria.readyMs")
    paint = page.evaluate(
        "performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null"
    )
    REPORT["operator console load"] = (
        f"first paint {paint or 0:.0f} ms, ready {load_ms:.0f} ms (roads, hospitals, "
        "ambulances and calls shown)"
    )
    expect(page.locator("#synthetic")).to_be_visible()  # the demo region says it is synthetic
    assert page.locator(".leaflet-tile-container canvas").count() > 0  # the roads are drawn

    point = page.evaluate(
        "([lat, lon]) => satria.map.latLngToContainerPoint([lat, lon])",
        [INCIDENT.lat, INCIDENT.lon],
    )
    page.locator("#map").click(position={"x": point["x"], "y": point["y"]})
    expect(page.locator("#location")).not_to_have_value("")
    page.select_option("#category", "stemi")
    page.select_option("#triage", "merah")
    page.fill("#caller-nik", "3302264107900001")
    page.fill("#patient-name", "Budi Santoso")
    page.fill("#patient-age", "61")
    page.select_option("#patient-sex", "male")
    page.fill("#patient-condition", "nyeri dada 40 menit")
    page.click("#create-call")

    expect(page.locator("#assessment")).to_be_visible()
    eligible = page.locator("#ranking li")
    expect(eligible.first).to_contain_text("disarankan")
    assert eligible.count() >= 1
    assert page.locator("#passed-over li").count() >= 1  # and why the others were not chosen
    page.wait_for_selector("path.route", timeout=10_000)  # the route is drawn
    expect(page.locator("#ambulances li").first).to_contain_text("ETA")
    screenshot(page, "console-ranking")

    page.click("#dispatch")
    expect(page.locator("#dispatch-result")).to_contain_text("dikirim")
    call_id = page.locator("#assessment-call").inner_text().lstrip("#")
    row = page.locator(f"#calls li[data-call-id='{call_id}']")
    expect(row).to_contain_text("ambulans dikirim")
    expect(row).to_contain_text("menunggu")  # the hospital has not acknowledged yet
    screenshot(page, "console-dispatched")


def test_the_board_shows_the_ambulance_coming_with_a_falling_eta(page: Page, site: Site) -> None:
    region = Region.load(DEFAULT_REGIONS_DIR / "demo")
    operator = {"Authorization": f"Bearer {site.keys['operator']}"}
    with httpx2.Client(base_url=site.url, headers=operator, timeout=30) as http:
        created = http.post("/api/calls", json={
            "category": "stroke", "triage": "kuning", "lon": INCIDENT.lon, "lat": INCIDENT.lat,
            "patients": [{"age_years": 72, "sex": "female", "condition": "lemah separuh badan"}],
        }).json()  # fmt: skip
        call_id = created["call"]["id"]
        ambulance_id = created["assessment"]["ambulances"][0]["ambulance_id"]
        http.post(f"/api/calls/{call_id}/dispatch", json={"ambulance_id": ambulance_id})
        referral = http.post(
            f"/api/calls/{call_id}/referral",
            json={"hospital_id": HOSPITAL, "override_reason": "test: the board's hospital"},
        )
        assert referral.status_code == 200, referral.text
        for status in ("en_route", "on_scene", "transporting"):
            http.post(f"/api/calls/{call_id}/status", json={"status": status})
        crew_key = site.server.create_user("Crew test", "crew", "--ambulance", ambulance_id)

    log_in(page, site, "hospital")
    expect(page).to_have_url(f"{site.url}/board/{HOSPITAL}")
    page.wait_for_selector("body[data-ready='true']", timeout=30_000)
    paint = page.evaluate(
        "performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null"
    )
    REPORT["hospital board load"] = (
        f"first paint {paint or 0:.0f} ms, ready {page.evaluate('window.satria.readyMs'):.0f} ms"
    )
    card = page.locator(f"#incoming li[data-ambulance-id='{ambulance_id}']")
    expect(card).to_contain_text("72 th")
    expect(card).to_contain_text("lemah separuh badan")
    assert "Budi" not in page.content()  # no names on a hospital's board

    # The crew drives from the scene to the hospital; fix times follow the route's own pace.
    route = region.route_to_hospital(INCIDENT, HOSPITAL)
    trip = Trip(list(route.geometry.coords), route.travel_time_s)
    start = datetime.now(UTC) - timedelta(seconds=trip.duration_s + 5)
    etas: list[float] = []
    with connect(
        site.url.replace("http", "ws", 1) + "/ws/crew",
        additional_headers={"Authorization": f"Bearer {crew_key}"},
    ) as crew:
        steps = 12
        for step in range(steps + 1):
            t_s = trip.duration_s * step / steps
            here, heading = trip.at(t_s)
            fix = {"lon": here.lon, "lat": here.lat, "heading_deg": heading,
                   "speed_mps": trip.speed_mps,
                   "fix_time": (start + timedelta(seconds=t_s)).isoformat()}  # fmt: skip
            crew.send(json.dumps({"type": "fix", "seq": step, "fix": fix}))
            assert json.loads(crew.recv(timeout=10))["type"] == "ack"
            if step in (2, 6, 10):
                time.sleep(1.5)  # the board moves and counts down
                eta = card.locator(".eta").get_attribute("data-eta") or ""
                etas.append(float(eta))
                if step == 6:
                    screenshot(page, "board-incoming")
    assert etas == sorted(etas, reverse=True) and etas[0] > etas[-1], etas
    expect(card).to_contain_text("tiba")  # the geofence at the hospital
    card.locator("button.acknowledge").click()
    expect(card.locator("button.acknowledge")).to_contain_text("Diterima RS")

    # The hospital's own readiness: ICU full, on diversion with a reason, CT down.
    page.fill("input[data-kind='icu']", "0")
    page.check("#diversion")
    page.fill("#diversion-reason", "listrik padam")
    page.check("input[data-capability='ct_scan']")
    page.click("#save-readiness")
    expect(page.locator("#readiness-result")).to_have_text("Tersimpan")
    expect(page.locator("#diversion-updated")).not_to_contain_text("belum pernah")
    with httpx2.Client(base_url=site.url, headers=operator, timeout=30) as http:
        readiness = http.get(f"/api/hospitals/{HOSPITAL}").json()["readiness"]
    assert readiness["on_diversion"] and readiness["diversion_reason"] == "listrik padam"
    assert readiness["beds"]["icu"]["free"] == 0 and readiness["capabilities_down"] == ["ct_scan"]

    expect(page.locator("#feed-state")).to_have_text("terhubung")
    page.click("#language")  # and in English: the connection still reads as it is
    expect(page.locator("#save-readiness")).to_have_text("Save")
    expect(page.locator("#feed-state")).to_have_text("live")
    expect(card.locator("button.acknowledge")).to_contain_text("Hospital ready")


def test_a_hospital_cannot_open_another_hospitals_board(page: Page, site: Site) -> None:
    log_in(page, site, "hospital_other")
    expect(page).to_have_url(f"{site.url}/board/rs-islam-purwa")
    page.goto(f"{site.url}/board/{HOSPITAL}")
    expect(page.locator("#board-error")).to_be_visible()
    expect(page.locator("#board-error")).to_contain_text("rumah sakit lain")
    expect(page.locator("#board")).to_be_hidden()
    # The API says the same, whatever the page does.
    response = httpx2.get(
        f"{site.url}/api/hospitals/{HOSPITAL}/incoming",
        headers={"Authorization": f"Bearer {site.keys['hospital_other']}"},
    )
    assert response.status_code in (403, 404)  # refused, without saying what is there
    assert "referral_id" not in response.text


def test_an_operator_closes_a_road_sees_it_drawn_then_reopens_it_and_shows_coverage(
    page: Page, site: Site
) -> None:
    log_in(page, site, "operator")
    page.wait_for_selector("body[data-ready='true']", timeout=30_000)
    expect(page.locator("#period")).not_to_be_empty()  # the traffic period in force
    expect(page.locator("#restrictions li.empty")).to_be_visible()
    bridge = LonLat(109.30616, -7.43664)  # the eastern bridge over the river
    point = page.evaluate(
        "([lat, lon]) => satria.map.latLngToContainerPoint([lat, lon])", [bridge.lat, bridge.lon]
    )
    location_before = page.locator("#location").input_value()
    page.click("#pick-closure-point")  # the next click is the closure's, not a call's
    page.locator("#map").click(position={"x": point["x"], "y": point["y"]})
    expect(page.locator("#closure-point")).not_to_be_empty()
    assert page.locator("#location").input_value() == location_before
    page.select_option("#restriction-kind", "closure")
    page.fill("#restriction-reason", "banjir di jembatan")
    page.click("#restrict")
    row = page.locator("#restrictions li.closure")
    expect(row).to_contain_text("banjir di jembatan")
    page.wait_for_selector("path.restriction.closure", timeout=10_000)  # drawn on the map
    page.select_option("#coverage-capability", "cath_lab")
    page.wait_for_selector("path.coverage-band", timeout=60_000)
    expect(page.locator("#coverage-legend li")).to_have_count(3)
    expect(page.locator("#coverage-legend li").first).to_contain_text("15")
    screenshot(page, "console-closure-and-coverage")
    row.locator("button").click()  # reopen: the other tests' roads are whole again
    expect(page.locator("#restrictions li.empty")).to_be_visible()
    expect(page.locator("path.restriction")).to_have_count(0)


def test_the_board_counts_down_to_its_door_in_every_phase_and_takes_a_slow_press(
    page: Page, site: Site
) -> None:
    """The big number is the arrival at this hospital (an estimate, marked, until the patient
    is loaded), with the phase in words; a 200 ms press on "Siap menerima" registers while
    positions stream in several times a second."""
    region = Region.load(DEFAULT_REGIONS_DIR / "demo")
    operator = {"Authorization": f"Bearer {site.keys['operator']}"}
    scene = LonLat(109.2100, -7.4000)  # some minutes from the hospital
    with httpx2.Client(base_url=site.url, headers=operator, timeout=30) as http:
        created = http.post("/api/calls", json={
            "category": "general", "triage": "merah", "lon": scene.lon, "lat": scene.lat,
            "patients": [{"age_years": 34, "sex": "male", "condition": "cedera kepala"}],
        }).json()  # fmt: skip
        call_id = created["call"]["id"]
        option = created["assessment"]["ambulances"][0]
        ambulance_id = option["ambulance_id"]
        http.post(f"/api/calls/{call_id}/dispatch", json={"ambulance_id": ambulance_id})
        http.post(
            f"/api/calls/{call_id}/referral",
            json={"hospital_id": HOSPITAL, "override_reason": "test: the board's hospital"},
        )
        crew_key = site.server.create_user("Crew phases", "crew", "--ambulance", ambulance_id)

    log_in(page, site, "hospital")
    page.wait_for_selector("body[data-ready='true']", timeout=30_000)
    card = page.locator(f"#incoming li[data-ambulance-id='{ambulance_id}']")
    route = region.route(LonLat(option["lon"], option["lat"]), scene)
    trip = Trip(list(route.geometry.coords), route.travel_time_s)
    start = datetime.now(UTC) - timedelta(seconds=trip.duration_s + 60)
    ws_url = site.url.replace("http", "ws", 1) + "/ws/crew"
    with connect(ws_url, additional_headers={"Authorization": f"Bearer {crew_key}"}) as crew:
        sent = 0

        def send(t_s: float, where: LonLat | None = None) -> None:
            nonlocal sent
            here = where or trip.at(t_s)[0]
            fix = {"lon": here.lon, "lat": here.lat,
                   "fix_time": (start + timedelta(seconds=t_s)).isoformat()}  # fmt: skip
            crew.send(json.dumps({"type": "fix", "seq": sent, "fix": fix}))
            assert json.loads(crew.recv(timeout=10))["type"] == "ack"
            sent += 1

        send(0.0)
        expect(card.locator(".phase")).to_have_text("menuju lokasi")
        expect(card.locator(".eta-note")).to_have_text("perkiraan tiba di IGD")
        expect(card.locator(".eta")).to_contain_text("±")
        to_door_s = float(card.locator(".eta").get_attribute("data-eta") or "0")
        # The drive as the service times it now (its roads follow the time of day).
        with httpx2.Client(base_url=site.url, headers=operator, timeout=30) as http:
            ranked = http.post("/api/rankings", json={
                "lon": scene.lon, "lat": scene.lat, "category": "general",
            }).json()  # fmt: skip
        onward_s = next(
            h["eta_s"]
            for h in ranked["eligible"] + ranked["passed_over"]
            if h["hospital_id"] == HOSPITAL
        )
        # To the scene, then a typical quarter hour on scene, then the drive to this door.
        assert to_door_s > 900 + onward_s, to_door_s
        screenshot(page, "board-estimate-to-scene")

        # A nurse's ordinary press (200 ms) while the ambulance moves 8 times a second.
        button = card.locator("button.acknowledge")
        box = button.bounding_box()
        assert box is not None
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        streamed = 0
        for step in range(1, 9):
            send(trip.duration_s * step / 40)
            streamed += 1
            if step == 3:
                page.mouse.down()
            if step == 5:
                page.mouse.up()
            time.sleep(0.05)
        expect(button).to_contain_text("Diterima RS")
        assert streamed == 8

        with httpx2.Client(base_url=site.url, headers=operator, timeout=30) as http:
            for status in ("en_route", "on_scene"):
                http.post(f"/api/calls/{call_id}/status", json={"status": status})
            expect(card.locator(".phase")).to_have_text("di lokasi")
            send(trip.duration_s + 30, scene)
            expect(card.locator(".eta-note")).to_have_text("perkiraan tiba di IGD")
            http.post(f"/api/calls/{call_id}/status", json={"status": "transporting"})
            send(trip.duration_s + 40, scene)
        expect(card.locator(".phase")).to_have_text("menuju IGD")
        expect(card.locator(".eta-note")).to_have_text("tiba di IGD dalam")
        expect(card.locator(".eta")).not_to_contain_text("±")
        driving_s = float(card.locator(".eta").get_attribute("data-eta") or "0")
        assert abs(driving_s - onward_s) < 30, (driving_s, onward_s)
        screenshot(page, "board-transporting")

        # On the IGD's wall screen, read from 5 m: the arrival in numbers a nurse can read.
        page.set_viewport_size({"width": 1920, "height": 1080})
        eta_px = page.evaluate(
            "parseFloat(getComputedStyle(document.querySelector('#incoming .eta')).fontSize)"
        )
        assert eta_px >= 48, eta_px  # about 3.5 cm of a 55-inch screen's height
        screenshot(page, "board-wall-1920x1080")
        # On a nurse's phone: the card and its phase on screen, nothing wider than the phone.
        page.set_viewport_size({"width": 390, "height": 844})
        card_box = card.bounding_box()
        assert card_box is not None and card_box["x"] + card_box["width"] <= 390
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, "board-phone-390x844")
