"""Order API bodies. Quantities are decimal strings (``"0.250"`` kg); money is integer kopecks."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from protocols.events import FiscalDocumentInfo, KitchenStatus, LineModifier, OrderType

Quantity = Annotated[str, msgspec.Meta(pattern=r"^\d{1,6}(\.\d{1,3})?$")]
Pin = Annotated[str, msgspec.Meta(min_length=1, max_length=32)]


class LineIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    product_id: uuid.UUID
    quantity: Quantity = "1"
    modifiers: list[uuid.UUID] = msgspec.field(default_factory=list)
    comment: Annotated[str, msgspec.Meta(max_length=500)] = ""


class DiscountIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    kind: Literal["percent", "amount"]
    value: Annotated[int, msgspec.Meta(ge=0)]


class OrderCreateIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    order_type: OrderType = "takeaway"
    table: str | None = None
    delivery_address: str | None = None
    customer_phone: str | None = None
    comment: str = ""
    items: list[LineIn] = msgspec.field(default_factory=list)
    discount: DiscountIn | None = None
    promo_code: str | None = None
    approval_pin: Pin | None = None


class OrderPatchIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Header changes of a draft; omitted fields stay. ``discount``/``promo_code`` set to null remove them."""

    order_type: OrderType | msgspec.UnsetType = msgspec.UNSET
    table: str | msgspec.UnsetType | None = msgspec.UNSET
    delivery_address: str | msgspec.UnsetType | None = msgspec.UNSET
    customer_phone: str | msgspec.UnsetType | None = msgspec.UNSET
    comment: str | msgspec.UnsetType = msgspec.UNSET
    discount: DiscountIn | msgspec.UnsetType | None = msgspec.UNSET
    promo_code: str | msgspec.UnsetType | None = msgspec.UNSET
    approval_pin: Pin | None = None


class ItemsIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    items: list[LineIn]


class KitchenStatusIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    status: KitchenStatus


class CancelIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    reason: str = ""
    approval_pin: Pin | None = None


class LineOut(msgspec.Struct, kw_only=True):
    id: str
    product_id: str
    sku: str
    name: str
    quantity: str
    unit_price: int
    gross: int
    discount: int
    amount: int
    vat_rate: str
    vat_amount: int
    measurement_unit: str
    modifiers: list[LineModifier]
    comment: str
    refunded_quantity: str
    refunded_amount: int


class PaymentOut(msgspec.Struct, kw_only=True):
    id: str
    method: str
    amount: int
    tendered: int | None
    change: int
    status: str
    refunded_amount: int
    card: dict[str, object] | None
    messages: list[str]
    detail: str
    created_at: datetime


class RefundOut(msgspec.Struct, kw_only=True):
    id: str
    status: str
    amount: int
    card_amount: int
    cash_amount: int
    lines: list[dict[str, object]]
    reason: str
    approved_by: str | None
    fiscal_document: FiscalDocumentInfo | None
    detail: str
    created_at: datetime


class VatOut(msgspec.Struct, kw_only=True):
    rate: str
    amount: int


class DiscountOut(msgspec.Struct, kw_only=True):
    kind: str
    value: int


class OrderOut(msgspec.Struct, kw_only=True):
    id: str
    number: str
    business_day: str
    status: str
    kitchen_status: str
    order_type: str
    table: str | None
    delivery_address: str | None
    customer_phone: str | None
    comment: str
    currency: str
    cashier_id: str | None
    shift_id: str | None
    lines: list[LineOut]
    subtotal: int
    discount: DiscountOut | None
    promo_code: str | None
    discount_total: int
    total: int
    vat: list[VatOut]
    paid_total: int
    due: int
    refunded_total: int
    payments: list[PaymentOut]
    refunds: list[RefundOut]
    locked: bool
    lock_reason: str | None
    last_problem: dict[str, object] | None
    receipt_printed: bool
    fiscal_document: FiscalDocumentInfo | None
    created_at: datetime
    updated_at: datetime
