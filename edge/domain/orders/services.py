"""Order drafts: create (idempotent by key), replace lines, header changes, discounts and promo codes,
kitchen status, cancel of unpaid orders, reading and listing. Every change commits with its outbox event.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from sqlalchemy import bindparam, delete, insert, select, update

from edge.db import models as m
from edge.db.outbox import append_event, header
from edge.db.sql import Query, Tx
from edge.domain.auth.services import Actor, approve, audit
from edge.domain.orders.pricing import Discount, LineRequest, apply_totals, price_lines
from edge.domain.orders.repo import OrderRecord, emit_updated, fetch_order, order_out, order_row, touch
from edge.domain.orders.schemas import DiscountIn, LineIn, OrderCreateIn, OrderOut, OrderPatchIn
from edge.domain.runtime import Runtime
from edge.problems import conflict, invalid
from protocols.codec import encode
from protocols.events import KitchenStatus, KitchenStatusChanged, OrderCancelled, OrderCreated
from protocols.ids import utcnow, uuid7

EDITABLE = frozenset({"draft"})
KITCHEN_NEXT: dict[str, frozenset[str]] = {
    "created": frozenset({"confirmed", "cancelled"}),
    # A recall on the kitchen display moves a ticket one column back (bumped by mistake, or remade).
    "confirmed": frozenset({"cooking", "cancelled"}),
    "cooking": frozenset({"ready", "confirmed", "cancelled"}),
    "ready": frozenset({"served", "delivered", "cooking", "cancelled"}),
    "served": frozenset({"ready"}),
    "delivered": frozenset({"ready"}),
}


def business_day(rt: Runtime, at: datetime | None = None) -> str:
    return (at or utcnow()).astimezone(ZoneInfo(rt.settings.app.timezone)).date().isoformat()


_NEXT_NUMBER = Query(
    update(m.order_counters)
    .where(m.order_counters.c.business_day == bindparam("day"))
    .values(last_number=m.order_counters.c.last_number + 1)
    .returning(m.order_counters.c.last_number)
)
_FIRST_NUMBER = Query(insert(m.order_counters))
_OPEN_SHIFT = Query(select(m.shifts.c.id).where(m.shifts.c.status == "open"))
_PROMO = Query(select(m.promo_codes).where(m.promo_codes.c.code == bindparam("code")))
_ORDER_BY_KEY = Query(select(m.orders.c.id).where(m.orders.c.idempotency_key == bindparam("key")))
_INSERT_ORDER = Query(insert(m.orders))
_DELETE_LINES = Query(delete(m.order_lines).where(m.order_lines.c.order_id == bindparam("order_id")))
_INSERT_LINE = Query(insert(m.order_lines))


def _next_number(tx: Tx, day: str) -> str:
    number = tx.scalar(_NEXT_NUMBER, {"day": day})
    if number is None:
        number = 1
        tx.run(_FIRST_NUMBER, {"business_day": day, "last_number": number})
    return f"{number:03d}"


def open_shift_id(tx: Tx) -> str | None:
    value = tx.scalar(_OPEN_SHIFT)
    return str(value) if value else None


def _line_requests(items: Sequence[LineIn]) -> list[LineRequest]:
    return [
        LineRequest(product_id=i.product_id, quantity=i.quantity, modifiers=tuple(i.modifiers), comment=i.comment)
        for i in items
    ]


def _promo(tx: Tx, code: str | None) -> tuple[str | None, Discount | None]:
    if not code:
        return None, None
    normalized = code.strip().upper()
    row = tx.first(_PROMO, {"code": normalized})
    if row is None or not row.active:
        raise invalid("unknown_promo", "Unknown promo code", f"{code!r} is not a valid promo code")
    return normalized, Discount(kind=row.kind, value=row.value)


def _manual(rec_row: Any) -> Discount | None:
    kind = rec_row.manual_discount_kind
    return Discount(kind=kind, value=rec_row.manual_discount_value) if kind else None


def _reprice(rt: Runtime, tx: Tx, rec: OrderRecord, items: Sequence[LineIn] | None) -> OrderRecord:
    """Recompute lines (new ``items`` or the current ones) and totals from the serving catalog; ``rec`` is the
    order as it stands in this transaction. Returns the order as written."""
    order_id = rec.id
    if items is None:
        requests = [
            LineRequest(
                product_id=uuid.UUID(line.product_id),
                quantity=line.quantity,
                modifiers=tuple(uuid.UUID(mod["option_id"]) for mod in json.loads(line.modifiers)),
                comment=line.comment,
            )
            for line in rec.lines
        ]
    else:
        requests = _line_requests(items)
    lines = price_lines(rt.catalog.current, requests)
    _, promo = _promo(tx, rec.row.promo_code)
    totals = apply_totals(lines, [promo, _manual(rec.row)], rt.catalog.vat_percent)
    key = {"order_id": order_id}
    if rec.lines:
        tx.run(_DELETE_LINES, key)
    tx.run_many(
        _INSERT_LINE,
        [
            {
                "id": str(uuid7()),
                "order_id": order_id,
                "position": pos,
                "product_id": str(line.product_id),
                "sku": line.sku,
                "name": line.name,
                "quantity": str(line.quantity),
                "unit_price": line.unit_price,
                "gross": line.gross,
                "discount": line.discount,
                "amount": line.amount,
                "vat_rate": line.vat_rate,
                "vat_amount": line.vat_amount,
                "measurement_unit": line.measurement_unit,
                "payment_object": line.payment_object,
                "kitchen": line.kitchen,
                "modifiers": encode_modifiers(line),
                "comment": line.comment,
                "refunded_quantity": "0",
                "refunded_amount": 0,
            }
            for pos, line in enumerate(lines, start=1)
        ],
    )
    touch(
        tx,
        order_id,
        subtotal=totals.subtotal,
        discount_total=totals.discount,
        total=totals.total,
        vat=json.dumps([{"rate": r, "amount": a} for r, a in sorted(totals.vat.items())]),
    )
    return fetch_order(tx, order_id)


def encode_modifiers(line: Any) -> str:
    return "[" + ",".join(encode(mod).decode() for mod in line.modifiers) + "]"


def _require_editable(rec: OrderRecord) -> None:
    if rec.status not in EDITABLE or rec.row.paid_total:
        raise conflict(
            "order_not_editable", "The order can no longer be changed", f"order {rec.row.number} is {rec.status}"
        )
    if rec.row.lock_reason:
        raise conflict("order_locked", "The order is locked", rec.row.lock_reason)


async def _check_discount(
    rt: Runtime, actor: Actor, discount: DiscountIn | None, subtotal: int, pin: str | None
) -> Actor | None:
    """The approving manager when the discount is above the threshold; None when no approval is needed."""
    if discount is None:
        return None
    if discount.kind == "percent" and discount.value > 100:
        raise invalid("bad_discount", "Bad discount", "a percent discount is at most 100")
    threshold = rt.settings.app.manager_approval_discount_threshold_percent
    if discount.kind == "percent":
        above = discount.value > threshold
    else:
        above = subtotal <= 0 or discount.value * 100 > subtotal * threshold
    if not above:
        return None
    return await approve(rt, actor, pin, "a discount above the threshold")


async def create_order(rt: Runtime, actor: Actor, data: OrderCreateIn, idempotency_key: str | None) -> OrderOut:
    if data.order_type == "delivery" and not data.delivery_address:
        raise invalid("delivery_address_required", "Delivery needs an address", "set delivery_address")
    if idempotency_key:
        async with rt.db.read() as tx:
            existing = tx.scalar(_ORDER_BY_KEY, {"key": idempotency_key})
            if existing:
                return order_out(fetch_order(tx, existing))
    # validate before anything is written, so a bad request leaves no trace
    preview = price_lines(rt.catalog.current, _line_requests(data.items)) if data.items else []
    preview_subtotal = sum(line.gross for line in preview)
    approver = await _check_discount(rt, actor, data.discount, preview_subtotal, data.approval_pin)
    now = utcnow()
    order_id = str(uuid7())
    async with rt.db.begin() as conn:
        if idempotency_key:
            existing = conn.scalar(_ORDER_BY_KEY, {"key": idempotency_key})
            if existing:
                return order_out(fetch_order(conn, existing))
        promo_code, _ = _promo(conn, data.promo_code)
        day = business_day(rt, now)
        number = _next_number(conn, day)
        shift_id = open_shift_id(conn)
        conn.run(
            _INSERT_ORDER,
            {
                "id": order_id,
                "number": number,
                "business_day": day,
                "status": "draft",
                "kitchen_status": "created",
                "order_type": data.order_type,
                "table_no": data.table,
                "delivery_address": data.delivery_address,
                "customer_phone": data.customer_phone,
                "comment": data.comment,
                "currency": rt.settings.app.currency,
                "cashier_id": str(actor.staff_id),
                "shift_id": shift_id,
                "manual_discount_kind": data.discount.kind if data.discount else None,
                "manual_discount_value": data.discount.value if data.discount else None,
                "promo_code": promo_code,
                "idempotency_key": idempotency_key,
                "created_at": now,
                "updated_at": now,
            },
        )
        # a new order has no lines, payments or refunds yet
        rec = OrderRecord(row=order_row(conn, order_id), lines=[], payments=[], refunds=[])
        append_event(
            conn,
            OrderCreated(
                **header(now),
                order_id=uuid.UUID(order_id),
                number=number,
                order_type=data.order_type,
                table=data.table,
                delivery_address=data.delivery_address,
                shift_id=uuid.UUID(shift_id) if shift_id else None,
                cashier_id=actor.staff_id,
                currency=rt.settings.app.currency,
                customer_phone=data.customer_phone,
                comment=data.comment,
            ),
        )
        if data.items or data.discount or promo_code:
            rec = _reprice(rt, conn, rec, data.items)
            emit_updated(conn, order_id, rec)
        if approver is not None and data.discount is not None:
            audit(conn, "discount", actor, approver, order_id, data.discount.value, data.discount.kind)
    await rt.notify_sync()
    return order_out(rec)


async def replace_items(rt: Runtime, actor: Actor, order_id: str, items: Sequence[LineIn]) -> OrderOut:
    price_lines(rt.catalog.current, _line_requests(items))  # refuse bad lines before opening a write
    async with rt.order_lock(order_id), rt.db.begin() as conn:
        rec = fetch_order(conn, order_id)
        _require_editable(rec)
        rec = _reprice(rt, conn, rec, items)
        emit_updated(conn, order_id, rec)
    await rt.notify_sync()
    return order_out(rec)


async def patch_order(rt: Runtime, actor: Actor, order_id: str, data: OrderPatchIn) -> OrderOut:
    async with rt.db.begin() as conn:
        rec = fetch_order(conn, order_id)
    _require_editable(rec)
    approver = None
    if isinstance(data.discount, DiscountIn):
        approver = await _check_discount(rt, actor, data.discount, rec.row.subtotal, data.approval_pin)
    values: dict[str, object] = {}
    for field, column in (
        ("order_type", "order_type"),
        ("table", "table_no"),
        ("delivery_address", "delivery_address"),
        ("customer_phone", "customer_phone"),
        ("comment", "comment"),
    ):
        value = getattr(data, field)
        if value is not msgspec.UNSET:
            values[column] = value
    if data.discount is not msgspec.UNSET:
        values["manual_discount_kind"] = data.discount.kind if isinstance(data.discount, DiscountIn) else None
        values["manual_discount_value"] = data.discount.value if isinstance(data.discount, DiscountIn) else None
    async with rt.order_lock(order_id), rt.db.begin() as conn:
        rec = fetch_order(conn, order_id)
        _require_editable(rec)
        if data.promo_code is not msgspec.UNSET:
            code = data.promo_code if isinstance(data.promo_code, str) else None
            values["promo_code"], _ = _promo(conn, code)
        order_type = values.get("order_type", rec.row.order_type)
        address = values.get("delivery_address", rec.row.delivery_address)
        if order_type == "delivery" and not address:
            raise invalid("delivery_address_required", "Delivery needs an address", "set delivery_address")
        if values:
            touch(conn, order_id, **values)
            rec = fetch_order(conn, order_id)
        rec = _reprice(rt, conn, rec, None)
        emit_updated(conn, order_id, rec)
        if approver is not None and isinstance(data.discount, DiscountIn):
            audit(conn, "discount", actor, approver, order_id, data.discount.value, data.discount.kind)
    await rt.notify_sync()
    return order_out(rec)


async def change_kitchen_status(rt: Runtime, actor: Actor, order_id: str, status: KitchenStatus) -> OrderOut:
    async with rt.order_lock(order_id), rt.db.begin() as conn:
        rec = fetch_order(conn, order_id)
        current = rec.row.kitchen_status
        allowed = KITCHEN_NEXT.get(current, frozenset())
        if rec.status == "cancelled" or status not in allowed:
            raise conflict(
                "kitchen_transition", "Kitchen status cannot change so", f"{current} → {status} is not allowed"
            )
        delivery = rec.row.order_type == "delivery"
        if (status == "delivered" and not delivery) or (status == "served" and delivery):
            raise conflict(
                "kitchen_transition",
                "Kitchen status cannot change so",
                f"{status} does not fit a {rec.row.order_type} order",
            )
        touch(conn, order_id, kitchen_status=status)
        append_event(
            conn, KitchenStatusChanged(**header(), order_id=uuid.UUID(order_id), status=status, previous=current)
        )
        rec = fetch_order(conn, order_id)
    await rt.notify_sync()
    return order_out(rec)


async def cancel_unpaid(
    rt: Runtime, conn: Tx, actor: Actor, rec: OrderRecord, reason: str, approver: Actor | None
) -> None:
    """Cancel an order that holds no money, in the caller's transaction."""
    touch(conn, rec.id, status="cancelled", kitchen_status="cancelled")
    append_event(
        conn,
        OrderCancelled(
            **header(),
            order_id=uuid.UUID(rec.id),
            reason=reason,
            by=actor.staff_id,
            approved_by=approver.staff_id if approver else None,
        ),
    )
    if rec.row.kitchen_status != "cancelled":
        append_event(
            conn,
            KitchenStatusChanged(
                **header(), order_id=uuid.UUID(rec.id), status="cancelled", previous=rec.row.kitchen_status
            ),
        )
    audit(conn, "cancel", actor, approver, rec.id, rec.row.total, reason)
    rt.metrics.orders.labels(status="cancelled").inc()


from edge.domain.orders._queries import get_order, list_orders  # noqa: E402

__all__ = [
    "cancel_unpaid",
    "change_kitchen_status",
    "create_order",
    "get_order",
    "list_orders",
    "patch_order",
    "replace_items",
]
