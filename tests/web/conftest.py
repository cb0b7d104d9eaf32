"""A real `satria serve` and a real headless Chromium (Debian's), driven by Playwright.

CI sets SATRIA_TEST_CHROMIUM (``.ci/run``): then a missing browser fails the tests. Without
it, the tests look for /usr/bin/chromium and skip if there is none. Screenshots go to
SATRIA_SCREENSHOTS (default ``test-screenshots/``); the folder and the measured page load
are printed at the end of the run.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from routing.pack import DEFAULT_REGIONS_DIR
from tests.live_server import LiveServer, live_server

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("SATRIA_SCREENSHOTS", ROOT / "test-screenshots"))
REPORT: dict[str, str] = {}


def chromium_path() -> str:
    wanted = os.environ.get("SATRIA_TEST_CHROMIUM", "")
    if wanted:
        if not Path(wanted).is_file():
            pytest.fail(f"SATRIA_TEST_CHROMIUM={wanted}, but there is no such browser")
        return wanted
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.skip("no Chromium (install Debian's chromium, or set SATRIA_TEST_CHROMIUM)")
    return found


@dataclass
class Site:
    """The running service with a user per role."""

    server: LiveServer
    keys: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.server.url


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("site")
    settings = {
        "SATRIA_DATABASE_URL": f"sqlite:///{folder / 'satria.db'}",
        "SATRIA_DATA_DIR": str(folder / "var"),
        "SATRIA_REGIONS_DIR": str(DEFAULT_REGIONS_DIR),
        "SATRIA_BROKER_URL": "memory://",
    }
    with live_server(settings, folder / "serve.log") as server:
        running = Site(server)
        running.keys["operator"] = server.create_user("Operator Ani", "operator")
        running.keys["hospital"] = server.create_user(
            "IGD RSUD Purwa", "hospital", "--hospital", "rsud-purwa"
        )
        running.keys["hospital_other"] = server.create_user(
            "IGD RS Islam Purwa", "hospital", "--hospital", "rs-islam-purwa"
        )
        yield running


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    path = chromium_path()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=path, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1600, "height": 900}, locale="id-ID")
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    yield opened
    context.close()
    # A script error or a CSP violation on a page is a defect, whatever the test checked.
    unexpected = [e for e in errors if "401" not in e and "403" not in e]
    assert not unexpected, unexpected


@contextmanager
def screen(browser: Browser, **context: Any) -> Iterator[Page]:
    """Another screen beside ``page`` (a board, a wall, a citizen's phone): a context of its
    own, in Indonesian, whose script errors fail the test."""
    made = browser.new_context(locale="id-ID", **context)
    opened = made.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    made.close()
    assert not errors, errors


def log_in(page: Page, site: Site, who: str) -> None:
    page.goto(f"{site.url}/login")
    page.fill("#key", site.keys[who])
    page.click("#login-button")


# What a page in Bahasa Indonesia must never show: a code (snake_case, as the API gives
# them), or an English word the API uses for a status, an outcome, a reason or a bed kind.
RAW_CODE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
ENGLISH = re.compile(
    r"\b(dispatched|en route|on scene|transporting|at hospital|received|cancelled|closed|"
    r"verified|not found|mismatch|pending|unavailable|free flow|rush|Failed to fetch|waiting|"
    r"stale|recommended|minutes|passed over|estimate|arrived|acknowledged|ward|icu|nicu|picu|"
    r"igd|hospital|ambulance|beds?|never|updated)\b"
)  # "diversion" is glossed in brackets on purpose: it is the word IGD staff use


def untranslated(page: Page) -> list[str]:
    """Codes and English words on a page shown in Indonesian (none on an English page):
    the visible text, without the map's attribution (the region's licence, as given)."""
    if page.evaluate("document.documentElement.lang") != "id":
        return []
    text: str = page.evaluate(
        "() => { const a = document.querySelector('.leaflet-control-attribution');"
        " return document.body.innerText.replace(a ? a.innerText : '', ''); }"
    )
    return sorted(set(RAW_CODE.findall(text)) | set(ENGLISH.findall(text)))


def screenshot(page: Page, name: str, *, free_text: bool = False) -> Path:
    """A screenshot for the run's report; on an Indonesian page, first a check that nothing
    on it is left untranslated (``free_text``: the page shows what a test typed in English
    or markup, which is not the page's text)."""
    if not free_text:
        left = untranslated(page)
        assert not left, f"{name}: untranslated on an Indonesian page: {left}"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    REPORT["screenshots"] = str(SCREENSHOTS)
    return path


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for name, value in REPORT.items():
        terminalreporter.write_line(f"web pages: {name}: {value}")
