"""GPS from phones running Traccar Client (the OsmAnd protocol): a crew that already carries
the app needs only its device identifier from ``satria devices add``. Fixes arriving here are
judged, stored and fanned out exactly as the crew socket's are."""

from __future__ import annotations

import asyncio
import json
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlmodel import Session

from app.api.deps import EngineDep, ServicesDep
from app.core.security import hash_api_key
from app.errors import InputError
from app.models import utcnow
from app.services import devices, ingest
from app.services.osmand import OsmandReport, from_json, from_parameters

router = APIRouter(tags=["tracking"])
MAX_BODY_BYTES = 16_384  # one position, with room for the client's extras


class OsmandOut(BaseModel):
    """What happened to the position: stored, already stored (a retry), or rejected (why)."""

    stored: int
    duplicates: int
    rejected: dict[str, int]


async def _report(request: Request) -> OsmandReport:
    """The position in a request, whichever shape the client used."""
    received_at = utcnow()
    body = b""
    if request.method == "POST":
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            msg = f"a position is at most {MAX_BODY_BYTES} bytes"
            raise InputError(msg, field="body")
    if body.lstrip().startswith(b"{"):
        try:
            document = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise InputError("the body is not valid JSON", field="body") from None
        return from_json(document, received_at=received_at)
    params = dict(request.query_params)
    if body and "x-www-form-urlencoded" in request.headers.get("content-type", ""):
        try:
            params.update(parse_qsl(body.decode("utf-8", "replace"), max_num_fields=100))
        except ValueError:  # more fields than any client sends
            raise InputError("too many form fields", field="body") from None
    return from_parameters(params, received_at=received_at)


@router.get("/osmand", operation_id="osmand_get")
@router.post("/osmand", operation_id="osmand_post")
async def osmand(request: Request, services: ServicesDep, engine: EngineDep) -> OsmandOut:
    """One position from Traccar Client or any OsmAnd client: ``?id=..&lat=..&lon=..
    &timestamp=..&speed=..&bearing=..&accuracy=..&batt=..`` (GET or POST), or the newer
    client's JSON body. The ``id`` is a device identifier registered to one ambulance
    (``satria devices add``); an unknown one gets 401 and nothing is stored. A replayed
    position is answered as a duplicate and stored once."""
    report = await _report(request)
    services.rate_limits.check(hash_api_key(report.identifier))

    def ambulance() -> str:
        with Session(engine) as session:
            return devices.ambulance_of(session, report.identifier)

    ambulance_id = await asyncio.to_thread(ambulance)
    stored = await ingest.store(services.fix_writer, ambulance_id=ambulance_id, fixes=[report.fix])
    rejected = {k: v for k, v in stored.rejected.items() if k != "duplicate"}
    return OsmandOut(stored=stored.stored, duplicates=stored.duplicates, rejected=rejected)
