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
