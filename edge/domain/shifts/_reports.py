"""Shift figures and reports: tenders, expected cash, the X report, the Z report that closes the shift and
the fiscal warnings (24-hour shift limit, OFD backlog)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import msgspec
import structlog
from sqlalchemy import select, update

from drivers.base import ShiftState
from drivers.errors import DeviceError, ShiftClosed
from edge.db import models as m
from edge.db.outbox import append_event, header
from edge.db.sql import Row, Tx
from edge.domain.auth.services import Actor, audit
from edge.domain.checkout import journal
from edge.domain.checkout._common import device_failed, operator_for
from edge.domain.checkout.receipts import document_info
from edge.domain.runtime import Runtime
from edge.domain.shifts._rows import current_shift, require_open_shift, shift_out
from edge.domain.shifts.schemas import CountedIn, ReportOut
from edge.problems import Problem, conflict
from protocols.events import FiscalDocumentInfo, TenderTotal
from protocols.events import ShiftClosed as ShiftClosedEvent
from protocols.ids import utcnow, uuid7

log = structlog.get_logger("edge.shifts")


async def _figures(conn: Tx, shift: Row, end: datetime) -> dict[str, Any]:
    start = shift.opened_at
    pays = (
        await conn.execute(
            select(m.payments.c.method, m.payments.c.amount, m.payments.c.order_id).where(
                m.payments.c.status == "approved", m.payments.c.updated_at >= start, m.payments.c.updated_at <= end
            )
        )
    ).all()
    refunds = (
        await conn.execute(
            select(m.refunds).where(
                m.refunds.c.status == "done", m.refunds.c.updated_at >= start, m.refunds.c.updated_at <= end
            )
        )
    ).all()
    moves = (await conn.execute(select(m.cash_moves).where(m.cash_moves.c.shift_id == shift.id))).all()
    sales: dict[str, int] = {"cash": 0, "card": 0, "loyalty": 0}
    for p in pays:
        sales[p.method] = sales.get(p.method, 0) + p.amount
    refunded: dict[str, int] = {"cash": 0, "card": 0, "loyalty": 0}
    for r in refunds:
        refunded["card"] += r.card_amount
        refunded["cash"] += r.cash_amount
        refunded["loyalty"] += r.amount - r.card_amount - r.cash_amount
    cash_in = sum(mv.amount for mv in moves if mv.direction == "in")
    cash_out = sum(mv.amount for mv in moves if mv.direction == "out")
    expected_cash = shift.opening_float + sales["cash"] - refunded["cash"] + cash_in - cash_out
    return {
        "sales": sales,
        "refunds": refunded,
        "orders": len({p.order_id for p in pays}),
        "refunds_count": len(refunds),
        "cash_in": cash_in,
        "cash_out": cash_out,
        "expected_cash": expected_cash,
    }


def _tenders(fig: dict[str, Any], counted: CountedIn | None) -> list[TenderTotal]:
    out = []
    for method in ("cash", "card", "loyalty"):
        expected = fig["expected_cash"] if method == "cash" else fig["sales"][method] - fig["refunds"][method]
        count = getattr(counted, method, None) if counted is not None and method != "loyalty" else None
        out.append(
            TenderTotal(
                method=method,
                sales=fig["sales"][method],
                refunds=fig["refunds"][method],
                expected=expected,
                counted=count,
            )
        )
    return out


async def warnings(rt: Runtime) -> list[str]:
    """Fiscal limits that bite soon: the 24-hour shift and the OFD backlog (FN blocks after 30 days)."""
    out: list[str] = []
    fiscal = rt.devices.fiscal
    now = utcnow()
    async with rt.db.read() as conn:
        shift = await current_shift(conn)
    if shift is not None and now - shift.opened_at > timedelta(hours=24):
        out.append("shift_expired: the shift is older than 24 hours; close it with a Z report")
    elif shift is not None and now - shift.opened_at > timedelta(hours=24) - timedelta(
        minutes=rt.settings.app.shift_warning_minutes
    ):
        out.append("shift_expires_soon: the 24-hour shift limit is near; close the shift (Z report)")
    if fiscal is None or not rt.settings.app.fiscal:
        return out
    try:
        status = await fiscal.shift_status()
        if status.state is ShiftState.EXPIRED:
            out.append("shift_expired: the fiscal shift is older than 24 hours; close it with a Z report")
        elif status.expires_at is not None and status.expires_at - now < timedelta(
            minutes=rt.settings.app.shift_warning_minutes
        ):
            left = max(0, int((status.expires_at - now).total_seconds() // 60))
            out.append(f"shift_expires_soon: the fiscal shift expires in {left} min; close it (Z report)")
        ofd = await fiscal.ofd_status()
        if ofd.first_unsent_at is not None and now - ofd.first_unsent_at > timedelta(
            days=rt.settings.app.ofd_warning_days
        ):
            days = (now - ofd.first_unsent_at).days
            out.append(
                f"ofd_backlog: {ofd.unsent_count} documents unsent to the OFD for {days} days (the FN blocks at 30)"
            )
    except DeviceError as exc:
        out.append(f"{exc.kind}: fiscal registrar: {exc.message}")
    out = list(dict.fromkeys(out))
    return out


async def report_x(rt: Runtime) -> ReportOut:
    async with rt.db.read() as conn:
        shift = await current_shift(conn)
        fig = await _figures(conn, shift, utcnow()) if shift is not None else None
    warn = await warnings(rt)
    if shift is None or fig is None:
        return ReportOut(
            kind="x",
            shift=None,
            tenders=[],
            orders_count=0,
            refunds_count=0,
            cash_in=0,
            cash_out=0,
            expected_cash=0,
            counted_cash=None,
            difference=None,
            warnings=warn,
        )
    return ReportOut(
        kind="x",
        shift=shift_out(shift),
        tenders=_tenders(fig, None),
        orders_count=fig["orders"],
        refunds_count=fig["refunds_count"],
        cash_in=fig["cash_in"],
        cash_out=fig["cash_out"],
        expected_cash=fig["expected_cash"],
        counted_cash=None,
        difference=None,
        warnings=warn,
    )


async def print_x(rt: Runtime, actor: Actor) -> None:
    if rt.devices.fiscal is None:
        raise Problem(503, "unavailable", "No fiscal registrar", "The X report prints on the fiscal registrar")
    async with rt.db.begin() as conn:
        operator = operator_for(conn, str(actor.staff_id))
    try:
        await rt.devices.fiscal.report_x(operator)
    except DeviceError as exc:
        raise device_failed(rt, "fiscal", exc, "X report") from exc


async def _close_fiscal(rt: Runtime, actor: Actor, shift_id: str) -> FiscalDocumentInfo | None:
    fiscal = rt.devices.fiscal
    if not rt.settings.app.fiscal or fiscal is None:
        return None
    request_id = uuid7()
    async with rt.db.begin() as conn:
        entry_id = journal.open_entry(
            conn, device="fiscal", kind="closeShift", request_id=str(request_id), shift_id=shift_id
        )
        operator = operator_for(conn, str(actor.staff_id))
    try:
        doc = await fiscal.close_shift(operator, request_id)
    except ShiftClosed:
        async with rt.db.begin() as conn:
            journal.settle(conn, entry_id, "done", {"already_closed": True})
        return None
    except DeviceError as exc:
        async with rt.db.begin() as conn:
            journal.settle(conn, entry_id, "failed", error=f"{exc.kind}: {exc.message}")
        raise device_failed(rt, "fiscal", exc, "closing the fiscal shift") from exc
    async with rt.db.begin() as conn:
        journal.settle(conn, entry_id, "done", doc)
    return document_info(doc, "closeShift")


async def _end_of_day(rt: Runtime, shift_id: str) -> dict[str, object] | None:
    terminal = rt.devices.terminal
    if terminal is None:
        return None
    async with rt.db.begin() as conn:
        entry_id = journal.open_entry(
            conn, device="terminal", kind="endOfDay", request_id=f"{shift_id}:eod", shift_id=shift_id
        )
    try:
        result = await terminal.end_of_day()
    except DeviceError as exc:
        device_failed(rt, "terminal", exc, "end of day")
        async with rt.db.begin() as conn:
            journal.settle(conn, entry_id, "failed", error=f"{exc.kind}: {exc.message}")
        return {"ok": False, "message": exc.message}
    async with rt.db.begin() as conn:
        journal.settle(conn, entry_id, "done" if result.ok else "failed", result)
    return {"ok": result.ok, "total": result.total, "count": result.count, "message": result.message}


async def report_z(
    rt: Runtime, actor: Actor, counted: CountedIn, *, unresolved_approver: Actor | None = None
) -> ReportOut:
    """Close the shift. Orders in checkout block it, except, with ``unresolved_approver`` (a manager), those
    locked until the device says whether their receipt was issued: they are left as they are and named."""
    async with rt.db.begin() as conn:
        shift = await require_open_shift(conn)
        busy = (
            await conn.execute(
                select(m.orders.c.id, m.orders.c.number, m.orders.c.status, m.orders.c.lock_reason).where(
                    m.orders.c.status.in_(("paying", "paid", "fiscalizing"))
                )
            )
        ).all()
    locked = [o for o in busy if o.status == "fiscalizing" and o.lock_reason]
    blocking = [o for o in busy if unresolved_approver is None or o not in locked]
    if blocking:
        numbers = ", ".join(str(o.number) for o in blocking)
        raise conflict(
            "orders_in_checkout",
            "Orders are still in checkout",
            f"order(s) {numbers} are being paid or fiscalized",
            orders=[str(o.number) for o in blocking],
            locked_orders=[str(o.number) for o in locked],
        )
    document = await _close_fiscal(rt, actor, shift.id)
    eod = await _end_of_day(rt, shift.id)
    now = utcnow()
    async with rt.db.begin() as conn:
        fig = await _figures(conn, shift, now)
        tenders = _tenders(fig, counted)
        report = ReportOut(
            kind="z",
            shift=None,
            tenders=tenders,
            orders_count=fig["orders"],
            refunds_count=fig["refunds_count"],
            cash_in=fig["cash_in"],
            cash_out=fig["cash_out"],
            expected_cash=fig["expected_cash"],
            counted_cash=counted.cash,
            difference=counted.cash - fig["expected_cash"] if counted.cash is not None else None,
            warnings=[
                f"order_unresolved: order {o.number} has no known receipt yet; it stays locked, finish it in the"
                " next shift"
                for o in locked
            ],
            document=document,
            terminal_end_of_day=eod,
            unresolved_orders=[str(o.number) for o in locked],
        )
        await conn.execute(
            update(m.shifts)
            .where(m.shifts.c.id == shift.id)
            .values(
                status="closed",
                closed_at=now,
                expected_cash=fig["expected_cash"],
                counted_cash=counted.cash,
                report=msgspec.json.encode(report),
            )
        )
        append_event(
            conn,
            ShiftClosedEvent(
                **header(now),
                shift_id=uuid.UUID(shift.id),
                closed_at=now,
                tenders=tenders,
                expected_cash=fig["expected_cash"],
                counted_cash=counted.cash,
                orders_count=fig["orders"],
                document=document,
                cashier_id=actor.staff_id,
            ),
        )
        audit(conn, "shift_close", actor, None, None, counted.cash, f"expected {fig['expected_cash']}")
        for o in locked:
            audit(conn, "shift_close_unresolved", actor, unresolved_approver, o.id, None, str(o.lock_reason))
        row = (await conn.execute(select(m.shifts).where(m.shifts.c.id == shift.id))).first()
    assert row is not None
    await rt.notify_sync()
    return msgspec.structs.replace(report, shift=shift_out(row))
