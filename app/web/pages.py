"""Serving the pages (and the API's documentation) and their files; security headers on every
response.

The pages are static: they log in with the user's key (kept in the tab's sessionStorage,
sent as ``Authorization: Bearer``), read the API and follow the feed over a websocket. What a
user may see is decided by the API for that key, never by the page.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter
from fastapi.responses import FileResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

STATIC = Path(__file__).parent / "static"
router = APIRouter(include_in_schema=False)

# No CDN and no tile server: everything comes from this origin. Leaflet places its panes
# with style attributes, which the CSP's style-src does not govern when set from script.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
]
# Only the crew's app and the public's emergency page may ask for the phone's position.
NO_GEOLOCATION = (b"permissions-policy", b"geolocation=(), camera=(), microphone=()")
CREW_GEOLOCATION = (b"permissions-policy", b"geolocation=(self), camera=(), microphone=()")


def page(name: str) -> FileResponse:
    """A page, never cached: a new version must reach every console at once."""
    return FileResponse(STATIC / name, headers={"Cache-Control": "no-cache"})


def manifest(name: str) -> FileResponse:
    """A web app's manifest, never cached."""
    return FileResponse(
        STATIC / name, media_type="application/manifest+json", headers={"Cache-Control": "no-cache"}
    )


@router.get("/")
def home() -> RedirectResponse:
    """The login page."""
    return RedirectResponse("/login")


@router.get("/login")
def login() -> FileResponse:
    """Log in with a key; the page opens the console or the board by the key's role."""
    return page("login.html")


@router.get("/console")
def console() -> FileResponse:
    """The operator console."""
    return page("console.html")


@router.get("/reports")
def reports() -> FileResponse:
    """The response-time reports (operators, admins, the health office)."""
    return page("reports.html")


@router.get("/board/{hospital_id}")
def board(hospital_id: str) -> FileResponse:
    """A hospital's board (the API shows it to that hospital's key only)."""
    return page("board.html")


@router.get("/crew")
def crew_redirect() -> RedirectResponse:
    """The crew app lives under /crew/ (its service worker's scope)."""
    return RedirectResponse("/crew/")


@router.get("/crew/")
def crew() -> FileResponse:
    """The crew's app (an installable web app for the phone in the ambulance)."""
    return page("crew.html")


@router.get("/crew/manifest.webmanifest")
def crew_manifest() -> FileResponse:
    """The crew app's manifest (name, icons, standalone display)."""
    return manifest("crew.webmanifest")


@router.get("/crew/sw.js")
def crew_service_worker() -> FileResponse:
    """The crew app's service worker, served from the app's scope."""
    return FileResponse(
        STATIC / "js" / "crew-sw.js",
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache"},
    )


@router.get("/darurat")
def darurat() -> FileResponse:
    """The public's door: register with a NIK, press the emergency button, follow the
    ambulance (a page for the citizen's phone)."""
    return page("darurat.html")


@router.get("/darurat.webmanifest")
def darurat_manifest() -> FileResponse:
    """The public page's manifest: installable on the home screen, as PSC 119."""
    return manifest("darurat.webmanifest")


@router.get("/docs")
def docs() -> FileResponse:
    """The API's documentation (Swagger UI from this origin)."""
    return page("docs.html")


def static_files() -> StaticFiles:
    """The pages' scripts, styles and the shipped map library."""
    return StaticFiles(directory=STATIC)


def docs_assets() -> StaticFiles:
    """Swagger UI's script and style, as the fastapi-offline package ships them."""
    return StaticFiles(directory=Path(fastapi_offline.__file__).parent / "static")


class SecurityHeaders:
    """Adds the security headers to every HTTP response (a pure ASGI middleware: it never
    buffers a body and leaves websockets alone)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        # The crew's app and the public's emergency page send the phone's position.
        locating = scope.get("path", "").startswith(("/crew/", "/darurat"))
        policy = CREW_GEOLOCATION if locating else NO_GEOLOCATION

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS, policy]
            await send(message)

        await self.app(scope, receive, send_with_headers)
