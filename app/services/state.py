"""What the lifespan builds and the routes are handed: the composition root's one object.

Only ``app.main`` (which builds it) and ``app.api.deps`` (which hands out its parts) know it
whole; every service takes just the collaborators it uses.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.core.metrics import Metrics
from app.services.assessment import Assessor
from app.services.calls import Intake
from app.services.citizen_calls import PublicDoor
from app.services.citizens import CitizenDesk, NikChecks
from app.services.coverage import CoverageCache
from app.services.crew_answers import CrewDesk
from app.services.dispatch import Dispatcher
from app.services.events import Announcer, FeedView
from app.services.ingest import FixWriter
from app.services.maps import RegionPlaces, RoadLayer
from app.services.publisher import EventPublisher, FeedLimits
from app.services.rate_limits import KeyRateLimits
from app.services.readiness import BoardCache
from app.services.referral_answers import ReferralDesk
from app.services.report_desk import ReportDesk
from app.services.roads import RoadConditionsKeeper
from app.services.socket_keys import SocketKeys
from app.services.users import PrincipalCache
from app.services.verification_runner import VerificationRunner
from tracking.broker import Broker
from tracking.fixes import FilterRules


@dataclass(frozen=True)
class ServiceState:
    """The services and the shared resources behind them (see the README's map)."""

    intake: Intake
    dispatcher: Dispatcher
    crew_desk: CrewDesk
    referral_desk: ReferralDesk
    citizen_desk: CitizenDesk
    public_door: PublicDoor
    nik_checks: NikChecks
    assessor: Assessor
    announcer: Announcer
    feed_view: FeedView
    boards: BoardCache
    verification: VerificationRunner
    principals: PrincipalCache
    broker: Broker
    publisher: EventPublisher
    fix_rules: FilterRules
    fix_writer: FixWriter
    feed_limits: FeedLimits
    road_layer: RoadLayer
    places: RegionPlaces
    metrics: Metrics
    rate_limits: KeyRateLimits
    crew_messages_per_s: float
    roads: RoadConditionsKeeper
    coverage: CoverageCache
    socket_keys: SocketKeys
    reports: ReportDesk
