"""The throughput floor for `bench_edge_checkout`: the least code that does a checkout's exchanges.

It answers the same three HTTP requests a cashier makes (create, lines, pay cash), makes the same five SQLite
write transactions (WAL, synchronous=FULL, on one worker thread as the agent's), sends the ATOL emulator the
same POST + GET-until-ready of a prepared sell task, and sends the ESC/POS emulator a prepared kitchen ticket
and a drawer kick, each between two DLE EOT status round trips, as the driver does. There is no validation,
no catalog, no journal recovery, no metrics and no framework: one asyncio loop and prepared bytes.

    python -m bench._bare_till --port P --atol-port A --printer-port R --db PATH
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec

from bench.bench_fiscal import OPERATOR, BareHttp, bare_sale, sale_task_json
from drivers.fiscal import AtolWebServerRegistrar
from drivers.printer.escpos import status as escpos_status
from drivers.printer.escpos.layout import render_drawer_kick, render_text
from drivers.printer.escpos.profiles import load_profile
from protocols.ids import uuid7

PRICES = {"019a0000-0001-7000-8000-000000000042": 25000, "019a0000-0001-7000-8000-000000000051": 9000}
_SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (id TEXT PRIMARY KEY, status TEXT, total INTEGER, paid INTEGER, updated TEXT);
CREATE TABLE IF NOT EXISTS lines (order_id TEXT, product_id TEXT, quantity TEXT, amount INTEGER);
CREATE TABLE IF NOT EXISTS payments (id TEXT PRIMARY KEY, order_id TEXT, amount INTEGER);
CREATE TABLE IF NOT EXISTS steps (id TEXT PRIMARY KEY, order_id TEXT, device TEXT, status TEXT);
CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY, payload BLOB);
"""
_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder().decode


class _Store:
    """One SQLite connection on one worker thread; each call is one BEGIN IMMEDIATE … COMMIT."""

    def __init__(self, path: Path) -> None:
        self._thread = ThreadPoolExecutor(1)
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.executescript(_SCHEMA)

    def _tx(self, statements: list[tuple[str, tuple[Any, ...]]], event: dict[str, Any]) -> None:
        self._conn.execute("BEGIN IMMEDIATE")
        for sql, params in statements:
            self._conn.execute(sql, params)
        event["at"] = datetime.now(UTC).isoformat()
        self._conn.execute("INSERT INTO outbox (payload) VALUES (?)", (_encode(event),))
        self._conn.execute("COMMIT")

    async def tx(self, statements: list[tuple[str, tuple[Any, ...]]], event: dict[str, Any]) -> None:
        await asyncio.get_running_loop().run_in_executor(self._thread, self._tx, statements, event)


