"""The FastAPI application: resources from the lifespan, routers, error mapping."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from sqlalchemy import Engine
from sqlmodel import Session

from app import errors
from app.api.routes import (
    account,
    admin,
    ambulances,
    calls,
    care,
    coverage,
    crew,
    feeds,
    health,
    osmand,
    places,
    public,
    reports,
    routing,
    tracking,
)
from app.api.routes import hospitals as hospitals_routes
from app.api.routes import (
    roads as roads_routes,
)
from app.core import collector
from app.core.config import Settings
from app.core.db import make_engine, startup_lock, upgrade
from app.core.installation import bind_secret
from app.core.logging import RequestIds, install_redaction
from app.core.metrics import Metrics, RequestTimer
from app.core.security import PersonalDataVault, master_secret
from app.services import hospitals, ingest, readiness
from app.services.assessment import Assessor
from app.services.calls import Intake
from app.services.citizen_calls import CALL_LIMITS, PublicDoor, load_kinds
from app.services.citizens import CitizenDesk, NikChecks
from app.services.coverage import CoverageCache
from app.services.crew_answers import CrewDesk
from app.services.dispatch import Dispatcher
from app.services.events import Announcer, FeedView
from app.services.ingest import FixWriter
from app.services.intake_writer import IntakeWriter
from app.services.maps import RegionPlaces, RoadLayer
from app.services.messaging import HttpGateway, Messenger, OutboxGateway, Provider
from app.services.outlook import FleetOutlook
from app.services.publisher import EventPublisher, FeedLimits
from app.services.rate_limits import KeyRateLimits
from app.services.referral_answers import AnswerTerms, DeadlineWatch, ReferralDesk
from app.services.report_aggregates import Shifts
from app.services.report_desk import ReportDesk
from app.services.roads import KeeperTiming, RoadConditionsKeeper
from app.services.socket_keys import SocketKeys
from app.services.state import ServiceState
from app.services.users import PrincipalCache
from app.services.verification import (
    CircuitBreaker,
    HttpRegistryVerifier,
    LocalRegistryVerifier,
    Patience,
    RegistryLogin,
    Verifier,
)
from app.services.verification_runner import VerificationJob, VerificationRunner, pending_jobs
from app.web import pages
from routing import Region
from routing.demo import GENERATOR_VERSION, generate_demo
from routing.errors import RegionError
from routing.pack import read_meta
from routing.speed_profile import SpeedProfile
from tracking.broker import Broker, make_broker
from tracking.eta import PointTables
from tracking.fixes import FilterRules

log = logging.getLogger("satria")


def load_region(settings: Settings) -> Region:
    """The configured region; the demo region is (re)generated when missing or outdated."""
    if settings.region == "demo" and not _demo_is_current(settings.regions_dir / "demo"):
        log.info("generating the SYNTHETIC demo region in %s", settings.regions_dir / "demo")
        generate_demo(settings.regions_dir / "demo")
    return Region.load(
        settings.region, regions_dir=settings.regions_dir, max_snap_m=settings.max_snap_m
    )


def _demo_is_current(directory: Path) -> bool:
    try:
        meta = read_meta(directory)
    except RegionError:
        return False
    return bool(meta.extra.get("generator", {}).get("version") == GENERATOR_VERSION)


def build_verifier(settings: Settings, engine: Engine, vault: PersonalDataVault) -> Verifier:
    """The registry adapter in force: HTTP when a registry URL is set, else the local table."""
    if not settings.registry_url:
        return LocalRegistryVerifier(engine, vault)
    return HttpRegistryVerifier(
        settings.registry_url,
        RegistryLogin(settings.registry_user, settings.registry_password),
        Patience(settings.registry_timeout_s, settings.registry_attempts),
        CircuitBreaker(settings.registry_breaker_failures, settings.registry_breaker_reset_s),
    )


def speed_profile(settings: Settings) -> SpeedProfile | None:
    """The time-of-day profile in force, or None for typical speeds at every hour."""
    return SpeedProfile.load(Path(settings.speed_profile)) if settings.speed_profile else None


def verification_deadline_s(settings: Settings) -> float:
    """How long one verification may take in all: every attempt, with backoff between."""
    return settings.registry_timeout_s * settings.registry_attempts + 2.0


def prepare_database(
    settings: Settings, engine: Engine, region: Region
) -> tuple[PersonalDataVault, tuple[int, int], list[VerificationJob]]:
    """Migrate, check this process's secret against the database's, seed the region's
    hospitals and ambulances; the vault, what was seeded and the verifications pending."""
    secret = master_secret(settings.secret_key, settings.data_dir, database_url=settings.database)
    with startup_lock(engine):
        upgrade(settings.database)  # the schema is current before the first request
        with Session(engine) as session:
            bind_secret(session, secret)  # refuse to start with another machine's key
            seeded = hospitals.seed_from_region(session, region)
            vault = PersonalDataVault(secret)
            return vault, seeded, pending_jobs(session, vault)


def create_app(settings: Settings | None = None, *, region: Region | None = None) -> FastAPI:
    """Build the application; resources live in the lifespan, not in module globals.

    ``region`` serves an already loaded region (tests and notebooks share one); by default
    the lifespan loads the configured one.
    """
    settings = settings or Settings()
    install_redaction()
    metrics = Metrics()  # this app's own registry

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        engine = make_engine(settings.database)
        try:
            served = region or load_region(settings)
            vault, seeded, pending = prepare_database(settings, engine, served)
        except BaseException:
            engine.dispose()  # a refusal to start leaves no connection behind
            raise
        if any(seeded):
            log.info("registry seeded: %d hospitals, %d ambulances", *seeded)
        verifier = build_verifier(settings, engine, vault)
        runner = VerificationRunner(
            verifier, engine, deadline_s=verification_deadline_s(settings), vault=vault
        )
        await runner.start(pending)
        broker = make_broker(settings.broker_url)
        served.profile = speed_profile(settings)  # also for rankings at another time of day
        roads = RoadConditionsKeeper(
            engine,
            served,
            broker,
            timing=KeeperTiming(refresh_s=settings.roads_refresh_s),
            on_swap=metrics.road_view_swapped,
        )
        await roads.start()  # closures in force apply before the first request
        boards = readiness.BoardCache(served)
        app.state.engine, app.state.region, app.state.vault = engine, served, vault
        principals = PrincipalCache(settings.key_cache_s)
        # Open sockets' keys are checked twice per key cache time: a revocation or expiry
        # closes them within it (at once when the broker carries the revocation).
        socket_keys = SocketKeys(
            engine, broker, principals, every_s=max(settings.key_cache_s / 2, 0.5)
        )
        await socket_keys.start()
        app.state.services = services = assemble(
            settings,
            Resources(
                engine,
                served,
                vault,
                broker,
                boards,
                runner,
                principals,
                roads,
                socket_keys,
                metrics,
            ),
        )
        services.nik_checks.start(vault)
        deadlines = DeadlineWatch(services.referral_desk, engine)
        await deadlines.start()
        services.fix_writer.start(
            ingest.position_publisher(engine, services.fix_writer, services.announcer, broker)
        )
        collector.settle()  # the region's objects live as long as the process: out of GC scans
        log.info("region %s loaded (%s)", served.meta.name, served.meta.title)
        try:
            yield
        finally:
            await services.fix_writer.stop()
            await deadlines.stop()
            await asyncio.to_thread(services.intake.writer.close)
            await socket_keys.stop()
            await roads.stop()
            await runner.stop()
            await broker.close()
            if isinstance(verifier, HttpRegistryVerifier):
                await verifier.aclose()
            engine.dispose()

    return _application(lifespan)


@dataclass(frozen=True)
class Resources:
    """What the lifespan opened (and closes) that the services are built on."""

    engine: Engine
    region: Region
    vault: PersonalDataVault
    broker: Broker
    boards: readiness.BoardCache
    verification: VerificationRunner
    principals: PrincipalCache
    roads: RoadConditionsKeeper
    socket_keys: SocketKeys
    metrics: Metrics


def assemble(settings: Settings, resources: Resources) -> ServiceState:
    """The services, each given just what it uses: the composition root."""
    r = resources
    region, metrics = r.region, r.metrics
    feed_view = FeedView(
        region, PointTables(region), settings.position_stale_after_s, settings.on_scene_s
    )
    assessor = Assessor(
        region,
        r.boards,
        metrics.rankings,
        readiness_stale_after_s=settings.readiness_stale_after_s,
        outlook=FleetOutlook(feed_view, settings.handover_s),
    )
    publisher = EventPublisher(r.broker, asyncio.get_running_loop())
    announcer = Announcer(feed_view, publisher)
    rules = FilterRules()
    intake = Intake(
        assessor, r.vault, announcer, r.verification.submit, metrics.calls, IntakeWriter(r.engine)
    )
    nik_checks = NikChecks(
        r.verification.verifier, r.engine, deadline_s=verification_deadline_s(settings)
    )
    gateway = (
        HttpGateway(Provider(settings.sms_url, settings.sms_token))
        if settings.sms_url
        else OutboxGateway()
    )
    kinds, review = load_kinds()
    return ServiceState(
        intake=intake,
        citizen_desk=CitizenDesk(r.vault, Messenger(r.engine, r.vault, gateway), nik_checks.submit),
        public_door=PublicDoor(
            intake, r.vault, feed_view, kinds, review, KeyRateLimits(CALL_LIMITS)
        ),
        nik_checks=nik_checks,
        dispatcher=Dispatcher(assessor, announcer, settings.referral_answer_s),
        referral_desk=ReferralDesk(
            assessor, announcer, AnswerTerms.load(), settings.decline_memory_s
        ),
        crew_desk=CrewDesk(assessor, announcer),
        assessor=assessor,
        announcer=announcer,
        feed_view=feed_view,
        boards=r.boards,
        verification=r.verification,
        principals=r.principals,
        broker=r.broker,
        publisher=publisher,
        fix_rules=rules,
        fix_writer=FixWriter(r.engine, region, rules=rules, metrics=metrics),
        feed_limits=FeedLimits(settings.feed_queue_limit, settings.feed_send_timeout_s),
        road_layer=RoadLayer(region),
        places=RegionPlaces(region),
        metrics=metrics,
        rate_limits=KeyRateLimits(
            settings.rate_limit, on_refused=metrics.rate_limited.labels("rest").inc
        ),
        crew_messages_per_s=settings.crew_messages_per_s,
        roads=r.roads,
        coverage=CoverageCache(region, r.boards),
        socket_keys=r.socket_keys,
        reports=ReportDesk(settings.report_targets_min, Shifts(tuple(settings.report_shifts_h))),
    )


def _application(lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]]) -> FastAPI:
    """The application object: error mapping, routes, pages, middleware, its schema."""
    app = FastAPI(
        title="Satria",
        description="Emergency ambulance referral routing for PSC 119 Kabupaten Banyumas.",
        version="0.1.0",
        lifespan=lifespan,
        responses=errors.DOCUMENTED_PROBLEMS,  # every route may answer these, as problems
        docs_url=None,  # served from this origin (pages.docs): the CSP forbids a CDN
        redoc_url=None,
    )
    errors.install(app)
    _mount(app)
    app.openapi = functools.partial(_openapi, app)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The schema, generated once, with the problem body every error answers with."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = (
            errors.problem_schema()
        )
        app.openapi_schema = schema
    return app.openapi_schema


def _mount(app: FastAPI) -> None:
    """Routers, pages and middleware."""
    for module in (
        calls,
        public,
        reports,
        hospitals_routes,
        ambulances,
        tracking,
        admin,
        routing,
        places,
        osmand,
        crew,
        care,
        account,
        health,
        roads_routes,
        coverage,
    ):
        app.include_router(module.router)
    app.include_router(tracking.ws_router)
    app.include_router(feeds.router)
    app.include_router(pages.router)
    app.mount("/static", pages.static_files(), name="static")
    app.mount("/docs-assets", pages.docs_assets(), name="docs-assets")
    app.add_middleware(errors.UnexpectedErrors)  # innermost: its answer gets the headers below
    app.add_middleware(pages.SecurityHeaders)
    app.add_middleware(RequestTimer)
    app.add_middleware(RequestIds)  # outermost: every log line of a request carries its id
