"""Shift, cash and report bodies (kopecks)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from edge.domain.orders.schemas import Pin
from protocols.events import FiscalDocumentInfo, TenderTotal

Kopecks = Annotated[int, msgspec.Meta(ge=0)]


class ShiftOpenIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    float: Kopecks = 0


class CashMoveIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    amount: Annotated[int, msgspec.Meta(gt=0)]
    reason: str = ""
    approval_pin: Pin | None = None


class CountedIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    cash: Kopecks | None = None
    card: Kopecks | None = None


class ZReportIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    counted: CountedIn = msgspec.field(default_factory=CountedIn)
    close_unresolved: bool = False
    """Close even though some orders wait, locked, for the device to say whether their receipt was issued
    (manager PIN): they stay locked, are named in the report's warnings and are finished in a later shift.
    Orders still being paid or fiscalized right now always block."""
    approval_pin: Pin | None = None


class ShiftOut(msgspec.Struct, kw_only=True):
    id: str
    number: int
    status: str
    opened_at: datetime
    closed_at: datetime | None
    opening_float: int
    cashier_id: str | None
    fiscal_shift_number: int | None
    age_seconds: int


class ReportOut(msgspec.Struct, kw_only=True):
    kind: str  # x | z
    shift: ShiftOut | None
    tenders: list[TenderTotal]
    orders_count: int
    refunds_count: int
    cash_in: int
    cash_out: int
    expected_cash: int
    counted_cash: int | None
    difference: int | None
    warnings: list[str]
    document: FiscalDocumentInfo | None = None
    terminal_end_of_day: dict[str, object] | None = None
    unresolved_orders: list[str] = []
    """Z closed past them (``close_unresolved``): numbers of the orders left locked for the next shift."""
