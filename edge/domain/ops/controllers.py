"""Operations endpoints: ``/healthz``, ``/readyz``, ``/metrics`` (no auth) and, under /api/v1, ``/status``
(device token only, so the sign-in screen can show it) and the technician's device and journal views."""

from __future__ import annotations

import json
from typing import Annotated, Any

import msgspec
from litestar import Controller, Response, get, post
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.status_codes import HTTP_200_OK
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import select

from drivers.errors import DeviceError
from edge.db import models as m
from edge.domain.auth.services import TECHNICIANS, require
from edge.domain.checkout._common import device_failed
from edge.domain.deps import CurrentActor, Rt
from edge.domain.envelope import Data
from edge.domain.ops.status import DeviceOut, StatusOut, backlog, devices, status
from edge.problems import Problem
from protocols.ids import uuid7


class JournalEntryOut(msgspec.Struct, kw_only=True):
    id: str
    device: str
    kind: str
    order_id: FromPath[str] | None
    request_id: str
    amount: int | None
    state: str
    error: str | None
    result: dict[str, Any] | None
    created_at: str
    updated_at: str


@get("/healthz", operation_id="healthz", tags=["ops"], exclude_from_auth=True, sync_to_thread=False)
def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@get("/readyz", operation_id="readyz", tags=["ops"])
async def readyz(rt: Rt) -> Response[dict[str, object]]:
    """Ready once the database is migrated and start-up recovery has run."""
    body: dict[str, object] = {
        "ready": rt.ready,
        "catalog_version": rt.catalog.version,
        "unresolved": rt.recovery_pending,
    }
    return Response(body, status_code=200 if rt.ready else 503)


@get("/metrics", operation_id="metrics", tags=["ops"], media_type=CONTENT_TYPE_LATEST)
async def metrics(rt: Rt) -> Response[bytes]:
    """Prometheus text format: orders, saga step durations, device errors, outbox backlog and age."""
    info = await backlog(rt)
    rt.metrics.outbox_backlog.set(info.count)
    rt.metrics.outbox_age.set(info.oldest_age_seconds or 0)
    return Response(generate_latest(rt.metrics.registry), media_type=CONTENT_TYPE_LATEST)


@get("/status", operation_id="getStatus", tags=["ops"])
async def status_handler(rt: Rt) -> Data[StatusOut]:
    """Hub link, backlog, device health, catalog, shift, enrollment, version, uptime and warnings."""
    return Data(await status(rt))


class DevicesController(Controller):
    path = "/devices"
    tags = ("devices",)

    @get("/", operation_id="listDevices")
    async def list_devices(self, rt: Rt, actor: CurrentActor) -> Data[list[DeviceOut]]:
        """Device health with human-readable messages."""
        return Data(devices(rt))

    @post("/refresh", operation_id="refreshDevices", status_code=HTTP_200_OK)
    async def refresh(self, rt: Rt, actor: CurrentActor) -> Data[list[DeviceOut]]:
        """Poll every device now (technician)."""
        require(actor, TECHNICIANS, "device administration")
        refresh = getattr(rt.devices, "refresh", None)
        if refresh is not None:
            await refresh()
        return Data(devices(rt))

    @post("/printer/test-print", operation_id="testPrint", status_code=HTTP_200_OK)
    async def test_print(self, rt: Rt, actor: CurrentActor) -> Data[dict[str, str]]:
        """Print a test page on the receipt printer (technician)."""
        require(actor, TECHNICIANS, "device administration")
        printer = rt.devices.printer
        if printer is None:
            raise Problem(503, "unavailable", "No printer", "The register has no printer configured")
        try:
            result = await printer.print_text(
                f"test:{uuid7()}", ["Yago POS", "Test print", rt.settings.app.location_name]
            )
        except DeviceError as exc:
            raise device_failed(rt, "printer", exc, "test print") from exc
        return Data({"job_id": result.job_id, "outcome": str(result.outcome)})

    @get("/journal", operation_id="deviceJournal")
    async def journal(
        self,
        rt: Rt,
        actor: CurrentActor,
        entry_state: Annotated[str | None, QueryParameter(name="state", required=False)] = None,
        limit: FromQuery[int] = 100,
    ) -> Data[list[JournalEntryOut]]:
        """The device journal, newest first; ``state=open`` lists pending and unknown operations (technician)."""
        require(actor, TECHNICIANS, "device administration")
        query = select(m.device_journal).order_by(m.device_journal.c.created_at.desc()).limit(max(1, min(limit, 1000)))
        if entry_state == "open":
            query = query.where(m.device_journal.c.state.in_(("pending", "unknown")))
        elif entry_state:
            query = query.where(m.device_journal.c.state == entry_state)
        async with rt.db.begin() as conn:
            rows = (await conn.execute(query)).all()
        return Data(
            [
                JournalEntryOut(
                    id=r.id,
                    device=r.device,
                    kind=r.kind,
                    order_id=r.order_id,
                    request_id=r.request_id,
                    amount=r.amount,
                    state=r.state,
                    error=r.error,
                    result=json.loads(r.result) if r.result and r.result.startswith("{") else None,
                    created_at=r.created_at.isoformat(),
                    updated_at=r.updated_at.isoformat(),
                )
                for r in rows
            ]
        )
