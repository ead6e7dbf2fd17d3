"""Shift lifecycle and cash accounting. Expected cash = float + cash sales − cash refunds + cash in − cash out;
the Z report compares it with what was counted, closes the fiscal shift and runs the terminal's end of day.
"""

from __future__ import annotations

import uuid

import structlog
from sqlalchemy import func, insert, select, update

from drivers.base import FiscalRegistrar, ShiftState
from drivers.errors import DeviceError, ShiftAlreadyOpen
from edge.db import models as m
from edge.db.outbox import append_event, header
from edge.domain.auth.services import Actor, audit
from edge.domain.checkout import journal
from edge.domain.checkout._common import device_failed, operator_for
from edge.domain.checkout.receipts import document_info
from edge.domain.runtime import Runtime
from edge.domain.shifts._rows import current_shift, require_open_shift, shift_out
from edge.domain.shifts.schemas import ShiftOut
from edge.problems import conflict
from protocols.events import CashMoved, FiscalDocumentInfo, ShiftOpened
from protocols.ids import utcnow, uuid7

log = structlog.get_logger("edge.shifts")


async def open_fiscal_shift(
    rt: Runtime, fiscal: FiscalRegistrar, actor: Actor | None
) -> tuple[int | None, FiscalDocumentInfo | None]:
    """Open the FN shift (journaled); an already open one is fine, an expired one must be closed first."""
    request_id = uuid7()
    async with rt.db.begin() as conn:
        entry_id = journal.open_entry(conn, device="fiscal", kind="openShift", request_id=str(request_id))
        operator = operator_for(conn, str(actor.staff_id) if actor else None)
    try:
        doc = await fiscal.open_shift(operator, request_id)
    except ShiftAlreadyOpen:
        status = await fiscal.shift_status()
        async with rt.db.begin() as conn:
            journal.settle(conn, entry_id, "done", {"already_open": True, "number": status.number})
        if status.state is ShiftState.EXPIRED:
            raise conflict(
                "shift_expired", "The fiscal shift is older than 24 hours", "Close it with a Z report first"
            ) from None
        return status.number, None
    except DeviceError as exc:
        async with rt.db.begin() as conn:
            journal.settle(conn, entry_id, "failed", error=f"{exc.kind}: {exc.message}")
        raise device_failed(rt, "fiscal", exc, "opening the fiscal shift") from exc
    async with rt.db.begin() as conn:
        journal.settle(conn, entry_id, "done", doc)
    return doc.shift_number, document_info(doc, "openShift")


async def open_shift(rt: Runtime, actor: Actor, opening_float: int) -> ShiftOut:
    async with rt.db.begin() as conn:
        if await current_shift(conn) is not None:
            raise conflict("shift_open", "A shift is already open", "Close it (Z report) first")
    fiscal_number: int | None = None
    document = None
    if rt.settings.app.fiscal and rt.devices.fiscal is not None:
        fiscal_number, document = await open_fiscal_shift(rt, rt.devices.fiscal, actor)
    now = utcnow()
    shift_id = str(uuid7())
    async with rt.db.begin() as conn:
        if await current_shift(conn) is not None:
            raise conflict("shift_open", "A shift is already open", "Close it (Z report) first")
        number = int((await conn.execute(select(func.coalesce(func.max(m.shifts.c.number), 0)))).scalar_one()) + 1
        await conn.execute(
            insert(m.shifts).values(
                id=shift_id,
                number=number,
                status="open",
                opened_at=now,
                opening_float=opening_float,
                cashier_id=str(actor.staff_id),
                fiscal_shift_number=fiscal_number,
            )
        )
        # drafts opened before the shift belong to it
        await conn.execute(
            update(m.orders)
            .where(m.orders.c.shift_id.is_(None), m.orders.c.status.in_(("draft", "paying")))
            .values(shift_id=shift_id)
        )
        append_event(
            conn,
            ShiftOpened(
                **header(now),
                shift_id=uuid.UUID(shift_id),
                number=number,
                opened_at=now,
                opening_float=opening_float,
                cashier_id=actor.staff_id,
                fiscal_shift_number=fiscal_number,
                document=document,
            ),
        )
        audit(conn, "shift_open", actor, None, None, opening_float)
        row = await current_shift(conn)
    assert row is not None
    await rt.notify_sync()
    return shift_out(row)


async def cash_move(
    rt: Runtime,
    actor: Actor,
    approver: Actor | None,
    direction: str,
    amount: int,
    reason: str,
    idempotency_key: str | None = None,
) -> str:
    """Register a cash move; the same ``Idempotency-Key`` returns the first move without driving the device."""
    async with rt.db.begin() as conn:
        shift = await require_open_shift(conn)
        if idempotency_key:
            known = (
                await conn.execute(select(m.cash_moves.c.id).where(m.cash_moves.c.idempotency_key == idempotency_key))
            ).scalar()
            if known is not None:
                return str(known)
    fiscal = rt.devices.fiscal
    if rt.settings.app.fiscal and fiscal is not None:
        async with rt.db.begin() as conn:
            entry_id = journal.open_entry(
                conn,
                device="fiscal",
                kind="cashIn" if direction == "in" else "cashOut",
                request_id=str(uuid7()),
                shift_id=shift.id,
                amount=amount,
            )
            operator = operator_for(conn, str(actor.staff_id))
        try:
            if direction == "in":
                await fiscal.cash_in(amount, operator)
            else:
                await fiscal.cash_out(amount, operator)
        except DeviceError as exc:
            async with rt.db.begin() as conn:
                journal.settle(conn, entry_id, "failed", error=f"{exc.kind}: {exc.message}")
            raise device_failed(rt, "fiscal", exc, f"cash {direction}") from exc
        async with rt.db.begin() as conn:
            journal.settle(conn, entry_id, "done", {"amount": amount})
    move_id = str(uuid7())
    now = utcnow()
    async with rt.db.begin() as conn:
        await conn.execute(
            insert(m.cash_moves).values(
                id=move_id,
                shift_id=shift.id,
                direction=direction,
                amount=amount,
                reason=reason,
                actor_id=str(actor.staff_id),
                approved_by=str(approver.staff_id) if approver else None,
                idempotency_key=idempotency_key,
                at=now,
            )
        )
        append_event(
            conn,
            CashMoved(
                **header(now),
                move_id=uuid.UUID(move_id),
                shift_id=uuid.UUID(shift.id),
                direction=direction,  # type: ignore[arg-type]
                amount=amount,
                reason=reason[:2000],
                by=actor.staff_id,
                approved_by=approver.staff_id if approver else None,
            ),
        )
        audit(conn, f"cash_{direction}", actor, approver, None, amount, reason)
    if rt.devices.drawer is not None:
        try:
            await rt.devices.drawer.open()
        except DeviceError as exc:
            device_failed(rt, "drawer", exc)
    await rt.notify_sync()
    return move_id


from edge.domain.shifts._reports import print_x, report_x, report_z, warnings  # noqa: E402

__all__ = [
    "cash_move",
    "current_shift",
    "open_fiscal_shift",
    "open_shift",
    "print_x",
    "report_x",
    "report_z",
    "shift_out",
    "warnings",
]
