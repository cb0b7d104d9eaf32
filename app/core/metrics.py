"""Prometheus metrics of one process, on a registry of its own (made with the app, never a
module global), served at ``/metrics``.

With several workers each process has its own numbers: scrape each, or sum them in the
query. Label values come from closed sets (route templates, reasons, categories), never from
what a client sent.
"""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from routing.conditions import RoutingView

LATENCY_BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """What the service counts and times."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Histogram(
            "satria_http_request_seconds",
            "HTTP requests by route template and status",
            ["method", "route", "status"],
            registry=r,
            buckets=LATENCY_BUCKETS_S,
        )
        self.calls = Counter(
            "satria_calls_total", "Emergency calls taken, by category", ["category"], registry=r
        )
        self.rankings = Counter(
            "satria_rankings_total",
            "Hospital rankings computed (calls and assessments)",
            registry=r,
        )
        self.fixes = Counter(
            "satria_fixes_total",
            "GPS fixes received, by outcome (stored, duplicate, or the rejection reason)",
            ["outcome"],
            registry=r,
        )
        self.fix_groups = Histogram(
            "satria_fix_group_seconds",
            "Time to store one group commit of fixes",
            registry=r,
            buckets=LATENCY_BUCKETS_S,
        )
        self.fix_group_size = Histogram(
            "satria_fix_group_batches",
            "Crew batches stored together in one group commit",
            registry=r,
            buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000),
        )
        self.storage_failures = Counter(
            "satria_fix_storage_failures_total",
            "Groups of fixes the database refused (not acknowledged)",
            registry=r,
        )
        self.feed_subscribers = Gauge(
            "satria_feed_subscribers", "Open feeds, by kind", ["feed"], registry=r
        )
        self.feed_closed = Counter(
            "satria_feed_closed_total",
            "Feeds closed by the service, by reason",
            ["reason"],
            registry=r,
        )
        self.positions_dropped = Counter(
            "satria_feed_positions_dropped_total",
            "Positions replaced by a newer one before a slow feed read them (latest wins)",
            registry=r,
        )
        self.rate_limited = Counter(
            "satria_rate_limited_total",
            "Requests and messages refused by a rate limit",
            ["what"],
            registry=r,
        )
        self.road_views = Counter(
            "satria_road_views_total",
            "Routing views put in use (closures, time of day)",
            registry=r,
        )
        self.road_view_seconds = Histogram(
            "satria_road_view_seconds",
            "From a road change noticed to its view in use",
            registry=r,
            buckets=LATENCY_BUCKETS_S,
        )
        self.road_tables_recomputed = Counter(
            "satria_road_tables_recomputed_total",
            "Hospital and post tables recomputed for road changes",
            registry=r,
        )

    def road_view_swapped(self, view: RoutingView, seconds: float) -> None:
        """A new routing view is in use."""
        self.road_views.inc()
        self.road_view_seconds.observe(seconds)
        self.road_tables_recomputed.inc(view.tables_recomputed)

    def exposition(self) -> bytes:
        """The text format Prometheus scrapes."""
        return generate_latest(self.registry)


class RequestTimer:
    """Times every HTTP request by route template (a pure ASGI middleware)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def timed_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, timed_send)
        finally:
            services = getattr(scope["app"].state, "services", None)
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            if services is not None:
                services.metrics.requests.labels(scope["method"], route, str(status)).observe(
                    time.perf_counter() - started
                )
