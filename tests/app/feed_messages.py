"""Reading a feed's messages in tests: the next of a type, skipping the others (positions of
other ambulances and other calls' events come between)."""

from __future__ import annotations

import json
from typing import Any

from starlette.testclient import WebSocketTestSession

SKIP_AT_MOST = 80


def receive(ws: WebSocketTestSession, kind: str) -> dict[str, Any]:
    """The next message of this type."""
    return receive_all(ws, kind)[kind]


def receive_all(ws: WebSocketTestSession, *kinds: str) -> dict[str, dict[str, Any]]:
    """The next message of each type, in whatever order they come."""
    found: dict[str, dict[str, Any]] = {}
    for _ in range(SKIP_AT_MOST):
        message: dict[str, Any] = json.loads(ws.receive_text())
        if message["type"] in kinds and message["type"] not in found:
            found[message["type"]] = message
        if len(found) == len(kinds):
            return found
    msg = f"no {' or '.join(k for k in kinds if k not in found)} message"
    raise AssertionError(msg)
