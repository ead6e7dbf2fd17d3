"""Fiscal driver overhead per sale: ``AtolWebServerRegistrar.register_receipt`` against a bare POST +
GET-until-ready of the same JSON written straight to a kept-alive socket (prepared bytes, no client library),
both on loopback to the in-process ATOL emulator at zero delay.

The two are interleaved sale by sale so that disk and scheduler noise hit both alike.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

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
from drivers.fiscal import AtolWebServerRegistrar
from drivers.fiscal.atol.tasks import encode_request, receipt_task
from drivers.sim.atol import AtolEmulator

SALES = 200
WARMUP = 20
TIME_BUDGET = 40.0  # seconds; stop early on a slow machine

OPERATOR = Operator(name="Кассир")
SALE = FiscalReceipt(
    kind=ReceiptKind.SELL,
    items=[
        FiscalItem(name="Капучино 0,3", price=25010, quantity=Decimal(1), amount=25010, vat=VatRate.VAT22),
        FiscalItem(name="Круассан", price=18000, quantity=Decimal(2), amount=36000, vat=VatRate.VAT22),
    ],
    payments=[FiscalPayment(type=FiscalPaymentType.ELECTRONICALLY, amount=61010)],
    operator=OPERATOR,
    taxation_type=TaxationType.OSN,
)


class BareHttp:
    """Prepared HTTP/1.1 requests on one kept-alive connection, the answer read by its Content-Length."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str) -> None:
        self.reader, self.writer, self.host = reader, writer, host

    async def call(self, method: str, path: str, body: bytes = b"") -> bytes:
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Length: {len(body)}\r\n"
        if body:
            head += "Content-Type: application/json\r\n"
        self.writer.write(head.encode() + b"\r\n" + body)
        raw = await self.reader.readuntil(b"\r\n\r\n")
        length = next(
            int(v)
            for k, _, v in (line.partition(b":") for line in raw.split(b"\r\n"))
            if k.lower() == b"content-length"
        )
        return await self.reader.readexactly(length)


async def bare_sale(http: BareHttp, task_json: bytes) -> None:
    """POST the prepared task and poll its uuid with the driver's own schedule, nothing else."""
    request_id = str(uuid.uuid4())
    body = b'{"uuid":"' + request_id.encode() + b'","request":[' + task_json + b"]}"
    await http.call("POST", "/api/v2/requests", body)
    pause = 0.002
    while True:
        status = json.loads(await http.call("GET", f"/api/v2/requests/{request_id}"))["results"][0]["status"]
        if status == "ready":
            return
        if status not in ("wait", "inProgress"):
            raise RuntimeError(f"baseline sale ended {status}")
        await asyncio.sleep(pause)
        pause = min(pause * 2, 0.25)


def sale_task_json() -> bytes:
    """The sell task of ``SALE`` as the driver encodes it, to splice into a request of any uuid."""
    return encode_request("x", [receipt_task(SALE)]).split(b'"request":[', 1)[1][:-2]


async def measure(url: str) -> tuple[list[float], list[float]]:
    task_json = sale_task_json()
    driver_times: list[float] = []
    bare_times: list[float] = []
    host, port = url.split("//", 1)[1].split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    client = BareHttp(reader, writer, f"{host}:{port}")
    async with AtolWebServerRegistrar(url) as registrar:
        await registrar.open_shift(OPERATOR)
        started = time.perf_counter()
        for i in range(WARMUP + SALES):
            t0 = time.perf_counter()
            await registrar.register_receipt(SALE, uuid.uuid4())
            t1 = time.perf_counter()
            await bare_sale(client, task_json)
            t2 = time.perf_counter()
            if i >= WARMUP:
                driver_times.append(t1 - t0)
                bare_times.append(t2 - t1)
            if time.perf_counter() - started > TIME_BUDGET:
                break
        await registrar.close_shift(OPERATOR)
    writer.close()
    return driver_times, bare_times


def _ms(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q * 100) - 1] * 1000 if len(values) > 1 else values[0] * 1000


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-fiscal-") as tmp:
        emulator = AtolEmulator(Path(tmp) / "state", Path(tmp) / "journal", port=0)
        emulator.start()
        try:
            driver_times, bare_times = asyncio.run(measure(emulator.url))
        finally:
            emulator.stop()
    driver_p50 = statistics.median(driver_times) * 1000
    bare_p50 = statistics.median(bare_times) * 1000
    print(f"sales measured per side:        {len(driver_times)} (after {WARMUP} warm-up)")
    print(f"driver register_receipt  p50:   {driver_p50:7.2f} ms   p90: {_ms(driver_times, 0.9):7.2f} ms")
    print(f"bare socket POST+GET     p50:   {bare_p50:7.2f} ms   p90: {_ms(bare_times, 0.9):7.2f} ms")
    print(f"driver / bare (p50):            {driver_p50 / bare_p50:7.2f}x")
    print(f"driver overhead per sale (p50): {driver_p50 - bare_p50:7.2f} ms")


if __name__ == "__main__":
    main()
