"""Register events: one tagged union (``type`` field, dotted tags) carried in :class:`EventBatch`.

Every event has the register's gap-free ``seq``, its own UUIDv7 ``event_id`` and ``occurred_at`` in UTC.
Order events carry enough for the hub to keep orders, lines, payments, fiscal documents, shifts and
cash moves relationally without asking the register.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Literal

import msgspec

from protocols._base import Kopecks, LongText, NonNegativeKopecks, Seq, ShortText, WireStruct, check_quantity
from protocols.ids import UtcDateTime

OrderType = Literal["dine_in", "takeaway", "delivery"]
OrderStatus = Literal[
    "draft", "paying", "paid", "fiscalizing", "fiscalized", "cancelled", "refunded", "partially_refunded"
]
KitchenStatus = Literal["created", "confirmed", "cooking", "ready", "served", "delivered", "cancelled"]
PaymentMethod = Literal["cash", "card", "loyalty"]


class LineModifier(WireStruct, frozen=True, kw_only=True):
    option_id: uuid.UUID
    group_id: uuid.UUID | None = None
    name: ShortText
    price_delta: Kopecks = 0


class OrderLine(WireStruct, frozen=True, kw_only=True):
    line_id: uuid.UUID
    product_id: uuid.UUID
    sku: ShortText = ""
    name: ShortText
    quantity: Decimal
    unit_price: Kopecks  # product price plus modifier deltas, per unit
    modifiers: list[LineModifier] = msgspec.field(default_factory=list)
    discount: NonNegativeKopecks = 0
    amount: Kopecks  # unit_price × quantity − discount
    vat_rate: ShortText
    vat_amount: Kopecks = 0
    comment: LongText = ""

    def __post_init__(self) -> None:
        check_quantity(self.quantity)


class VatAmount(WireStruct, frozen=True, kw_only=True):
    rate: ShortText
    amount: Kopecks


class CardDetails(WireStruct, frozen=True, kw_only=True):
    """What a receipt may show of a card operation; never the full PAN."""

    terminal_id: str | None = None
    trace_number: int | None = None
    receipt_number: int | None = None
    auth_code: str | None = None
    card_pan_masked: str | None = None
    card_type: str | None = None


class PaymentRecord(WireStruct, frozen=True, kw_only=True):
    payment_id: uuid.UUID
    method: PaymentMethod
    amount: Kopecks
    tendered: NonNegativeKopecks | None = None  # cash handed over
    change: NonNegativeKopecks = 0
    card: CardDetails | None = None
    status: Literal["approved", "reversed", "refunded"] = "approved"


class FiscalDocumentInfo(WireStruct, frozen=True, kw_only=True):
    kind: Literal[
        "sell", "sellReturn", "sellCorrection", "sellReturnCorrection", "openShift", "closeShift", "nonFiscal"
    ]
    document_number: int
    document_sign: str
    receipt_number: int | None = None
    shift_number: int | None = None
    fn_number: str = ""
    registration_number: str = ""
    document_datetime: UtcDateTime
    total: Kopecks | None = None
    qr: str = ""


class _EventBase(WireStruct, frozen=True, kw_only=True, tag_field="type"):
    event_id: uuid.UUID
    seq: Seq
    occurred_at: UtcDateTime


class OrderCreated(_EventBase, frozen=True, kw_only=True, tag="order.created"):
    order_id: uuid.UUID
    number: ShortText  # the short per-register number people call out
    order_type: OrderType = "takeaway"
    table: ShortText | None = None
    delivery_address: LongText | None = None
    shift_id: uuid.UUID | None = None
    cashier_id: uuid.UUID | None = None
    currency: str = "RUB"
    customer_phone: ShortText | None = None
    comment: LongText = ""


class OrderUpdated(_EventBase, frozen=True, kw_only=True, tag="order.updated"):
    """The order's full current content after an edit (lines, discounts, totals)."""

    order_id: uuid.UUID
    status: OrderStatus
    lines: list[OrderLine]
    subtotal: Kopecks
    discount: NonNegativeKopecks = 0
    total: Kopecks
    vat: list[VatAmount] = msgspec.field(default_factory=list)
    promo_code: ShortText | None = None
    order_type: OrderType | None = None
    table: ShortText | None = None
    delivery_address: LongText | None = None


class OrderPaid(_EventBase, frozen=True, kw_only=True, tag="order.paid"):
    """One tender accepted; ``fully_paid`` when the payments now cover the total."""

    order_id: uuid.UUID
    payment: PaymentRecord
    paid_total: Kopecks
    fully_paid: bool


