"""The simulator's fleet: enough ambulances (extra ones SYNTHETIC, at the region's posts), a
crew user and key for each, and an operator key for missions; and the demo's keys. For demos
and load tests only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import cycle

from sqlmodel import Session, col, select

from app.models import Ambulance, Role, User
from app.services import users
from routing import LonLat, Region
from tracking.simulation_run import Crew

SIMULATED_PREFIX = "sim-"
KEY_DAYS = 1  # simulator keys are for a run, not for keeping


def prepare_fleet(
    session: Session, region: Region, *, count: int, with_operator: bool = True
) -> tuple[list[Crew], str | None]:
    """``count`` crews (the region's ambulances first, then synthetic ones) and, if asked,
    an operator key; all keys are new and expire in a day."""
    ambulances = list(session.exec(select(Ambulance).order_by(col(Ambulance.id))))
    real = [a for a in ambulances if not a.id.startswith(SIMULATED_PREFIX)]
    simulated = [a for a in ambulances if a.id.startswith(SIMULATED_PREFIX)]
    chosen = (real + simulated)[:count]
    posts = cycle(region.posts)
    for number in range(len(simulated) + 1, len(simulated) + 1 + count - len(chosen)):
        post = next(posts)
        ambulance = Ambulance(
            id=f"{SIMULATED_PREFIX}{number:04d}",
            name=f"Simulated ambulance {number} (SYNTHETIC)",
            post_id=post.id,
        )
        session.add(ambulance)
        chosen.append(ambulance)
    session.flush()
    homes = {p.id: p.location for p in region.posts}
    crews = []
    for ambulance in chosen:
        user = _user(session, f"simulator crew {ambulance.id}", Role.CREW, ambulance.id)
        issued = users.issue_key(session, user_id=user.id or 0, days=KEY_DAYS)
        home = homes.get(ambulance.post_id) or LonLat(ambulance.lon or 0.0, ambulance.lat or 0.0)
        crews.append(Crew(ambulance.id, issued.key, home))
    operator_key = None
    if with_operator:
        operator = _user(session, "simulator operator", Role.OPERATOR, None)
        operator_key = users.issue_key(session, user_id=operator.id or 0, days=KEY_DAYS).key
    session.commit()
    return crews, operator_key


@dataclass(frozen=True)
class DemoKeys:
    """Keys for a newcomer to open the two pages (new each run, valid for a day)."""

    operator: str = field(repr=False)
    hospital: str = field(repr=False)
    hospital_id: str
    hospital_name: str


def demo_keys(session: Session, region: Region) -> DemoKeys:
    """An operator key and a key for the region's busiest hospital (the one with the most
    capabilities: most simulated patients go there)."""
    hospital = max(region.hospitals, key=lambda h: (len(h.capabilities), h.id))
    operator = _user(session, "demo operator", Role.OPERATOR, None)
    receiving = _user(session, f"demo IGD {hospital.id}", Role.HOSPITAL, None, hospital.id)
    keys = DemoKeys(
        operator=users.issue_key(session, user_id=operator.id or 0, days=KEY_DAYS).key,
        hospital=users.issue_key(session, user_id=receiving.id or 0, days=KEY_DAYS).key,
        hospital_id=hospital.id,
        hospital_name=hospital.name,
    )
    session.commit()
    return keys


def _user(
    session: Session,
    name: str,
    role: Role,
    ambulance_id: str | None,
    hospital_id: str | None = None,
) -> User:
    """The simulator's (or the demo's) user of this name, made the first time."""
    existing = session.exec(select(User).where(User.name == name, User.role == role)).first()
    if existing is not None and existing.active:
        return existing
    new = users.NewUser(name, role, hospital_id=hospital_id, ambulance_id=ambulance_id)
    return users.create_user(session, new)
