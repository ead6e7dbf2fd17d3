"""``/healthz`` (the process answers), ``/readyz`` (database reachable, broker connected when enabled)
and ``/metrics`` (Prometheus text format)."""

from __future__ import annotations

import msgspec
import sqlalchemy as sa
from litestar import Response, get
from litestar.datastructures import State
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from hub.problems import Unavailable
from hub.state import hub_state


class Health(msgspec.Struct, kw_only=True, omit_defaults=True):
    status: str
    database: str | None = None
    broker: str | None = None


@get("/healthz", operation_id="healthz", tags=["system"], security=[], sync_to_thread=False)
def healthz() -> Health:
    """The process is alive."""
    return Health(status="ok")


@get("/readyz", operation_id="readyz", tags=["system"])
async def readyz(state: State) -> Health:
    """Ready to serve: the database answers and, when MQTT is enabled, the publisher is connected."""
    hub = hub_state(state)
    try:
        async with hub.engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))
    except Exception as exc:
        raise Unavailable("the database is not reachable", extra={"database": "down"}) from exc
    broker = None
    if hub.settings.mqtt.enabled:
        broker = "connected" if hub.publisher.connected else "disconnected"
        if not hub.publisher.connected:
            raise Unavailable("the broker is not connected", extra={"database": "up", "broker": broker})
    return Health(status="ready", database="up", broker=broker)


@get("/metrics", operation_id="metrics", tags=["system"], security=[], include_in_schema=False, sync_to_thread=False)
def metrics() -> Response[bytes]:
    """Prometheus metrics of this process."""
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


handlers = [healthz, readyz, metrics]
