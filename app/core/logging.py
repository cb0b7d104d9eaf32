"""Keys never reach the logs: a filter that redacts ``token=`` from every line.

Devices that cannot set headers put their key in the websocket URL (``/ws/crew?token=...``);
uvicorn logs that URL when the connection opens. The filter rewrites it before it is written.
"""

from __future__ import annotations

import logging
import re

_TOKEN = re.compile(r"((?:token|key)=)[^&\s\"']+", re.IGNORECASE)
REDACTED = r"\1[redacted]"
LOGGERS = ("uvicorn.access", "uvicorn.error", "uvicorn", "satria")


class RedactKeys(logging.Filter):
    """Replaces the value of ``token=`` and ``key=`` in a record's message and arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = _TOKEN.sub(REDACTED, record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(
                _TOKEN.sub(REDACTED, a) if isinstance(a, str) else a for a in record.args
            )
        return True


def install_redaction() -> None:
    """Attach the filter to the loggers that may see URLs (once)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactKeys) for f in logger.filters):
            logger.addFilter(RedactKeys())
