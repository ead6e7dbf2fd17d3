"""Bodies of the order endpoints (amounts in kopecks of the order's currency)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

import msgspec

from hub.listing import PageMeta


class OrderSummary(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    location_id: uuid.UUID
    register_id: uuid.UUID
    number: str
    status: str
    kitchen_status: str | None
    order_type: str
    subtotal: int
    discount: int
    total: int
    paid_total: int
    refunded_total: int
    currency: str
    created_at: datetime
    updated_at: datetime


class OrderPage(msgspec.Struct, kw_only=True):
    data: list[OrderSummary]
    meta: PageMeta


class OrderLineOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    position: int
    product_id: uuid.UUID
    sku: str
    name: str
    quantity: Decimal
    unit_price: int
    discount: int
    amount: int
    vat_rate: str
    vat_amount: int
    modifiers: list[dict[str, Any]]
    comment: str


class PaymentOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    kind: str
    method: str
    amount: int
    tendered: int | None
    change: int
    status: str
    card: dict[str, Any] | None
    refund_id: uuid.UUID | None
    reason: str
    created_at: datetime


class FiscalDocumentOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    kind: str
    document_number: int
    document_sign: str
    receipt_number: int | None
    shift_number: int | None
    fn_number: str
    registration_number: str
    document_datetime: datetime
    total: int | None
    qr: str
    refund_id: uuid.UUID | None


class StatusChangeOut(msgspec.Struct, kw_only=True):
    field: str
    status: str
    previous: str | None
    at: datetime
    seq: int


class RefundOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    amount: int
    full: bool
    lines: list[dict[str, Any]]
    reason: str
    created_at: datetime


class OrderDetail(OrderSummary, kw_only=True):
    table: str | None
    delivery_address: str | None
    shift_id: uuid.UUID | None
    cashier_id: uuid.UUID | None
    customer_phone: str | None
    comment: str
    vat: list[dict[str, Any]]
    lines: list[OrderLineOut]
    payments: list[PaymentOut]
    fiscal: list[FiscalDocumentOut]
    status_history: list[StatusChangeOut]
    refunds: list[RefundOut]
