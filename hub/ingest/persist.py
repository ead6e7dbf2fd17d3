"""Relational persistence of register events, one function per event type.

Each function folds its event into a :class:`BatchState` (in sequence order); :func:`persist_events`
loads the rows the events refer to, applies the functions and writes the result with a few bulk
upserts keyed by the edge's UUIDs, so a batch costs a handful of statements whatever its size.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.ingest._rows import BatchState, RegisterScope, Row, load_rows, write_rows
from protocols.events import (
    CashMoved,
    DeviceHealthChanged,
    Event,
    FiscalDocumentInfo,
    KitchenStatusChanged,
    OrderCancelled,
    OrderCreated,
    OrderFiscalized,
    OrderPaid,
    OrderRefunded,
    OrderUpdated,
    PaymentRecord,
    PaymentReversed,
    RegisterStatusChanged,
    ShiftClosed,
    ShiftOpened,
)

__all__ = ["BatchState", "RegisterScope", "fold_events", "persist_events"]

log = logging.getLogger(__name__)


def _builtins(value: Any) -> Any:
    return msgspec.to_builtins(value)


def _order(state: BatchState, event: Event, order_id: uuid.UUID) -> Row | None:
    row = state.orders.get(order_id)
    if row is None:
        # The register's history before enrollment, or a corrupt stream: the event stays in the log.
        state.orphans += 1
        log.warning(
            "event refers to an order unknown for this register",
            extra={"register_id": str(state.scope.register_id), "seq": event.seq, "order_id": str(order_id)},
        )
        return None
    state.dirty_orders.add(order_id)
    return row


def _set_status(state: BatchState, event: Event, row: Row, field: str, status: str) -> None:
    previous = row[field]
    if previous == status:
        return
    row[field] = status
    state.history.append(
        {
            "id": event.event_id,
            "order_id": row["id"],
            "register_id": state.scope.register_id,
            "seq": event.seq,
            "field": "kitchen" if field == "kitchen_status" else "status",
            "status": status,
            "previous": previous,
            "at": event.occurred_at,
        }
    )


def _fiscal(
    state: BatchState,
    event: Event,
    doc: FiscalDocumentInfo,
    *,
    order_id: uuid.UUID | None = None,
    shift_id: uuid.UUID | None = None,
    refund_id: uuid.UUID | None = None,
) -> None:
    scope = state.scope
    state.fiscal.append(
        {
            "id": event.event_id,
            "org_id": scope.org_id,
            "location_id": scope.location_id,
            "register_id": scope.register_id,
            "order_id": order_id,
            "shift_id": shift_id,
            "refund_id": refund_id,
            "kind": doc.kind,
            "document_number": doc.document_number,
            "document_sign": doc.document_sign,
            "receipt_number": doc.receipt_number,
            "shift_number": doc.shift_number,
            "fn_number": doc.fn_number,
            "registration_number": doc.registration_number,
            "document_datetime": doc.document_datetime,
            "total": doc.total,
            "qr": doc.qr,
        }
    )


def _payment_row(
    event: Event, order_id: uuid.UUID, payment: PaymentRecord, kind: str, refund_id: uuid.UUID | None
) -> Row:
    return {
        "id": payment.payment_id,
        "order_id": order_id,
        "kind": kind,
        "refund_id": refund_id,
        "method": payment.method,
        "amount": payment.amount,
        "tendered": payment.tendered,
        "change": payment.change,
        "status": payment.status,
        "card": _builtins(payment.card) if payment.card is not None else None,
        "reason": "",
        "created_at": event.occurred_at,
        "updated_at": event.occurred_at,
    }


def order_created(state: BatchState, event: OrderCreated) -> None:
    scope = state.scope
    if event.order_id in state.foreign_orders:
        # Another register's order: this one's events about it stay in the log and touch nothing.
        state.orphans += 1
        log.warning(
            "order.created reuses the id of another register's order",
            extra={"register_id": str(scope.register_id), "seq": event.seq, "order_id": str(event.order_id)},
        )
        return
    existing = state.orders.get(event.order_id)
    fields: Row = {
        "number": event.number,
        "order_type": event.order_type,
        "table": event.table,
        "delivery_address": event.delivery_address,
        "shift_id": event.shift_id,
        "cashier_id": event.cashier_id,
        "customer_phone": event.customer_phone,
        "comment": event.comment,
        "currency": event.currency,
    }
    state.dirty_orders.add(event.order_id)
    if existing is not None:
        existing.update(fields)
        existing["updated_at"] = event.occurred_at
        return
    state.orders[event.order_id] = {
        "id": event.order_id,
        "org_id": scope.org_id,
        "location_id": scope.location_id,
        "register_id": scope.register_id,
        "status": None,
        "kitchen_status": None,
        "promo_code": None,
        "subtotal": 0,
        "discount": 0,
        "total": 0,
        "paid_total": 0,
        "refunded_total": 0,
        "vat": [],
        "created_at": event.occurred_at,
        "updated_at": event.occurred_at,
        **fields,
    }
    _set_status(state, event, state.orders[event.order_id], "status", "draft")


def order_updated(state: BatchState, event: OrderUpdated) -> None:
    row = _order(state, event, event.order_id)
    if row is None:
        return
    row.update(
        subtotal=event.subtotal,
        discount=event.discount,
        total=event.total,
        vat=_builtins(event.vat),
        promo_code=event.promo_code,
        updated_at=event.occurred_at,
    )
    for name in ("order_type", "table", "delivery_address"):
        value = getattr(event, name)
        if value is not None:
            row[name] = value
    _set_status(state, event, row, "status", event.status)
    state.lines[event.order_id] = [
        {
            "id": line.line_id,
            "order_id": event.order_id,
            "position": position,
            "product_id": line.product_id,
            "sku": line.sku,
            "name": line.name,
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "discount": line.discount,
            "amount": line.amount,
            "vat_rate": line.vat_rate,
            "vat_amount": line.vat_amount,
            "modifiers": _builtins(line.modifiers),
            "comment": line.comment,
        }
        for position, line in enumerate(event.lines)
    ]


def order_paid(state: BatchState, event: OrderPaid) -> None:
    row = _order(state, event, event.order_id)
    if row is None:
        return
    state.payments[event.payment.payment_id] = _payment_row(event, event.order_id, event.payment, "payment", None)
    row["paid_total"] = event.paid_total
    row["updated_at"] = event.occurred_at
    if row["status"] in ("draft", "paying"):
        _set_status(state, event, row, "status", "paid" if event.fully_paid else "paying")


def payment_reversed(state: BatchState, event: PaymentReversed) -> None:
    row = _order(state, event, event.order_id)
    if row is None:
        return
    payment = state.payments.get(event.payment_id)
    if payment is not None and payment["order_id"] == event.order_id and payment["status"] != "reversed":
        payment.update(status="reversed", reason=event.reason, updated_at=event.occurred_at)
        row["paid_total"] = max(0, int(row["paid_total"]) - int(payment["amount"]))
    row["updated_at"] = event.occurred_at
    _set_status(state, event, row, "status", "draft")


def order_fiscalized(state: BatchState, event: OrderFiscalized) -> None:
    row = _order(state, event, event.order_id)
    if row is None:
        return
    _fiscal(state, event, event.document, order_id=event.order_id, shift_id=row["shift_id"])
    row["updated_at"] = event.occurred_at
    _set_status(state, event, row, "status", "fiscalized")


def order_cancelled(state: BatchState, event: OrderCancelled) -> None:
    row = _order(state, event, event.order_id)
    if row is None:
        return
    row["updated_at"] = event.occurred_at
    _set_status(state, event, row, "status", "cancelled")


def order_refunded(state: BatchState, event: OrderRefunded) -> None:
    row = _order(state, event, event.order_id)
    if row is None:
        return
    state.refunds.append(
        {
            "id": event.refund_id,
            "order_id": event.order_id,
            "amount": event.amount,
            "full": event.full,
            "lines": _builtins(event.lines),
            "reason": event.reason,
            "approved_by": event.approved_by,
            "created_at": event.occurred_at,
        }
    )
    for payment in event.payments:
        state.payments[payment.payment_id] = _payment_row(event, event.order_id, payment, "refund", event.refund_id)
    if event.document is not None:
        _fiscal(state, event, event.document, order_id=event.order_id, refund_id=event.refund_id)
    row["refunded_total"] = int(row["refunded_total"]) + event.amount
    row["updated_at"] = event.occurred_at
    _set_status(state, event, row, "status", "refunded" if event.full else "partially_refunded")


def kitchen_status_changed(state: BatchState, event: KitchenStatusChanged) -> None:
    row = _order(state, event, event.order_id)
    if row is None:
        return
    row["updated_at"] = event.occurred_at
    _set_status(state, event, row, "kitchen_status", event.status)


def shift_opened(state: BatchState, event: ShiftOpened) -> None:
    scope = state.scope
    state.shifts[event.shift_id] = {
        "id": event.shift_id,
        "org_id": scope.org_id,
        "location_id": scope.location_id,
        "register_id": scope.register_id,
        "number": event.number,
        "status": "open",
        "opened_at": event.opened_at,
        "closed_at": None,
        "opening_float": event.opening_float,
        "cashier_id": event.cashier_id,
        "fiscal_shift_number": event.fiscal_shift_number,
        "expected_cash": None,
        "counted_cash": None,
        "orders_count": None,
        "tenders": [],
    }
    if event.document is not None:
        _fiscal(state, event, event.document, shift_id=event.shift_id)


def shift_closed(state: BatchState, event: ShiftClosed) -> None:
    row = state.shifts.get(event.shift_id)
    if row is None:
        state.orphans += 1
        log.warning(
            "shift.closed for a shift unknown for this register",
            extra={"register_id": str(state.scope.register_id), "seq": event.seq, "shift_id": str(event.shift_id)},
        )
        return
    row.update(
        status="closed",
        closed_at=event.closed_at,
        tenders=_builtins(event.tenders),
        expected_cash=event.expected_cash,
        counted_cash=event.counted_cash,
        orders_count=event.orders_count,
    )
    if event.document is not None:
        _fiscal(state, event, event.document, shift_id=event.shift_id)


def cash_moved(state: BatchState, event: CashMoved) -> None:
    scope = state.scope
    state.cash_moves.append(
        {
            "id": event.move_id,
            "org_id": scope.org_id,
            "location_id": scope.location_id,
            "register_id": scope.register_id,
            "shift_id": event.shift_id,
            "direction": event.direction,
            "amount": event.amount,
            "reason": event.reason,
            "by": event.by,
            "approved_by": event.approved_by,
            "occurred_at": event.occurred_at,
        }
    )


def log_only(state: BatchState, event: DeviceHealthChanged | RegisterStatusChanged) -> None:
    """Device health and lifecycle records live in the event log; presence comes from the status topic."""


_APPLY: dict[type[Any], Callable[[BatchState, Any], None]] = {
    OrderCreated: order_created,
    OrderUpdated: order_updated,
    OrderPaid: order_paid,
    PaymentReversed: payment_reversed,
    OrderFiscalized: order_fiscalized,
    OrderCancelled: order_cancelled,
    OrderRefunded: order_refunded,
    KitchenStatusChanged: kitchen_status_changed,
    ShiftOpened: shift_opened,
    ShiftClosed: shift_closed,
    CashMoved: cash_moved,
    DeviceHealthChanged: log_only,
    RegisterStatusChanged: log_only,
}


def fold_events(state: BatchState, events: Sequence[Event]) -> BatchState:
    """Apply ``events`` in order to the rows in ``state`` (no I/O)."""
    for event in events:
        _APPLY[type(event)](state, event)
    return state


async def persist_events(
    conn: AsyncConnection, scope: RegisterScope, events: Sequence[Event], *, direct: bool = False
) -> BatchState:
    """Fold ``events`` (already in sequence order, none committed before) into rows and write them
    (``direct``: see :func:`~hub.ingest._rows.write_rows`)."""
    state = fold_events(await load_rows(conn, scope, events, direct=direct), events)
    await write_rows(conn, state, direct=direct)
    return state
