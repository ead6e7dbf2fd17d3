"""Sample receipt and kitchen ticket shared by the printer tests (fixed values: the golden files pin them)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from drivers.base import KitchenTicket, PrintableReceipt, PrintLine, PrintTotal

FISCAL_QR = "t=20250301T0915&s=535.00&fn=7281440500123456&i=1234&fp=2881793544&n=1"


def receipt(job_id: str = "receipt-1", *, open_drawer: bool = False) -> PrintableReceipt:
    return PrintableReceipt(
        job_id=job_id,
        header=["Кофейня «Яго»", "ООО «Яго», ИНН 7701234567", "г. Москва, ул. Арбат, 10"],
        lines=[
            PrintLine(
                name="Капучино 0,3 л",
                quantity=Decimal("2"),
                price=19000,
                amount=38000,
                modifiers=["овсяное молоко", "сироп ваниль"],
            ),
            PrintLine(
                name="Круассан с миндальным кремом и шоколадом", quantity=Decimal("1"), price=15500, amount=15500
            ),
        ],
        totals=[PrintTotal(label="ИТОГО", amount=53500)],
        vat_lines=[PrintTotal(label="в т.ч. НДС 20%", amount=8917)],
        payments=[PrintTotal(label="НАЛИЧНЫМИ", amount=60000), PrintTotal(label="СДАЧА", amount=6500)],
        fiscal_lines=["Кассир: Иванова А.", "ФН: 7281440500123456", "ФД: 1234  ФП: 2881793544", "Смена: 12  Чек: 34"],
        qr=FISCAL_QR,
        footer=["Спасибо за покупку!"],
        open_drawer=open_drawer,
    )


def kitchen_ticket(job_id: str = "kitchen-1") -> KitchenTicket:
    return KitchenTicket(
        job_id=job_id,
        order_number="42",
        order_type="takeaway",
        created_at=datetime(2025, 3, 1, 9, 15, tzinfo=UTC),
        lines=[
            PrintLine(
                name="Капучино 0,3 л",
                quantity=Decimal("2"),
                amount=38000,
                modifiers=["овсяное молоко"],
                comment="очень горячий",
            ),
            PrintLine(name="Сырники", quantity=Decimal("1.5"), amount=30000),
        ],
        comment="Гость ждёт у окна",
    )
