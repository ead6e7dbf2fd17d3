"""What the hub keeps relationally from register events: orders with lines, payments, fiscal documents
and status history, refunds, shifts with cash moves, and register presence from the status topic."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.ingest.consumer import BrokerConfig
from protocols.codec import encode
from protocols.envelope import RegisterStatus
from protocols.events import DeviceHealth, OrderPaid, OrderUpdated
from protocols.ids import utcnow, uuid7
from protocols.topics import Channel, register_topic
from tests.hub.ingest._harness import FakeEdge, fetch, running_workers, seed_registers

pytestmark = pytest.mark.integration


async def test_a_shift_with_a_split_paid_refunded_order_is_kept_relationally(
    engine: AsyncEngine, broker: BrokerConfig, edge: FakeEdge
) -> None:
    [reg] = await seed_registers(engine, 1)
    shift_id = uuid7()
    reg.open_shift(shift_id)
    reg.cash_move(shift_id, "in", 100000)
    order_id, order_events = reg.order(shift_id, split=True)
    updated = next(e for e in order_events if isinstance(e, OrderUpdated))
    paid = [e for e in order_events if isinstance(e, OrderPaid)]
    refunded_line = updated.lines[1]
    reg.refund(order_id, refunded_line.line_id, 15000)
    reg.cash_move(shift_id, "out", 20000)
    reg.close_shift(shift_id, counted=610000)
    total = len(reg.events)
    async with running_workers(engine, broker):
        # Small batches, so rows written by one batch are updated by the next.
        for first in range(1, total + 1, 3):
            await edge.send(reg.batch(first, min(total, first + 2)))
        await edge.wait_committed(reg.register_id, total)

    [order] = await fetch(engine, "orders", id=order_id)
    assert order["org_id"] == reg.org_id
    assert order["location_id"] == reg.location_id
    assert order["register_id"] == reg.register_id
    assert order["shift_id"] == shift_id
    assert (order["number"], order["order_type"], order["currency"]) == ("A-001", "takeaway", "RUB")
    assert (order["subtotal"], order["discount"], order["total"]) == (66000, 1000, 65000)
    assert (order["paid_total"], order["refunded_total"]) == (65000, 15000)
    assert (order["status"], order["kitchen_status"]) == ("partially_refunded", "ready")
    assert order["vat"] == [{"rate": "vat22", "amount": 9016}, {"rate": "vat10", "amount": 1364}]
    assert order["created_at"] == order_events[0].occurred_at

    lines = await fetch(engine, "order_lines", order_by="position", order_id=order_id)
    assert [(ln["id"], ln["name"], ln["quantity"], ln["amount"]) for ln in lines] == [
        (line.line_id, line.name, Decimal(line.quantity), line.amount) for line in updated.lines
    ]
    assert lines[0]["modifiers"][0]["name"] == "Овсяное молоко"
    assert sum(ln["amount"] for ln in lines) == order["total"]

    payments = await fetch(engine, "order_payments", order_by="created_at", order_id=order_id)
    assert [(p["kind"], p["method"], p["amount"], p["status"]) for p in payments] == [
        ("payment", "card", 40000, "approved"),
        ("payment", "cash", 25000, "approved"),
        ("refund", "cash", 15000, "approved"),
    ]
    assert payments[0]["id"] == paid[0].payment.payment_id
    assert payments[0]["card"]["card_pan_masked"] == "****1234"
    [refund] = await fetch(engine, "order_refunds", order_id=order_id)
    assert payments[2]["refund_id"] == refund["id"]
    assert (refund["amount"], refund["full"]) == (15000, False)

    docs = await fetch(engine, "fiscal_documents", order_by="document_number", register_id=reg.register_id)
    assert [(d["kind"], d["order_id"], d["shift_id"], d["total"]) for d in docs] == [
        ("openShift", None, shift_id, None),
        ("sell", order_id, shift_id, 65000),
        ("sellReturn", order_id, None, 15000),
        ("closeShift", None, shift_id, None),
    ]
    assert docs[2]["refund_id"] == refund["id"]

    history = await fetch(engine, "order_status_history", order_by="seq", order_id=order_id)
    assert [(h["field"], h["previous"], h["status"]) for h in history] == [
        ("status", None, "draft"),
        ("status", "draft", "paying"),
        ("status", "paying", "paid"),
        ("status", "paid", "fiscalized"),
        ("kitchen", None, "cooking"),
        ("kitchen", "cooking", "ready"),
        ("status", "fiscalized", "partially_refunded"),
    ]

    [shift] = await fetch(engine, "shifts", id=shift_id)
    assert (shift["status"], shift["number"], shift["opening_float"]) == ("closed", 1, 500000)
    assert (shift["expected_cash"], shift["counted_cash"], shift["orders_count"]) == (610000, 610000, 1)
    assert shift["tenders"][0]["method"] == "cash"
    assert shift["closed_at"] is not None
    moves = await fetch(engine, "cash_moves", order_by="occurred_at", shift_id=shift_id)
    assert [(m["direction"], m["amount"]) for m in moves] == [("in", 100000), ("out", 20000)]


async def test_status_messages_keep_register_presence(
    engine: AsyncEngine, broker: BrokerConfig, edge: FakeEdge
) -> None:
    [reg] = await seed_registers(engine, 1)
    topic = register_topic(str(reg.org_id), str(reg.location_id), str(reg.register_id), Channel.STATUS)
    online = RegisterStatus(
        register_id=reg.register_id,
        state="online",
        version="1.4.2",
        outbox_backlog=17,
        catalog_version=5,
        devices=[DeviceHealth(device_id="atol-1", kind="fiscal", online=True)],
        at=utcnow(),
    )
    # Retained before any worker runs: a starting worker still learns the register's presence.
    await edge.publish_raw(topic, encode(online), retain=True)
    async with running_workers(engine, broker):
        [row] = await _wait_presence(engine, reg.register_id, "online")
        assert (row["version"], row["backlog"], row["catalog_version"]) == ("1.4.2", 17, 5)
        assert row["devices"] == [
            {"device_id": "atol-1", "kind": "fiscal", "online": True, "problems": [], "detail": ""}
        ]
        [register] = await fetch(engine, "registers", id=reg.register_id)
        assert register["catalog_version_reported"] == 5
        await edge.publish_raw(topic, encode(RegisterStatus(register_id=reg.register_id, state="offline")))
        [row] = await _wait_presence(engine, reg.register_id, "offline")
        assert row["backlog"] == 0


async def _wait_presence(engine: AsyncEngine, register_id: object, state: str) -> list[dict[str, object]]:
    async with asyncio.timeout(10):
        while True:
            rows = await fetch(engine, "register_presence", register_id=register_id)
            if rows and rows[0]["state"] == state:
                return rows
            await asyncio.sleep(0.02)
