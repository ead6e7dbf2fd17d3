"""The technician's device actions (printer, drawer, fiscal registrar, terminal) and the sync view.

Driver calls hold ``rt.device_lock`` so they queue behind each other instead of interleaving on one device;
calls into the shift service (X report, Z report) are left to that service. Every action is audited,
failed ones too, and device errors reach the client as Problem Details with the driver's error kind.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from enum import Enum

import msgspec
import structlog
from sqlalchemy import func, select

from drivers.base import CardResult
from drivers.errors import DeviceError, ShiftClosed
from edge.db import models as m
from edge.domain.auth.services import Actor, audit
from edge.domain.checkout import journal
from edge.domain.checkout._common import device_failed, operator_for
from edge.domain.runtime import Runtime
from edge.domain.shifts.schemas import CountedIn
from edge.domain.shifts.services import current_shift, print_x, report_x, report_z
from edge.domain.technician.logbuffer import BUFFER
from edge.problems import Problem, invalid
from protocols.ids import utcnow, uuid7

log = structlog.get_logger("edge.technician")

Json = dict[str, object]
Action = Callable[[Runtime, Actor], Awaitable[Json]]

# device names in the API → the coordinator kind that polls them
_POLLED_BY = {"printer": "printer", "drawer": "printer", "fiscal": "fiscal", "terminal": "terminal"}


def plain(value: object) -> object:
    """Driver dataclasses, enums and datetimes as JSON-ready values."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _missing(device: str) -> Problem:
    return Problem(503, "unavailable", f"No {device} configured", f"The register has no {device}")


async def _refresh(rt: Runtime, device: str) -> None:
    refresh = getattr(rt.devices, "refresh", None)
    if callable(refresh):
        try:
            await refresh(_POLLED_BY[device])
        except Exception:
            log.exception("technician.refresh_failed", device=device)


def _note(rt: Runtime, device: str, exc: DeviceError) -> None:
    note = getattr(rt.devices, "note_error", None)
    if callable(note):
        note(_POLLED_BY[device], exc)


# --------------------------------------------------------------------------------------------- printer


async def printer_test_print(rt: Runtime, actor: Actor) -> Json:
    printer = rt.devices.printer
    if printer is None:
        raise _missing("printer")
    now = utcnow()
    lines = [
        "Yago POS — test print",
        f"{rt.settings.app.location_name}, register {rt.settings.app.register_name}",
        f"{now:%Y-%m-%d %H:%M:%S} UTC",
        f"Technician: {actor.name}",
        "Кириллица: съешь ещё этих мягких французских булок",
    ]
    async with rt.device_lock:
        result = await printer.print_text(f"tech-test:{uuid7()}", lines)
    return {"job_id": result.job_id, "outcome": plain(result.outcome)}


async def printer_status(rt: Runtime, actor: Actor) -> Json:
    printer = rt.devices.printer
    if printer is None:
        raise _missing("printer")
    async with rt.device_lock:
        status = await printer.status()
    out = plain(status)
    assert isinstance(out, dict)
    return out


async def drawer_open(rt: Runtime, actor: Actor) -> Json:
    drawer = rt.devices.drawer
    if drawer is None:
        raise _missing("cash drawer")
    async with rt.device_lock:
        await drawer.open()
    return {"opened": True}


# ---------------------------------------------------------------------------------------------- fiscal


async def fiscal_info(rt: Runtime, actor: Actor) -> Json:
    """Device info, FN validity and warnings, the OFD queue and the shift, in one look."""
    fiscal = rt.devices.fiscal
    if fiscal is None:
        raise _missing("fiscal registrar")
    async with rt.device_lock:
        device = await fiscal.device_info()
        fn = await fiscal.fn_info()
        ofd = await fiscal.ofd_status()
        shift = await fiscal.shift_status()
    now = utcnow()
    oldest = ofd.first_unsent_at
    return {
        "device": plain(device),
        "fn": {
            "serial": fn.serial,
            "valid_until": plain(fn.validity_date),
            "days_left": (fn.validity_date - now).days if fn.validity_date else None,
            "warnings": list(fn.warnings),
            "ffd_version": fn.ffd_version,
        },
        "ofd": {
            "unsent_count": ofd.unsent_count,
            "first_unsent_number": ofd.first_unsent_number,
            "oldest_unsent_at": plain(oldest),
            "oldest_unsent_age_seconds": int((now - oldest).total_seconds()) if oldest else None,
        },
        "shift": {
            "state": plain(shift.state),
            "number": shift.number,
            "expires_at": plain(shift.expires_at),
        },
    }


