"""`satria demo` brings up a live system: the service, keys printed once, ambulances taking
calls; the console shows it moving."""

from __future__ import annotations

import os
import re
import signal
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx2
from playwright.sync_api import Page

from routing.pack import DEFAULT_REGIONS_DIR
from tests.live_server import live_server
from tests.waiting import wait_until
from tests.web.conftest import screenshot


def test_the_demo_comes_alive(page: Page, tmp_path: Path) -> None:
    settings = {
        "SATRIA_DATA_DIR": str(tmp_path / "var"),
        "SATRIA_REGIONS_DIR": str(DEFAULT_REGIONS_DIR),
    }  # the embedded defaults otherwise: SQLite in the data folder, in-memory broker
    log = tmp_path / "demo.log"
    with live_server(settings, log, command=("demo", "--ambulances", "12")) as demo:
        printed = wait_until(
            lambda: "hospital board" in log.read_text() and log.read_text(),
            "the demo's keys",
            timeout_s=60,
        )
        keys = re.findall(r"key\s+(sat_\S+)", printed)
        assert len(keys) == 2, printed
        operator = {"Authorization": f"Bearer {keys[0]}"}

        started = datetime.now(UTC).isoformat()
        # Months of SYNTHETIC history for the reports, written before the demo served.
        board = httpx2.get(f"{demo.url}/api/reports/dashboard", headers=operator).json()
        assert board["synthetic_calls"] > 1000 and board["headline"][2]["calls"] > 0

        def moving() -> bool:
            calls = httpx2.get(  # the live ones, not the history
                f"{demo.url}/api/calls", params={"since": started}, headers=operator
            ).json()
            ambulances = httpx2.get(f"{demo.url}/api/ambulances", headers=operator).json()
            placed = [a for a in ambulances if a["position_at"]]
            return len(calls) >= 3 and len(placed) >= 12 and any(c["referral"] for c in calls)

        wait_until(moving, "calls, referrals and moving ambulances", timeout_s=60, step_s=0.5)
        page.goto(f"{demo.url}/login")
        page.fill("#key", keys[0])
        page.click("#login-button")
        page.wait_for_selector("body[data-ready='true']", timeout=30_000)
        page.wait_for_selector("#calls li[data-call-id]")
        assert page.locator("#synthetic").is_visible()
        time.sleep(3)  # a few positions move on the map
        screenshot(page, "demo-console")
        page.goto("about:blank")  # leave the page before the demo stops, as a user would
        # SIGTERM (`docker stop`) stops the server, its simulated crews with it.
        os.killpg(demo.pid, signal.SIGTERM)
        wait_until(lambda: _exited(demo.pid), "the demo to stop", timeout_s=30)


def _exited(pid: int) -> bool:
    """Whether the process has ended (a zombie until its parent reaps it)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True
