"""The nearest ambulances: from the posts' tables when they wait at their post, by a bounded
search when they are on the road; always the true road travel time."""

from __future__ import annotations

import math

import pytest
from sqlmodel import Session, select

from app.core.db import make_engine, upgrade
from app.models import Ambulance, AmbulanceStatus, utcnow
from app.services.ambulances import nearest_available
from app.services.hospitals import seed_from_region
from routing import LonLat, Region

pytestmark = pytest.mark.any_hour  # time of day matters here: see tests/conftest.py

INCIDENT = LonLat(109.233, -7.39)  # Kota Purwa


def test_posts_and_roaming_ambulances_are_timed_alike(database_url: str, demo: Region) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)
    with Session(engine) as session:
        seed_from_region(session, demo)
        at_posts = nearest_available(session, demo, INCIDENT, limit=30)
        everyone = session.exec(select(Ambulance)).all()
        assert len(at_posts) == len(everyone) == sum(p.ambulances for p in demo.posts)
        # At their posts, the table gives what a search from each post's location gives.
        searched = demo.travel_times_to(INCIDENT, [o.position for o in at_posts], limit_s=math.inf)
        for option, eta in zip(at_posts, searched.tolist(), strict=True):
            assert math.isclose(option.eta_s, eta, rel_tol=0.02, abs_tol=10.0), option
        assert [o.eta_s for o in at_posts] == sorted(o.eta_s for o in at_posts)

        # An ambulance from far away, driving back through town, is now the nearest.
        roaming = session.get(Ambulance, "pos-tambak-1")
        assert roaming is not None
        roaming.lon, roaming.lat, roaming.position_at = 109.2335, -7.3905, utcnow()
        session.add(roaming)
        session.commit()
        best = nearest_available(session, demo, INCIDENT)
        assert best[0].ambulance_id == "pos-tambak-1"
        expected = float(demo.travel_times_to(INCIDENT, [LonLat(109.2335, -7.3905)])[0])
        assert math.isclose(best[0].eta_s, expected)
        assert [o.ambulance_id for o in best[1:]] == [o.ambulance_id for o in at_posts[:2]]

        # Busy or out-of-service ambulances are not offered.
        roaming.status = AmbulanceStatus.ASSIGNED
        session.add(roaming)
        session.commit()
        again = nearest_available(session, demo, INCIDENT)
        assert "pos-tambak-1" not in [o.ambulance_id for o in again]
    engine.dispose()
