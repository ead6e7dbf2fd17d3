"""Reading an order with its lines, payments and refunds, and turning it into API bodies and wire events."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from decimal import Decimal

import msgspec
from sqlalchemy import bindparam, select

from edge.db import models as m
from edge.db.outbox import append_event, header
from edge.db.sql import Query, Row, RowUpdate, Tx
from edge.domain.orders.schemas import DiscountOut, LineOut, OrderOut, PaymentOut, RefundOut, VatOut
from edge.problems import not_found
from protocols.events import (
    CardDetails,
    FiscalDocumentInfo,
    LineModifier,
    OrderLine,
    OrderStatus,
    OrderUpdated,
    PaymentRecord,
    VatAmount,
)
from protocols.ids import utcnow

_modifiers = msgspec.json.Decoder(list[LineModifier])
_fiscal = msgspec.json.Decoder(FiscalDocumentInfo)
_card = msgspec.json.Decoder(CardDetails)


@dataclass(slots=True)
class OrderRecord:
    row: Row
    lines: list[Row]
    payments: list[Row]
    refunds: list[Row]

    @property
    def id(self) -> str:
        return str(self.row.id)

    @property
    def status(self) -> str:
        return str(self.row.status)

    @property
    def due(self) -> int:
        return int(self.row.total) - int(self.row.paid_total)

    def approved_payments(self) -> list[Row]:
        return [p for p in self.payments if p.status == "approved"]


_ORDER = Query(select(m.orders).where(m.orders.c.id == bindparam("order_id")))
_LINES = Query(
    select(m.order_lines).where(m.order_lines.c.order_id == bindparam("order_id")).order_by(m.order_lines.c.position)
)
_PAYMENTS = Query(
    select(m.payments).where(m.payments.c.order_id == bindparam("order_id")).order_by(m.payments.c.created_at)
)
_REFUNDS = Query(
    select(m.refunds).where(m.refunds.c.order_id == bindparam("order_id")).order_by(m.refunds.c.created_at)
)
_update_order = RowUpdate(m.orders, "id")


def order_row(tx: Tx, order_id: str | uuid.UUID) -> Row:
    """The order's own row, for steps that only need its status or totals (not lines and payments)."""
    row = tx.first(_ORDER, {"order_id": str(order_id)})
    if row is None:
        raise not_found("Order", str(order_id))
    return row


def fetch_order(tx: Tx, order_id: str | uuid.UUID) -> OrderRecord:
    key = {"order_id": str(order_id)}
    row = order_row(tx, order_id)
    return OrderRecord(
        row=row, lines=tx.all(_LINES, key), payments=tx.all(_PAYMENTS, key), refunds=tx.all(_REFUNDS, key)
    )


def touch(tx: Tx, order_id: str, **values: object) -> None:
    _update_order(tx, order_id, {"updated_at": utcnow(), **values})


def wire_lines(rec: OrderRecord) -> list[OrderLine]:
    return [
        OrderLine(
            line_id=uuid.UUID(line.id),
            product_id=uuid.UUID(line.product_id),
            sku=line.sku,
            name=line.name,
            quantity=Decimal(line.quantity),
            unit_price=line.unit_price,
            modifiers=_modifiers.decode(line.modifiers),
            discount=line.discount,
            amount=line.amount,
            vat_rate=line.vat_rate,
            vat_amount=line.vat_amount,
            comment=line.comment,
        )
        for line in rec.lines
    ]


def vat_list(rec: OrderRecord) -> list[VatAmount]:
    return [VatAmount(rate=v["rate"], amount=v["amount"]) for v in json.loads(rec.row.vat)]


def emit_updated(conn: Tx, order_id: str, rec: OrderRecord | None = None) -> None:
    """Append ``order.updated`` with the order's full content as it stands in this transaction (``rec`` when
    the caller has just read it after its last write)."""
    if rec is None:
        rec = fetch_order(conn, order_id)
    row = rec.row
    status: OrderStatus = row.status
    append_event(
        conn,
        OrderUpdated(
            **header(),
            order_id=uuid.UUID(row.id),
            status=status,
            lines=wire_lines(rec),
            subtotal=row.subtotal,
            discount=row.discount_total,
            total=row.total,
            vat=vat_list(rec),
            promo_code=row.promo_code,
            order_type=row.order_type,
            table=row.table_no,
            delivery_address=row.delivery_address,
        ),
    )


