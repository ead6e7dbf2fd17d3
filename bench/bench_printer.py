"""Receipt printer driver overhead: one receipt job through EscPosPrinter (layout, status check, send,
confirming status, job-id bookkeeping) against the same pre-rendered bytes written over a bare socket to
the same emulator, followed by one DLE EOT round trip so both wait until the printer has the job."""

from __future__ import annotations

import asyncio
import socket
import statistics
import tempfile
import time
from dataclasses import replace
from datetime import UTC
from decimal import Decimal
from pathlib import Path

from drivers.base import PrintableReceipt, PrintLine, PrintTotal
from drivers.printer.escpos.driver import EscPosPrinter
from drivers.printer.escpos.layout import render_receipt
from drivers.printer.escpos.profiles import PrinterProfile, load_profile
from drivers.sim.printer import PrinterEmulator
from drivers.transport import TcpTransport

WARMUP = 10
ROUNDS = 300
BUDGET_S = 12.0  # per side


def sample_receipt() -> PrintableReceipt:
    return PrintableReceipt(
        job_id="bench",
        header=["Кофейня «Яго»", "г. Москва, ул. Арбат, 10"],
        lines=[
            PrintLine(name="Капучино 0,3 л", quantity=Decimal(2), price=19000, amount=38000, modifiers=["овсяное"]),
            PrintLine(name="Круассан", quantity=Decimal(1), price=15500, amount=15500),
            PrintLine(name="Сырники со сметаной", quantity=Decimal(1), price=30000, amount=30000),
        ],
        totals=[PrintTotal(label="ИТОГО", amount=83500)],
        vat_lines=[PrintTotal(label="в т.ч. НДС 20%", amount=13917)],
        payments=[PrintTotal(label="БЕЗНАЛИЧНЫМИ", amount=83500)],
        fiscal_lines=["ФН: 7281440500123456", "ФД: 1234  ФП: 2881793544"],
        qr="t=20250301T0915&s=835.00&fn=7281440500123456&i=1234&fp=2881793544&n=1",
    )


def bare_socket(port: int, data: bytes) -> list[float]:
    timings: list[float] = []
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        deadline = time.perf_counter() + BUDGET_S
        for i in range(WARMUP + ROUNDS):
            started = time.perf_counter()
            sock.sendall(data)
            sock.sendall(b"\x10\x04\x01")
            if len(sock.recv(1)) != 1:
                raise RuntimeError("the emulator did not answer")
            if i >= WARMUP:
                timings.append(time.perf_counter() - started)
            if time.perf_counter() > deadline:
                break
    return timings


async def through_driver(port: int, profile: PrinterProfile, receipt: PrintableReceipt) -> list[float]:
    printer = EscPosPrinter(TcpTransport("127.0.0.1", port), profile, tz=UTC)
    timings: list[float] = []
    deadline = time.perf_counter() + BUDGET_S
    try:
        for i in range(WARMUP + ROUNDS):
            job = replace(receipt, job_id=f"bench-{i}")
            started = time.perf_counter()
            await printer.print_receipt(job)
            if i >= WARMUP:
                timings.append(time.perf_counter() - started)
            if time.perf_counter() > deadline:
                break
    finally:
        await printer.aclose()
    return timings


def layout_only(profile: PrinterProfile, receipt: PrintableReceipt) -> list[float]:
    timings: list[float] = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        render_receipt(receipt, profile)
        timings.append(time.perf_counter() - started)
    return timings


def main() -> None:
    profile = load_profile("generic-80mm")
    receipt = sample_receipt()
    data = render_receipt(receipt, profile)
    with tempfile.TemporaryDirectory() as tmp, PrinterEmulator(Path(tmp), admin_port=None, render_png=False) as emu:
        assert emu.port is not None
        bare = bare_socket(emu.port, data)
        driver = asyncio.run(through_driver(emu.port, profile, receipt))
        layout = layout_only(profile, receipt)
        jobs = len(emu.jobs)
    bare_p50 = statistics.median(bare) * 1000
    driver_p50 = statistics.median(driver) * 1000
    layout_p50 = statistics.median(layout) * 1000
    print(f"receipt job: {len(data)} bytes; emulator journaled {jobs} jobs (text+json, no PNG)")
    print(f"bare socket  write + 1 status round trip  p50 {bare_p50:7.3f} ms  (n={len(bare)})")
    print(f"EscPosPrinter.print_receipt               p50 {driver_p50:7.3f} ms  (n={len(driver)})")
    print(f"  of which layout rendering (python-escpos) p50 {layout_p50:7.3f} ms")
    print(
        "  (the driver makes 2 DLE EOT round trips per job to an online printer, n=1 before and after, plus"
        " a job-state record before (fsynced) and after; the baseline makes 1 round trip)"
    )
    print(
        f"driver / bare socket ratio: {driver_p50 / bare_p50:.2f}x  (overhead {driver_p50 - bare_p50:.3f} ms per job)"
    )


if __name__ == "__main__":
    main()
