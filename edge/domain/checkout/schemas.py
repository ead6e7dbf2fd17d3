"""Checkout API bodies: tenders, refunds and what a payment step answers."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

import msgspec

from edge.domain.orders.schemas import OrderOut, PaymentOut, Pin

Kopecks = Annotated[int, msgspec.Meta(ge=0)]
PositiveKopecks = Annotated[int, msgspec.Meta(gt=0)]


class PayIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    method: Literal["cash", "card", "loyalty"]
    amount: PositiveKopecks | None = None
    """Defaults to what is still due; less than that makes a split payment."""
    tendered: Kopecks | None = None
    """Cash handed over (cash only); the change is tendered − amount."""
    payment_id: uuid.UUID | None = None
    """Optional client-made UUIDv7, so the UI can poll the payment while the terminal runs."""


class PayOut(msgspec.Struct, kw_only=True):
    order: OrderOut
    payment: PaymentOut
    change: int
    fully_paid: bool
    warnings: list[str]


class RefundLineIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    line_id: uuid.UUID
    quantity: Annotated[str, msgspec.Meta(pattern=r"^\d{1,6}(\.\d{1,3})?$")]


class RefundIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    lines: list[RefundLineIn] | None = None
    """Omitted: refund everything not refunded yet."""
    reason: str = ""
    approval_pin: Pin | None = None


class FiscalizeIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    document_number: Annotated[int, msgspec.Meta(ge=1, le=4_294_967_295)] | None = None
    """The FD printed on the customer's receipt, for a sale the devices cannot settle on their own (several
    documents match, say): checked against the fiscal storage before it is recorded. Needs a manager."""
    approval_pin: Pin | None = None


class StepOut(msgspec.Struct, kw_only=True):
    order: OrderOut
    warnings: list[str]