async def fiscal_report_x(rt: Runtime, actor: Actor) -> Json:
    """The X report printed on the fiscal registrar, with the register's figures for the open shift."""
    await print_x(rt, actor)
    report = plain_struct(await report_x(rt))
    return {"printed": True, "report": report}


async def fiscal_continue_print(rt: Runtime, actor: Actor) -> Json:
    fiscal = rt.devices.fiscal
    if fiscal is None:
        raise _missing("fiscal registrar")
    async with rt.device_lock:
        await fiscal.continue_print()
    return {"continued": True}


async def fiscal_close_shift(rt: Runtime, actor: Actor) -> Json:
    """Close the fiscal shift (Z report).

    With a register shift open this is the full Z report of the shift service (fiscal Z, the terminal's end
    of day, the register shift closed with the cash left uncounted), so the register and the FN never
    disagree about the shift. Without one, only the FN's shift is closed (journaled like any fiscal call).
    """
    fiscal = rt.devices.fiscal
    if fiscal is None:
        raise _missing("fiscal registrar")
    async with rt.db.begin() as conn:
        shift = await current_shift(conn)
    if shift is not None:
        report = await report_z(rt, actor, CountedIn())
        return {"register_shift_closed": True, "report": plain_struct(report)}
    request_id = uuid7()
    async with rt.db.begin() as conn:
        entry_id = journal.open_entry(conn, device="fiscal", kind="closeShift", request_id=str(request_id))
        operator = operator_for(conn, str(actor.staff_id))
    try:
        async with rt.device_lock:
            doc = await fiscal.close_shift(operator, request_id)
    except ShiftClosed:
        async with rt.db.begin() as conn:
            journal.settle(conn, entry_id, "done", {"already_closed": True})
        return {"register_shift_closed": False, "already_closed": True}
    except DeviceError as exc:
        async with rt.db.begin() as conn:
            journal.settle(conn, entry_id, "failed", error=f"{exc.kind}: {exc.message}")
        raise
    async with rt.db.begin() as conn:
        journal.settle(conn, entry_id, "done", doc)
    return {"register_shift_closed": False, "already_closed": False, "document": plain(doc)}


# -------------------------------------------------------------------------------------------- terminal


async def terminal_status(rt: Runtime, actor: Actor) -> Json:
    terminal = rt.devices.terminal
    if terminal is None:
        raise _missing("card terminal")
    async with rt.device_lock:
        status = await terminal.status()
    out = plain(status)
    assert isinstance(out, dict)
    return out


async def terminal_end_of_day(rt: Runtime, actor: Actor) -> Json:
    terminal = rt.devices.terminal
    if terminal is None:
        raise _missing("card terminal")
    async with rt.db.begin() as conn:
        entry_id = journal.open_entry(conn, device="terminal", kind="endOfDay", request_id=f"tech:{uuid7()}")
    try:
        async with rt.device_lock:
            result = await terminal.end_of_day()
    except DeviceError as exc:
        async with rt.db.begin() as conn:
            journal.settle(conn, entry_id, "failed", error=f"{exc.kind}: {exc.message}")
        raise
    async with rt.db.begin() as conn:
        journal.settle(conn, entry_id, "done" if result.ok else "failed", result)
    out = plain(result)
    assert isinstance(out, dict)
    return out


def _card(result: CardResult | None) -> Json:
    if result is None:
        return {"found": False}
    out = plain(result)
    assert isinstance(out, dict)
    return {"found": True, **out}


async def terminal_repeat_last(rt: Runtime, actor: Actor) -> Json:
    terminal = rt.devices.terminal
    if terminal is None:
        raise _missing("card terminal")
    async with rt.device_lock:
        result = await terminal.repeat_last()
    return _card(result)


def plain_struct(value: object) -> object:
    return msgspec.to_builtins(value)


ACTIONS: dict[tuple[str, str], Action] = {
    ("printer", "test-print"): printer_test_print,
    ("printer", "status"): printer_status,
    ("drawer", "open"): drawer_open,
    ("fiscal", "info"): fiscal_info,
    ("fiscal", "report-x"): fiscal_report_x,
    ("fiscal", "continue-print"): fiscal_continue_print,
    ("fiscal", "close-shift"): fiscal_close_shift,
    ("terminal", "status"): terminal_status,
    ("terminal", "end-of-day"): terminal_end_of_day,
    ("terminal", "repeat-last"): terminal_repeat_last,
}


