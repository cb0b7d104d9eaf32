"""Service state shared by requests: made in the lifespan, handed out by a dependency."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.metrics import Metrics
from app.services.coverage import CoverageCache
from app.services.events import EventPublisher, FeedLimits
from app.services.hospitals import BoardCache
from app.services.ingest import FixWriter
from app.services.maps import RoadLayer
from app.services.rate_limits import KeyRateLimits
from app.services.roads import RoadConditionsKeeper
from app.services.socket_keys import SocketKeys
from app.services.users import PrincipalCache
from app.services.verification_runner import VerificationRunner
from tracking.broker import Broker
from tracking.eta import PointTables
from tracking.fixes import FilterRules


@dataclass(frozen=True)
class ServiceState:
    """Shared by requests: the readiness board cache, recently checked keys, the background
    verification, the broker, incident point tables, the GPS filter rules, the feeds'
    limits, the road drawing, the road conditions keeper, coverage results and the metrics."""

    boards: BoardCache
    verification: VerificationRunner
    readiness_stale_after_s: float
    principals: PrincipalCache
    broker: Broker
    point_tables: PointTables
    fix_rules: FilterRules
    position_stale_after_s: float
    events: EventPublisher
    fix_writer: FixWriter
    feed_limits: FeedLimits
    road_layer: RoadLayer
    metrics: Metrics
    rate_limits: KeyRateLimits
    crew_messages_per_s: float
    roads: RoadConditionsKeeper
    coverage: CoverageCache
    socket_keys: SocketKeys
