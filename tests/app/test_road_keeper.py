"""The road conditions keeper: the next period's view is built ahead of time and put in use
at the boundary; expired restrictions leave the view by themselves."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
import shapely
from sqlmodel import Session

from app.models import RestrictionKind, RoadRestriction, Role
from app.services import users
from app.services.roads import KeeperTiming, RoadConditionsKeeper
from routing import Region
from routing.demo import geography as geo
from routing.speed_profile import SpeedProfile
from tests.app.conftest import running_service
from tracking.broker import MemoryBroker

pytestmark = pytest.mark.any_hour  # time of day matters here: see tests/conftest.py

BOUNDARY = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)  # Monday 07:00 WIB


def rush_profile(region: Region) -> SpeedProfile:
    return SpeedProfile.from_dict({"timezone": "Asia/Jakarta", "period": [
        {"name": "rush", "days": ["mon"], "hours": [7],
         "speed_factors": dict.fromkeys(region.network.road_classes, 0.5)},
    ]})  # fmt: skip


def test_the_next_period_is_built_ahead_and_swapped_in_at_the_boundary(
    database_url: str, demo_dir: Path, tmp_path: Path
) -> None:
    region = Region.load(demo_dir)
    point = geo.projection().point_to_lonlat(0.0, 3000.0)
    free = region.travel_to_hospitals(point)[0]
    with running_service(database_url, tmp_path, region) as service:
        region.profile = rush_profile(region)  # the service started with none
        keeper = RoadConditionsKeeper(
            service.app.state.engine, region, MemoryBroker(), timing=KeeperTiming(lead_s=300)
        )
        asyncio.run(keeper.apply(BOUNDARY - timedelta(seconds=90)))
        assert region.view.period == "free flow"
        ahead = keeper._ahead  # built, not in use
        assert ahead is not None and ahead[1].period == "rush" and region.view is not ahead[1]

        asyncio.run(keeper.apply(BOUNDARY + timedelta(seconds=1)))
        assert region.view is ahead[1]  # the prepared view, not a new computation
        np.testing.assert_allclose(region.travel_to_hospitals(point)[0], 2 * free)

        asyncio.run(keeper.apply(BOUNDARY + timedelta(hours=1, seconds=1)))
        assert region.view.period == "free flow"
        np.testing.assert_allclose(region.travel_to_hospitals(point)[0], free)


def test_a_restriction_leaves_the_view_at_its_expiry(
    database_url: str, demo_dir: Path, tmp_path: Path
) -> None:
    region = Region.load(demo_dir)
    bridge = geo.projection().point_to_lonlat(9_500.0, float(geo.river_y(9_500.0)))
    area = shapely.Point(bridge.lon, bridge.lat).buffer(0.004)
    now = datetime.now(UTC)
    with running_service(database_url, tmp_path, region) as service:
        engine = service.app.state.engine
        with Session(engine) as session:
            user = users.create_user(session, users.NewUser("op", Role.OPERATOR))
            shape = shapely.geometry.mapping(area)
            session.add(RoadRestriction(
                kind=RestrictionKind.CLOSURE, reason="flood", geometry=shape, edge_count=2,
                created_by=user.id or 0, expires_at=now + timedelta(minutes=10),
            ))  # fmt: skip
            session.commit()
        region.profile = None
        keeper = RoadConditionsKeeper(engine, region, MemoryBroker())
        asyncio.run(keeper.apply(now))
        assert region.view.conditions.closed.sum() >= 2
        asyncio.run(keeper.apply(now + timedelta(minutes=11)))
        assert region.view.conditions.closed.sum() == 0
