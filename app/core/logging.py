"""Logging: keys never reach the logs; every line can be a JSON object with a request id.

Devices that cannot set headers put their key in the websocket URL (``/ws/crew?token=...``);
uvicorn logs that URL when the connection opens. ``RedactKeys`` rewrites it before it is
written. Personal data (NIK, names, phone numbers) is never passed to a logger at all.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from starlette.types import ASGIApp, Message, Receive, Scope, Send

REDACTED = "[redacted]"
LOGGERS = ("uvicorn.access", "uvicorn.error", "uvicorn", "satria")
# Satria's own keys anywhere; any query value under a name that carries secrets; any long
# token-like query value (another system's key, a key under a name we did not foresee).
_OUR_KEY = re.compile(r"sat_[A-Za-z0-9_\-]{8,}")
_QUERY_PAIR = re.compile(r"(?P<name>[?&;][^=&\s\"'#]*)=(?P<value>[^&\s\"'#]*)")
_SECRET_NAMES = {
    "token",
    "key",
    "k",
    "auth",
    "authorization",
    "api_key",
    "apikey",
    "access_token",
    "password",
    "secret",
    "x-api-key",
    "id",  # /osmand: a device identifier (Traccar Client) is a key
    "deviceid",
}
_TOKEN_LIKE = re.compile(r"^(?:Bearer[ +])?[A-Za-z0-9_\-.~+/=]{20,}$", re.IGNORECASE)


def redact(text: str) -> str:
    """The text with keys removed: query strings are read percent-decoded, as a server
    reads them (``?%74oken=`` is ``?token=``)."""
    if "%" in text:
        text = unquote(text)
    text = _OUR_KEY.sub(REDACTED, text)

    def pair(match: re.Match[str]) -> str:
        name, value = match["name"], match["value"]
        secret = name[1:].strip().lower() in _SECRET_NAMES or _TOKEN_LIKE.match(value)
        return f"{name}={REDACTED}" if secret and value else match[0]

    return _QUERY_PAIR.sub(pair, text)


class RedactKeys(logging.Filter):
    """Removes keys from a record's message and arguments (see ``redact``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


def install_redaction() -> None:
    """Attach the filter to the loggers that may see URLs (once)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactKeys) for f in logger.filters):
            logger.addFilter(RedactKeys())


# --- request ids and JSON lines ----------------------------------------------------------------

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIds:
    """Gives every HTTP request and websocket an id (the client's ``X-Request-ID`` when it
    is a plain token, else a new one), answered in ``X-Request-ID`` and put on every log line
    written while it is handled (a pure ASGI middleware)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers", ())).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _VALID_ID.match(given) else uuid.uuid4().hex
        # Not reset afterwards: each connection runs in a task of its own (with its own copy
        # of the context), and uvicorn's own lines about it (an error, the access line) come
        # after this returns and should carry the id too.
        REQUEST_ID.set(request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        await self.app(scope, receive, send_with_id)


class JsonLines(logging.Formatter):
    """One JSON object per line: time, level, logger, request id, message (and the
    exception), for a log collector to read without parsing prose."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "request_id": REQUEST_ID.get(),
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def log_config(fmt: str, level: str = "info") -> dict[str, Any]:
    """The logging configuration of `satria serve` (uvicorn's loggers and ours): JSON lines
    or plain text, with keys redacted everywhere."""
    formatter = (
        {"()": "app.core.logging.JsonLines"}
        if fmt == "json"
        else {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}
    )
    handler = {
        "class": "logging.StreamHandler",
        "formatter": "main",
        "filters": ["redact"],
        "stream": "ext://sys.stderr",
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact": {"()": "app.core.logging.RedactKeys"}},
        "formatters": {"main": formatter},
        "handlers": {"main": handler},
        "loggers": {
            name: {"handlers": ["main"], "level": level.upper(), "propagate": False}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "satria")
        },
    }