async def _audit(rt: Runtime, actor: Actor, action: str, detail: str) -> None:
    try:
        async with rt.db.begin() as conn:
            audit(conn, action[:32], actor, detail=detail[:2000])
    except Exception:
        log.exception("technician.audit_failed", action=action)


async def run_device_action(rt: Runtime, actor: Actor, device: str, action: str) -> Json:
    """Run one technician action; the audit row records who did what and how it ended."""
    handler = ACTIONS.get((device, action))
    if handler is None:
        known = ", ".join(f"{d}/{a}" for d, a in ACTIONS)
        raise Problem(404, "unknown_action", "Unknown device action", f"{device}/{action}; known: {known}")
    name = f"tech.{device}.{action}"
    try:
        result = await handler(rt, actor)
    except DeviceError as exc:
        _note(rt, device, exc)
        await _audit(rt, actor, name, f"failed: {exc.kind}: {exc.message}")
        log.warning("technician.device_action_failed", device=device, action=action, kind=exc.kind)
        raise device_failed(rt, device, exc, f"{device} {action}") from exc
    except Problem as problem:
        await _audit(rt, actor, name, f"failed: {problem.code}: {problem.detail or problem.title}")
        raise
    await _audit(rt, actor, name, "ok")
    log.info("technician.device_action", device=device, action=action, staff=actor.name)
    if action != "status":
        await _refresh(rt, device)
    return result


# ------------------------------------------------------------------------------------------------ sync


async def sync_view(rt: Runtime) -> Json:
    """The hub link as the sync service sees it, with the next seq and the recent sync warnings."""
    async with rt.db.begin() as conn:
        last = (await conn.execute(select(func.max(m.outbox.c.seq)))).scalar()
    errors = [
        f"{r.at[:19]} {r.event} {r.fields.get('error', '')}".rstrip()
        for r in BUFFER.query(level="warning", component="sync")[-5:]
    ]
    if rt.sync is None:
        return {
            "enrolled": rt.settings.sync.enrolled,
            "connected": False,
            "broker": "",
            "acked_seq": 0,
            "last_ack_at": None,
            "backlog": 0,
            "oldest_unacked_at": None,
            "next_seq": int(last or 0) + 1,
            "last_error": "",
            "errors": errors,
        }
    st = rt.sync.state()
    if st.last_error:
        errors.append(st.last_error)
    return {
        "enrolled": st.enrolled,
        "connected": st.connected,
        "broker": st.broker,
        "acked_seq": st.acked_seq,
        "last_ack_at": plain(st.last_ack_at),
        "backlog": st.backlog,
        "oldest_unacked_at": plain(st.oldest_unacked_at),
        "next_seq": max(int(last or 0), st.acked_seq) + 1,
        "last_error": st.last_error,
        "errors": errors,
    }


async def resend(rt: Runtime, actor: Actor, from_seq: int) -> Json:
    """Ask the sync service to publish the outbox again from ``from_seq`` (the hub drops duplicates)."""
    sync = rt.sync
    if sync is None or not sync.state().enrolled:
        raise Problem(409, "not_enrolled", "The register is not enrolled", "There is no hub to resend to")
    async with rt.db.begin() as conn:
        first, last = (await conn.execute(select(func.min(m.outbox.c.seq), func.max(m.outbox.c.seq)))).one()
    if last is None or from_seq > last:
        raise invalid("nothing_to_resend", "Nothing to resend", f"The outbox holds no event from seq {from_seq}")
    start = max(from_seq, int(first))
    async with rt.db.begin() as conn:
        queued = (await conn.execute(select(func.count()).where(m.outbox.c.seq >= start))).scalar_one()
    accepted = sync.resend_from(start)
    if not accepted:
        raise Problem(
            409,
            "not_connected",
            "The hub link is down",
            "Every unacknowledged event is sent again as soon as the link is back",
        )
    await _audit(rt, actor, "tech.sync.resend", f"from seq {start}, {queued} events")
    log.info("technician.resend", from_seq=start, queued=queued)
    return {"from_seq": start, "queued": int(queued)}