class PaymentReversed(_EventBase, frozen=True, kw_only=True, tag="order.payment_reversed"):
    """A card payment reversed because the receipt could not be fiscalized; the order is a draft again."""

    order_id: uuid.UUID
    payment_id: uuid.UUID
    reason: LongText = ""


class OrderFiscalized(_EventBase, frozen=True, kw_only=True, tag="order.fiscalized"):
    order_id: uuid.UUID
    document: FiscalDocumentInfo


class OrderCancelled(_EventBase, frozen=True, kw_only=True, tag="order.cancelled"):
    order_id: uuid.UUID
    reason: LongText = ""
    by: uuid.UUID | None = None
    approved_by: uuid.UUID | None = None


class RefundLine(WireStruct, frozen=True, kw_only=True):
    line_id: uuid.UUID
    quantity: Decimal
    amount: Kopecks

    def __post_init__(self) -> None:
        check_quantity(self.quantity)


class OrderRefunded(_EventBase, frozen=True, kw_only=True, tag="order.refunded"):
    order_id: uuid.UUID
    refund_id: uuid.UUID
    lines: list[RefundLine]
    amount: Kopecks
    payments: list[PaymentRecord]
    document: FiscalDocumentInfo | None = None
    reason: LongText = ""
    approved_by: uuid.UUID | None = None
    full: bool = True


class KitchenStatusChanged(_EventBase, frozen=True, kw_only=True, tag="kitchen.status_changed"):
    order_id: uuid.UUID
    status: KitchenStatus
    previous: KitchenStatus | None = None


class TenderTotal(WireStruct, frozen=True, kw_only=True):
    method: PaymentMethod
    sales: Kopecks = 0
    refunds: Kopecks = 0
    expected: Kopecks = 0  # cash: float + sales − refunds + cash in − cash out
    counted: Kopecks | None = None


class ShiftOpened(_EventBase, frozen=True, kw_only=True, tag="shift.opened"):
    shift_id: uuid.UUID
    number: int
    opened_at: UtcDateTime
    opening_float: NonNegativeKopecks = 0
    cashier_id: uuid.UUID | None = None
    fiscal_shift_number: int | None = None
    document: FiscalDocumentInfo | None = None


class ShiftClosed(_EventBase, frozen=True, kw_only=True, tag="shift.closed"):
    shift_id: uuid.UUID
    closed_at: UtcDateTime
    tenders: list[TenderTotal] = msgspec.field(default_factory=list)
    expected_cash: Kopecks = 0
    counted_cash: Kopecks | None = None
    orders_count: int = 0
    document: FiscalDocumentInfo | None = None
    cashier_id: uuid.UUID | None = None


class CashMoved(_EventBase, frozen=True, kw_only=True, tag="cash.moved"):
    move_id: uuid.UUID
    shift_id: uuid.UUID
    direction: Literal["in", "out"]
    amount: NonNegativeKopecks
    reason: LongText = ""
    by: uuid.UUID | None = None
    approved_by: uuid.UUID | None = None


class DeviceHealth(WireStruct, frozen=True, kw_only=True):
    device_id: ShortText
    kind: Literal["fiscal", "printer", "terminal", "drawer", "scanner"]
    online: bool | None = None
    problems: list[ShortText] = msgspec.field(default_factory=list)
    detail: LongText = ""


class DeviceHealthChanged(_EventBase, frozen=True, kw_only=True, tag="device.health"):
    device: DeviceHealth


class RegisterStatusChanged(_EventBase, frozen=True, kw_only=True, tag="register.status"):
    """Durable record of a register's lifecycle (started, catalog applied, enrolled), beside the retained topic."""

    state: Literal["started", "stopping", "catalog_applied", "catalog_rejected", "enrolled"]
    version: ShortText = ""
    catalog_version: int | None = None
    detail: LongText = ""


Event = (
    OrderCreated
    | OrderUpdated
    | OrderPaid
    | PaymentReversed
    | OrderFiscalized
    | OrderCancelled
    | OrderRefunded
    | KitchenStatusChanged
    | ShiftOpened
    | ShiftClosed
    | CashMoved
    | DeviceHealthChanged
    | RegisterStatusChanged
)

EVENT_TYPES: tuple[type[_EventBase], ...] = (
    OrderCreated,
    OrderUpdated,
    OrderPaid,
    PaymentReversed,
    OrderFiscalized,
    OrderCancelled,
    OrderRefunded,
    KitchenStatusChanged,
    ShiftOpened,
    ShiftClosed,
    CashMoved,
    DeviceHealthChanged,
    RegisterStatusChanged,
)


def event_tag(event: Event) -> str:
    tag = type(event).__struct_config__.tag
    assert isinstance(tag, str)
    return tag
