"""Building what the devices print from an order: the fiscal receipt (sell / sellReturn), the non-fiscal
ESC/POS receipt and the kitchen ticket."""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from enum import StrEnum
from typing import TypeVar

from drivers.base import (
    FiscalDocument,
    FiscalItem,
    FiscalPayment,
    FiscalPaymentType,
    FiscalReceipt,
    KitchenTicket,
    MeasurementUnit,
    Operator,
    PaymentObject,
    PrintableReceipt,
    PrintLine,
    PrintTotal,
    ReceiptKind,
    TaxationType,
    VatRate,
)
from edge.db.sql import Row
from edge.domain.orders.repo import OrderRecord
from protocols.events import FiscalDocumentInfo

E = TypeVar("E", bound=StrEnum)

FISCAL_PAYMENT = {
    "cash": FiscalPaymentType.CASH,
    "card": FiscalPaymentType.ELECTRONICALLY,
    "loyalty": FiscalPaymentType.OTHER,
}


def _enum(cls: type[E], value: str, default: E) -> E:
    try:
        return cls(value)
    except ValueError:
        return default


def fiscal_items(lines: Sequence[tuple[Row, Decimal, int]]) -> list[FiscalItem]:
    """``(line, quantity, amount)`` triples as fiscal items; the discount is whatever the amount lacks."""
    items = []
    for line, qty, amount in lines:
        gross = int((Decimal(line.unit_price) * qty).to_integral_value())
        items.append(
            FiscalItem(
                name=line.name,
                price=line.unit_price,
                quantity=qty,
                amount=amount,
                vat=_enum(VatRate, line.vat_rate, VatRate.NONE),
                payment_object=_enum(PaymentObject, line.payment_object, PaymentObject.COMMODITY),
                measurement_unit=_enum(MeasurementUnit, line.measurement_unit, MeasurementUnit.PIECE),
                discount=max(0, gross - amount),
            )
        )
    return items


def sell_receipt(rec: OrderRecord, operator: Operator, taxation: str) -> FiscalReceipt:
    payments: dict[FiscalPaymentType, int] = {}
    for p in rec.approved_payments():
        kind = FISCAL_PAYMENT.get(p.method, FiscalPaymentType.OTHER)
        payments[kind] = payments.get(kind, 0) + p.amount
    phone = rec.row.customer_phone
    return FiscalReceipt(
        kind=ReceiptKind.SELL,
        items=fiscal_items([(line, Decimal(line.quantity), line.amount) for line in rec.lines]),
        payments=[FiscalPayment(type=k, amount=v) for k, v in payments.items()],
        operator=operator,
        taxation_type=_enum(TaxationType, taxation, TaxationType.USN_INCOME),
        customer_contact=phone if phone and phone.startswith("+") else None,
    )


def return_receipt(
    lines: Sequence[tuple[Row, Decimal, int]],
    tenders: dict[str, int],
    operator: Operator,
    taxation: str,
    original: int | None,
) -> FiscalReceipt:
    payments = [
        FiscalPayment(type=FISCAL_PAYMENT.get(k, FiscalPaymentType.OTHER), amount=v) for k, v in tenders.items() if v
    ]
    return FiscalReceipt(
        kind=ReceiptKind.SELL_RETURN,
        items=fiscal_items(lines),
        payments=payments,
        operator=operator,
        taxation_type=_enum(TaxationType, taxation, TaxationType.USN_INCOME),
        original_document_number=original,
    )


def document_info(doc: FiscalDocument, kind: str) -> FiscalDocumentInfo:
    return FiscalDocumentInfo(
        kind=kind,  # type: ignore[arg-type]
        document_number=doc.document_number,
        document_sign=doc.document_sign,
        receipt_number=doc.receipt_number,
        shift_number=doc.shift_number,
        fn_number=doc.fn_number,
        registration_number=doc.registration_number,
        document_datetime=doc.document_datetime,
        total=doc.total,
        qr=doc.qr,
    )


def _print_lines(rec: OrderRecord, kitchen_only: bool = False) -> list[PrintLine]:
    out = []
    for line in rec.lines:
        if kitchen_only and not line.kitchen:
            continue
        mods = [mod["name"] for mod in json.loads(line.modifiers)]
        out.append(
            PrintLine(
                name=line.name,
                quantity=Decimal(line.quantity),
                amount=line.amount,
                modifiers=mods,
                comment=line.comment,
                price=line.unit_price,
            )
        )
    return out


def printable_receipt(
    rec: OrderRecord, location: str, document: FiscalDocumentInfo | None, open_drawer: bool
) -> PrintableReceipt:
    row = rec.row
    payments = [
        PrintTotal(
            label={"cash": "Наличные", "card": "Карта", "loyalty": "Баллы"}.get(p.method, p.method), amount=p.amount
        )
        for p in rec.approved_payments()
    ]
    change = sum(p.change for p in rec.approved_payments())
    if change:
        payments.append(PrintTotal(label="Сдача", amount=change))
    fiscal_lines: list[str] = []
    title = "ТОВАРНЫЙ ЧЕК"
    if document is not None and document.kind != "nonFiscal":
        title = "КАССОВЫЙ ЧЕК"
        fiscal_lines = [f"ФН {document.fn_number}", f"ФД {document.document_number}", f"ФП {document.document_sign}"]
    return PrintableReceipt(
        job_id=f"{row.id}:receipt",
        header=[location, f"Заказ {row.number}"],
        lines=_print_lines(rec),
        totals=[PrintTotal(label="ИТОГО", amount=row.total)]
        + ([PrintTotal(label="Скидка", amount=row.discount_total)] if row.discount_total else []),
        vat_lines=[PrintTotal(label=v["rate"], amount=v["amount"]) for v in json.loads(row.vat)],
        payments=payments,
        footer=["Спасибо!"],
        qr=document.qr if document and document.qr else None,
        fiscal_lines=fiscal_lines,
        title=title,
        open_drawer=open_drawer,
    )


def kitchen_ticket(rec: OrderRecord) -> KitchenTicket | None:
    lines = _print_lines(rec, kitchen_only=True)
    if not lines:
        return None
    row = rec.row
    return KitchenTicket(
        job_id=f"{row.id}:kitchen",
        order_number=row.number,
        order_type=row.order_type.replace("_", "-"),
        created_at=row.created_at,
        lines=lines,
        table=row.table_no,
        comment=row.comment,
    )