class _Printer:
    """One kept-alive raw TCP link; a job is status, bytes, status."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.lock = asyncio.Lock()
        self._query = escpos_status.query(escpos_status.PRINTER)

    async def _status(self) -> None:
        self.writer.write(self._query)
        if not escpos_status.is_status_byte((await self.reader.readexactly(1))[0]):
            raise RuntimeError("the printer sent no status byte")

    async def job(self, data: bytes) -> None:
        async with self.lock:
            await self._status()
            self.writer.write(data)
            await self._status()


class BareTill:
    def __init__(self, store: _Store, atol: BareHttp, printer: _Printer) -> None:
        self.store, self.atol, self.printer = store, atol, printer
        self.atol_lock = asyncio.Lock()
        self.sell = sale_task_json()
        profile = load_profile("generic-80mm")
        self.ticket = render_text(["Капучино ×1", "Вода ×2"], profile)
        self.kick = render_drawer_kick(profile, profile.drawer_pins[0])

    async def create(self) -> dict[str, Any]:
        order_id = str(uuid7())
        now = datetime.now(UTC).isoformat()
        await self.store.tx(
            [("INSERT INTO orders VALUES (?, 'draft', 0, 0, ?)", (order_id, now))],
            {"type": "order.created", "order_id": order_id},
        )
        return {"id": order_id, "status": "draft"}

    async def items(self, order_id: str, body: dict[str, Any]) -> dict[str, Any]:
        rows = [
            (order_id, i["product_id"], i["quantity"], PRICES[i["product_id"]] * int(i["quantity"]))
            for i in body["items"]
        ]
        total = sum(r[3] for r in rows)
        await self.store.tx(
            [
                ("DELETE FROM lines WHERE order_id = ?", (order_id,)),
                *(("INSERT INTO lines VALUES (?, ?, ?, ?)", r) for r in rows),
                ("UPDATE orders SET total = ? WHERE id = ?", (total, order_id)),
            ],
            {"type": "order.updated", "order_id": order_id, "total": total},
        )
        return {"id": order_id, "status": "draft", "total": total}

    async def pay(self, order_id: str) -> dict[str, Any]:
        sell, kitchen, drawer = (str(uuid7()) for _ in range(3))
        await self.store.tx(
            [
                ("INSERT INTO payments SELECT ?, id, total FROM orders WHERE id = ?", (str(uuid7()), order_id)),
                ("UPDATE orders SET paid = total, status = 'fiscalizing' WHERE id = ?", (order_id,)),
                ("INSERT INTO steps VALUES (?, ?, 'fiscal', 'open')", (sell, order_id)),
            ],
            {"type": "order.paid", "order_id": order_id},
        )
        async with self.atol_lock:
            await bare_sale(self.atol, self.sell)
        await self.store.tx(
            [
                ("UPDATE orders SET status = 'fiscalized' WHERE id = ?", (order_id,)),
                ("UPDATE steps SET status = 'done' WHERE id = ?", (sell,)),
                ("INSERT INTO steps VALUES (?, ?, 'printer', 'open')", (kitchen, order_id)),
                ("INSERT INTO steps VALUES (?, ?, 'drawer', 'open')", (drawer, order_id)),
            ],
            {"type": "order.fiscalized", "order_id": order_id},
        )
        await self.printer.job(self.ticket)
        await self.printer.job(self.kick)
        await self.store.tx(
            [("UPDATE steps SET status = 'done' WHERE id IN (?, ?)", (kitchen, drawer))],
            {"type": "order.steps", "order_id": order_id},
        )
        return {"order": {"id": order_id, "status": "fiscalized"}}

    async def route(self, method: bytes, path: str, body: bytes) -> dict[str, Any]:
        parts = path.split("/")  # "", "api", "v1", "orders", id, action
        if method == b"POST" and path == "/api/v1/sessions":
            return {"token": uuid.uuid4().hex}
        if method == b"POST" and path == "/api/v1/orders":
            return await self.create()
        if method == b"PUT" and parts[5:] == ["items"]:
            return await self.items(parts[4], _decode(body))
        if method == b"POST" and parts[5:] == ["pay"]:
            return await self.pay(parts[4])
        raise LookupError(path)

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.split(b"\r\n")
                method, target, _ = lines[0].split(b" ", 2)
                length = 0
                for line in lines[1:]:
                    name, _, value = line.partition(b":")
                    if name.lower() == b"content-length":
                        length = int(value)
                body = await reader.readexactly(length) if length else b""
                try:
                    status, payload = b"200 OK", _encode({"data": await self.route(method, target.decode(), body)})
                except LookupError:
                    status, payload = b"404 Not Found", b'{"status":404}'
                writer.write(
                    b"HTTP/1.1 " + status + b"\r\nContent-Type: application/json\r\nContent-Length: "
                    + str(len(payload)).encode() + b"\r\n\r\n" + payload
                )  # fmt: skip
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()


async def _main(args: argparse.Namespace) -> None:
    store = _Store(Path(args.db))
    async with AtolWebServerRegistrar(f"http://127.0.0.1:{args.atol_port}") as registrar:
        await registrar.open_shift(OPERATOR)
    atol_reader, atol_writer = await asyncio.open_connection("127.0.0.1", args.atol_port)
    printer_reader, printer_writer = await asyncio.open_connection("127.0.0.1", args.printer_port)
    till = BareTill(
        store,
        BareHttp(atol_reader, atol_writer, f"127.0.0.1:{args.atol_port}"),
        _Printer(printer_reader, printer_writer),
    )
    server = await asyncio.start_server(till.serve, "127.0.0.1", args.port)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--atol-port", type=int, required=True)
    parser.add_argument("--printer-port", type=int, required=True)
    parser.add_argument("--db", required=True)
    asyncio.run(_main(parser.parse_args()))


if __name__ == "__main__":
    main()
