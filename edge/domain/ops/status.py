"""What the cashier UI and the technician console show about the box: hub link, backlog, devices with
human messages, catalog, shift, enrollment, version and uptime, and the fiscal warnings."""

from __future__ import annotations

from datetime import datetime

import msgspec
from sqlalchemy import func, select

from edge.db import models as m
from edge.domain.runtime import Runtime
from edge.domain.shifts.schemas import ShiftOut
from edge.domain.shifts.services import current_shift, shift_out, warnings
from protocols.ids import utcnow

PROBLEM_TEXT = {
    "paper_out": "Out of paper: load a new roll",
    "paper_near_end": "Paper is running out",
    "cover_open": "The cover is open: close it",
    "unavailable": "Not answering: check the cable and power",
    "timeout": "Answers too slowly",
    "busy": "Busy with another operation",
    "shift_expired": "The fiscal shift is over 24 hours: close it (Z report)",
    "shift_expires_soon": "The fiscal shift reaches 24 hours soon: plan the Z report",
    "ofd_backlog": "Fiscal documents are not reaching the OFD: check the internet link",
    "fn_blocked": "The fiscal storage is blocked: call the technician",
    "fn_expired": "The fiscal storage must be replaced",
    "fn_replace_soon": "The fiscal storage must be replaced soon",
    "not_ready": "Not ready",
}


class DeviceOut(msgspec.Struct, kw_only=True):
    device_id: str
    kind: str
    online: bool | None
    problems: list[str]
    messages: list[str]
    detail: str


class HubOut(msgspec.Struct, kw_only=True):
    enrolled: bool
    connected: bool
    broker: str
    acked_seq: int
    last_ack_at: datetime | None
    last_error: str


class BacklogOut(msgspec.Struct, kw_only=True):
    count: int
    oldest_at: datetime | None
    oldest_age_seconds: int | None
    last_seq: int | None


class CatalogStatus(msgspec.Struct, kw_only=True):
    version: int | None
    content_hash: str | None


class AgentOut(msgspec.Struct, kw_only=True):
    version: str
    started_at: datetime
    uptime_seconds: int
    demo: bool
    ready: bool
    fiscal_mode: bool
    unresolved_device_operations: int
    location_name: str
    register_id: str | None


class StatusOut(msgspec.Struct, kw_only=True):
    agent: AgentOut
    hub: HubOut
    backlog: BacklogOut
    devices: list[DeviceOut]
    catalog: CatalogStatus
    shift: ShiftOut | None
    warnings: list[str]


async def backlog(rt: Runtime) -> BacklogOut:
    async with rt.db.read() as conn:
        row = (
            await conn.execute(select(func.count(), func.min(m.outbox.c.created_at), func.max(m.outbox.c.seq)))
        ).one()
    count, oldest, last = row
    age = int((utcnow() - oldest).total_seconds()) if oldest else None
    return BacklogOut(count=int(count), oldest_at=oldest, oldest_age_seconds=age, last_seq=last)


def devices(rt: Runtime) -> list[DeviceOut]:
    out = []
    for h in rt.devices.health():
        messages = [PROBLEM_TEXT.get(p, p.replace("_", " ")) for p in h.problems]
        out.append(
            DeviceOut(
                device_id=h.device_id,
                kind=h.kind,
                online=h.online,
                problems=list(h.problems),
                messages=messages,
                detail=h.detail,
            )
        )
    return out


def hub(rt: Runtime) -> HubOut:
    if rt.sync is None:
        return HubOut(
            enrolled=rt.settings.sync.enrolled, connected=False, broker="", acked_seq=0, last_ack_at=None, last_error=""
        )
    st = rt.sync.state()
    return HubOut(
        enrolled=st.enrolled,
        connected=st.connected,
        broker=st.broker,
        acked_seq=st.acked_seq,
        last_ack_at=st.last_ack_at,
        last_error=st.last_error,
    )


async def status(rt: Runtime) -> StatusOut:
    async with rt.db.read() as conn:
        shift = await current_shift(conn)
    now = utcnow()
    warn = await warnings(rt)
    devs = devices(rt)
    for d in devs:
        for p in d.problems:
            if p in ("shift_expires_soon", "ofd_backlog", "shift_expired") and not any(w.startswith(p) for w in warn):
                warn.append(f"{p}: {PROBLEM_TEXT[p]}")
    if rt.recovery_pending:
        warn.append(f"outcome_unknown: {rt.recovery_pending} device operation(s) still being resolved")
    return StatusOut(
        agent=AgentOut(
            version=rt.version,
            started_at=rt.started_at,
            uptime_seconds=int((now - rt.started_at).total_seconds()),
            demo=rt.settings.app.demo,
            ready=rt.ready,
            fiscal_mode=rt.settings.app.fiscal,
            unresolved_device_operations=rt.recovery_pending,
            location_name=rt.settings.app.location_name,
            register_id=rt.settings.sync.register_id,
        ),
        hub=hub(rt),
        backlog=await backlog(rt),
        devices=devs,
        catalog=CatalogStatus(version=rt.catalog.version, content_hash=rt.catalog.content_hash),
        shift=shift_out(shift) if shift is not None else None,
        warnings=warn,
    )
