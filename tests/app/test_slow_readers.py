"""A feed reader that stops reading is cut off, and nobody else waits for it.

A real client that stops reading fills the socket's buffers, and from then on every send to
it blocks. ``StuckReader`` is that client at the ASGI level, without the megabytes of
buffers a loopback socket would first swallow: it takes the snapshot and then never lets
another send complete. It runs inside the test client's event loop, beside healthy feeds.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio

from routing import Region
from tests.app.conftest import Service, running_service
from tests.app.test_feeds import receive
from tests.waiting import wait_until

CLOSE_TOO_SLOW = 1013


class StuckReader:
    """An ASGI websocket client that reads the snapshot and then never reads again."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.close_code: int | None = None
        self._connected = False

    async def receive(self) -> dict[str, Any]:
        if not self._connected:
            self._connected = True
            return {"type": "websocket.connect"}
        await anyio.sleep_forever()
        raise AssertionError  # unreachable

    async def send(self, message: dict[str, Any]) -> None:
        if message["type"] == "websocket.send":
            self.sent.append(message["text"])
            if len(self.sent) > 1:  # the snapshot went through; now the buffers are full
                await anyio.sleep_forever()
        elif message["type"] == "websocket.close":
            self.close_code = message.get("code", 1000)


@contextmanager
def stuck_feed(service: Service, key: str) -> Iterator[tuple[StuckReader, Future[None]]]:
    """Open a feed for a reader that gets stuck; yields it with the handler's future."""
    reader = StuckReader()
    scope = {
        "type": "websocket", "asgi": {"version": "3.0", "spec_version": "2.4"},
        "scheme": "ws", "http_version": "1.1", "path": "/ws/feed", "raw_path": b"/ws/feed",
        "query_string": f"token={key}".encode(), "root_path": "",
        "headers": [(b"host", b"testserver")], "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80), "subprotocols": [], "state": {}, "extensions": {},
    }  # fmt: skip
    portal = service.client.portal
    assert portal is not None
    handler = portal.start_task_soon(service.app, scope, reader.receive, reader.send)  # type: ignore[arg-type, call-arg]
    wait_until(lambda: len(reader.sent) >= 1, "the stuck reader's snapshot")
    try:
        yield reader, handler
    finally:
        handler.cancel()


def test_a_reader_whose_events_pile_up_is_cut_off_and_others_get_everything(
    database_url: str, demo: Region, tmp_path: Path
) -> None:
    # A queue of 8 events, and a send timeout far longer than the test: the overflow cuts.
    with running_service(
        database_url, tmp_path, demo, feed_queue_limit=8, feed_send_timeout_s=600
    ) as service:
        pile_up(service)


def pile_up(service: Service) -> None:
    operator_key = service.keys["operator"]
    with (
        stuck_feed(service, operator_key) as (stuck, handler),
        service.client.websocket_connect(f"/ws/feed?token={operator_key}") as healthy,
    ):
        assert receive(healthy, "snapshot")["feed"] == "operators"
        # Calls are events that never coalesce: twelve pile up beyond the limit of 8.
        call_ids = [service.call()["call"]["id"] for _ in range(12)]
        told = [receive(healthy, "call")["call"]["call_id"] for _ in call_ids]
        assert told == call_ids  # the healthy feed got every one, in order
        # Closed by the overflow, long before its send would have timed out.
        wait_until(handler.done, "the stuck feed to be closed", timeout_s=5.0)
        assert stuck.close_code == CLOSE_TOO_SLOW
        assert len(stuck.sent) == 2  # the snapshot, and the one send that never finished

        # Ingest did not wait for it either: a fix is stored and reaches the healthy feed.
        moment = datetime.now(UTC).isoformat()
        response = service.client.post(
            f"/api/ambulances/{service.ambulance_id}/fixes",
            json={"fixes": [{"lon": 109.24, "lat": -7.36, "fix_time": moment}]},
            headers=service.auth("crew"),
        )
        assert response.json()["stored"] == 1
        assert receive(healthy, "position")["ambulance_id"] == service.ambulance_id


def test_a_reader_stuck_on_one_send_is_cut_off_after_the_send_timeout(
    database_url: str, demo: Region, tmp_path: Path
) -> None:
    with (
        running_service(database_url, tmp_path, demo, feed_send_timeout_s=1.0) as service,
        stuck_feed(service, service.keys["operator"]) as (stuck, handler),
    ):
        started = time.monotonic()
        for second in range(2):  # positions coalesce: the queue never overflows
            moment = datetime.fromtimestamp(time.time() - 5 + second, UTC).isoformat()
            service.client.post(
                f"/api/ambulances/{service.ambulance_id}/fixes",
                json={"fixes": [{"lon": 109.24, "lat": -7.36 + second * 1e-4,
                                 "fix_time": moment}]},
                headers=service.auth("crew"),
            )  # fmt: skip
        wait_until(handler.done, "the stuck feed to be closed")
        assert stuck.close_code == CLOSE_TOO_SLOW
        assert time.monotonic() - started >= 1.0  # it was given the send timeout
