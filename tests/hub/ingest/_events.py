"""Builders of register event streams for the ingest tests and the ingest benchmark."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from protocols.envelope import EventBatch
from protocols.events import (
    CardDetails,
    CashMoved,
    Event,
    FiscalDocumentInfo,
    KitchenStatusChanged,
    LineModifier,
    OrderCreated,
    OrderFiscalized,
    OrderLine,
    OrderPaid,
    OrderRefunded,
    OrderUpdated,
    PaymentRecord,
    RefundLine,
    ShiftClosed,
    ShiftOpened,
    TenderTotal,
    VatAmount,
)
from protocols.ids import utcnow, uuid7


@dataclass
class RegisterStream:
    """One register's gap-free event sequence; builders return the events they append."""

    org_id: uuid.UUID
    location_id: uuid.UUID
    register_id: uuid.UUID
    events: list[Event] = field(default_factory=list)
    order_count: int = 0
    doc_number: int = 0
    clock: datetime = field(default_factory=utcnow)

    @property
    def next_seq(self) -> int:
        return len(self.events) + 1

    def _at(self) -> datetime:
        self.clock += timedelta(milliseconds=5)
        return self.clock

    def _base(self) -> dict[str, object]:
        return {"event_id": uuid7(), "seq": self.next_seq, "occurred_at": self._at()}

    def add(self, event: Event) -> Event:
        self.events.append(event)
        return event

    def _doc(self, kind: str, total: int | None) -> FiscalDocumentInfo:
        self.doc_number += 1
        return FiscalDocumentInfo(
            kind=kind,  # type: ignore[arg-type]
            document_number=self.doc_number,
            document_sign=f"{3000000000 + self.doc_number}",
            receipt_number=self.doc_number,
            shift_number=1,
            fn_number="9999078900012345",
            registration_number="0000000001012345",
            document_datetime=self.clock,
            total=total,
            qr=f"t=20261123T1200&s={total}&fn=9999078900012345&i={self.doc_number}",
        )

    def open_shift(self, shift_id: uuid.UUID, number: int = 1) -> list[Event]:
        return [
            self.add(
                ShiftOpened(
                    **self._base(),  # type: ignore[arg-type]
                    shift_id=shift_id,
                    number=number,
                    opened_at=self.clock,
                    opening_float=500000,
                    fiscal_shift_number=number,
                    document=self._doc("openShift", None),
                )
            )
        ]

    def cash_move(self, shift_id: uuid.UUID, direction: str, amount: int) -> list[Event]:
        return [
            self.add(
                CashMoved(
                    **self._base(),  # type: ignore[arg-type]
                    move_id=uuid7(),
                    shift_id=shift_id,
                    direction=direction,  # type: ignore[arg-type]
                    amount=amount,
                    reason="change for the morning",
                )
            )
        ]

    def close_shift(self, shift_id: uuid.UUID, counted: int) -> list[Event]:
        return [
            self.add(
                ShiftClosed(
                    **self._base(),  # type: ignore[arg-type]
                    shift_id=shift_id,
                    closed_at=self.clock,
                    tenders=[TenderTotal(method="cash", sales=30000, expected=counted, counted=counted)],
                    expected_cash=counted,
                    counted_cash=counted,
                    orders_count=self.order_count,
                    document=self._doc("closeShift", None),
                )
            )
        ]

    def order(
        self, shift_id: uuid.UUID | None = None, *, split: bool = False, kitchen: bool = True
    ) -> tuple[uuid.UUID, list[Event]]:
        """A complete sale: created, two lines, paid (cash, or card + cash), fiscalized, cooked."""
        self.order_count += 1
        order_id = uuid7()
        out: list[Event] = []
        out.append(
            self.add(
                OrderCreated(
                    **self._base(),  # type: ignore[arg-type]
                    order_id=order_id,
                    number=f"A-{self.order_count:03d}",
                    order_type="takeaway",
                    shift_id=shift_id,
                )
            )
        )
        lines = [
            OrderLine(
                line_id=uuid7(),
                product_id=uuid7(),
                sku="CAP",
                name="Капучино",
                quantity=Decimal(2),
                unit_price=25000,
                modifiers=[LineModifier(option_id=uuid7(), name="Овсяное молоко", price_delta=3000)],
                amount=50000,
                vat_rate="vat22",
                vat_amount=9016,
            ),
            OrderLine(
                line_id=uuid7(),
                product_id=uuid7(),
                sku="CRS",
                name="Круассан",
                quantity=Decimal("1.000"),
                unit_price=16000,
                discount=1000,
                amount=15000,
                vat_rate="vat10",
                vat_amount=1364,
            ),
        ]
        out.append(
            self.add(
                OrderUpdated(
                    **self._base(),  # type: ignore[arg-type]
                    order_id=order_id,
                    status="paying",
                    lines=lines,
                    subtotal=66000,
                    discount=1000,
                    total=65000,
                    vat=[VatAmount(rate="vat22", amount=9016), VatAmount(rate="vat10", amount=1364)],
                )
            )
        )
        tenders = [(40000, "card"), (25000, "cash")] if split else [(65000, "cash")]
        paid = 0
        for amount, method in tenders:
            paid += amount
            card = CardDetails(terminal_id="T1", trace_number=17, auth_code="A1B2C3", card_pan_masked="****1234")
            out.append(
                self.add(
                    OrderPaid(
                        **self._base(),  # type: ignore[arg-type]
                        order_id=order_id,
                        payment=PaymentRecord(
                            payment_id=uuid7(),
                            method=method,  # type: ignore[arg-type]
                            amount=amount,
                            tendered=amount if method == "cash" else None,
                            card=card if method == "card" else None,
                        ),
                        paid_total=paid,
                        fully_paid=paid >= 65000,
                    )
                )
            )
        out.append(
            self.add(
                OrderFiscalized(
                    **self._base(),  # type: ignore[arg-type]
                    order_id=order_id,
                    document=self._doc("sell", 65000),
                )
            )
        )
        if kitchen:
            for previous, status in ((None, "cooking"), ("cooking", "ready")):
                out.append(
                    self.add(
                        KitchenStatusChanged(
                            **self._base(),  # type: ignore[arg-type]
                            order_id=order_id,
                            status=status,  # type: ignore[arg-type]
                            previous=previous,  # type: ignore[arg-type]
                        )
                    )
                )
        return order_id, out

    def refund(self, order_id: uuid.UUID, line_id: uuid.UUID, amount: int) -> list[Event]:
        return [
            self.add(
                OrderRefunded(
                    **self._base(),  # type: ignore[arg-type]
                    order_id=order_id,
                    refund_id=uuid7(),
                    lines=[RefundLine(line_id=line_id, quantity=Decimal(1), amount=amount)],
                    amount=amount,
                    payments=[PaymentRecord(payment_id=uuid7(), method="cash", amount=amount)],
                    document=self._doc("sellReturn", amount),
                    reason="cold coffee",
                    full=False,
                )
            )
        ]

    def batch(self, first: int, last: int) -> EventBatch:
        """The envelope for ``first..last`` (inclusive) of what was built so far."""
        return EventBatch(
            org_id=self.org_id,
            location_id=self.location_id,
            register_id=self.register_id,
            first_seq=first,
            last_seq=last,
            sent_at=utcnow(),
            events=self.events[first - 1 : last],
        )
