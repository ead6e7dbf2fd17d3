"""Talking to an ATOL Web Server (the emulator's, in tests) as another program on the till would."""

from __future__ import annotations

import time
import uuid
from decimal import Decimal

import httpx

from drivers.base import (
    FiscalItem,
    FiscalPayment,
    FiscalPaymentType,
    FiscalReceipt,
    Operator,
    ReceiptKind,
    TaxationType,
    VatRate,
)
from drivers.fiscal.atol.tasks import encode_request, receipt_task


def sell_on_the_device(url: str, total: int, taxation: TaxationType) -> None:
    """A cash sale of ``total`` kopecks rung up on the registrar at ``url`` outside any order, waited for."""
    sale = FiscalReceipt(
        kind=ReceiptKind.SELL,
        items=[FiscalItem(name="Вода", price=total, quantity=Decimal(1), amount=total, vat=VatRate.VAT22)],
        payments=[FiscalPayment(type=FiscalPaymentType.CASH, amount=total)],
        operator=Operator(name="Кассир"),
        taxation_type=taxation,
    )
    request_id = str(uuid.uuid4())
    body = encode_request(request_id, [receipt_task(sale)])
    r = httpx.post(f"{url}/api/v2/requests", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 201, r.text
    deadline = time.monotonic() + 10
    while True:  # the Web Server runs the request in the background
        [task] = httpx.get(f"{url}/api/v2/requests/{request_id}").json()["results"]
        if task["status"] == "ready":
            return
        assert task["status"] in ("wait", "inProgress") and time.monotonic() < deadline, task
        time.sleep(0.02)