def payment_record(p: Row, status: str | None = None) -> PaymentRecord:
    return PaymentRecord(
        payment_id=uuid.UUID(p.id),
        method=p.method,
        amount=p.amount,
        tendered=p.tendered,
        change=p.change,
        card=_card.decode(p.card) if p.card else None,
        status=status or ("approved" if p.status == "approved" else p.status),  # type: ignore[arg-type]
    )


def fiscal_info(blob: bytes | None) -> FiscalDocumentInfo | None:
    return _fiscal.decode(blob) if blob else None


def _line_out(line: Row) -> LineOut:
    return LineOut(
        id=line.id,
        product_id=line.product_id,
        sku=line.sku,
        name=line.name,
        quantity=line.quantity,
        unit_price=line.unit_price,
        gross=line.gross,
        discount=line.discount,
        amount=line.amount,
        vat_rate=line.vat_rate,
        vat_amount=line.vat_amount,
        measurement_unit=line.measurement_unit,
        modifiers=_modifiers.decode(line.modifiers),
        comment=line.comment,
        refunded_quantity=line.refunded_quantity,
        refunded_amount=line.refunded_amount,
    )


def payment_out(p: Row, live_prompts: list[str] | None = None) -> PaymentOut:
    messages = json.loads(p.messages)
    if live_prompts and p.status == "pending":
        messages = list(live_prompts)
    return PaymentOut(
        id=p.id,
        method=p.method,
        amount=p.amount,
        tendered=p.tendered,
        change=p.change,
        status=p.status,
        refunded_amount=p.refunded_amount,
        card=json.loads(p.card) if p.card else None,
        messages=messages,
        detail=p.detail,
        created_at=p.created_at,
    )


def order_out(rec: OrderRecord, prompts: dict[str, list[str]] | None = None) -> OrderOut:
    row = rec.row
    discount = (
        DiscountOut(kind=row.manual_discount_kind, value=row.manual_discount_value)
        if row.manual_discount_kind
        else None
    )
    return OrderOut(
        id=row.id,
        number=row.number,
        business_day=row.business_day,
        status=row.status,
        kitchen_status=row.kitchen_status,
        order_type=row.order_type,
        table=row.table_no,
        delivery_address=row.delivery_address,
        customer_phone=row.customer_phone,
        comment=row.comment,
        currency=row.currency,
        cashier_id=row.cashier_id,
        shift_id=row.shift_id,
        lines=[_line_out(line) for line in rec.lines],
        subtotal=row.subtotal,
        discount=discount,
        promo_code=row.promo_code,
        discount_total=row.discount_total,
        total=row.total,
        vat=[VatOut(rate=v["rate"], amount=v["amount"]) for v in json.loads(row.vat)],
        paid_total=row.paid_total,
        due=max(0, row.total - row.paid_total),
        refunded_total=row.refunded_total,
        payments=[payment_out(p, (prompts or {}).get(p.id)) for p in rec.payments],
        refunds=[
            RefundOut(
                id=r.id,
                status=r.status,
                amount=r.amount,
                card_amount=r.card_amount,
                cash_amount=r.cash_amount,
                lines=json.loads(r.lines),
                reason=r.reason,
                approved_by=r.approved_by,
                fiscal_document=fiscal_info(r.fiscal_document),
                detail=r.detail,
                created_at=r.created_at,
            )
            for r in rec.refunds
        ],
        locked=row.lock_reason is not None,
        lock_reason=row.lock_reason,
        last_problem=json.loads(row.last_problem) if row.last_problem else None,
        receipt_printed=row.receipt_printed,
        fiscal_document=fiscal_info(row.fiscal_document),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
