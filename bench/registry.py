"""A real Dukcapil-style registry over HTTP for the tests and the soak, on a local port.

``POST /v1/nik/verify`` with HTTP Basic credentials and ``{"nik", "name"}``; answers 200
``{"found": true, "name_match": ...}``, 404, or what ``mode`` asks for: ``slow`` (waits
``delay_s`` first), ``hold`` (waits until ``released`` is set), ``error`` (HTTP 503).
``stop()`` closes the port: the registry is down; a new one on the same ``port`` is the
registry back.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

USER, PASSWORD = "psc119", "registry-password"


class RegistryServer:
    """The registry; residents by NIK; counts the requests it receives."""

    def __init__(self, residents: dict[str, str], port: int = 0) -> None:
        self.residents = residents
        self.mode = "normal"
        self.delay_s = 0.0
        self.requests = 0
        self.released = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        """The port it listens on."""
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """Base URL."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def stop(self) -> None:
        """Close the port (connections are refused from now on)."""
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        registry = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                registry.requests += 1
                expected = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
                if self.headers.get("Authorization") != f"Basic {expected}":
                    self._answer(401, {"error": "bad credentials"})
                    return
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length))
                if registry.mode == "slow":
                    time.sleep(registry.delay_s)
                if registry.mode == "hold":
                    registry.released.wait(30)
                if registry.mode == "error":
                    self._answer(503, {"error": "maintenance"})
                    return
                name = registry.residents.get(body["nik"])
                if name is None:
                    self._answer(404, {"found": False})
                    return
                match = None if body.get("name") is None else body["name"].upper() == name
                self._answer(200, {"found": True, "name_match": match})

            def _answer(self, code: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                try:
                    self.send_response(code)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (the slow registry test)

            def log_message(self, format: str, *args: Any) -> None:
                return  # quiet: the tests read the outcome, not the access log

        return Handler
