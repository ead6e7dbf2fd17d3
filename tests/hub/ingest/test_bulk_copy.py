"""Large commits on PostgreSQL go through ``COPY`` (straight or via the session's staging tables): the same
rows, the same tenant guards and the same errors as the one-statement path small commits take."""

from __future__ import annotations

from collections.abc import Iterator

import msgspec
import pytest
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.ingest import _bulk
from hub.ingest.consumer import BrokerConfig, IngestWorker
from hub.ingest.persist import RegisterScope
from hub.ingest.stream import commit_events
from protocols.codec import encode
from protocols.events import OrderCreated, OrderUpdated
from protocols.ids import utcnow, uuid7
from tests.hub.ingest._events import RegisterStream
from tests.hub.ingest._harness import count_rows, fetch, seed_registers

pytestmark = pytest.mark.integration


@pytest.fixture
def copy_from(request: pytest.FixtureRequest) -> Iterator[int]:
    """Every write of at least this many rows goes through ``COPY``."""
    previous = _bulk.COPY_MIN_ROWS
    _bulk.COPY_MIN_ROWS = getattr(request, "param", 1)
    try:
        yield _bulk.COPY_MIN_ROWS
    finally:
        _bulk.COPY_MIN_ROWS = previous


def _scope(reg: RegisterStream) -> RegisterScope:
    return RegisterScope(org_id=reg.org_id, location_id=reg.location_id, register_id=reg.register_id)


@pytest.mark.parametrize("copy_from", [1, 10**9], indirect=True)
async def test_copy_and_statement_paths_each_store_the_whole_shift(pg_engine: AsyncEngine, copy_from: int) -> None:
    [reg] = await seed_registers(pg_engine, 1)
    shift_id = uuid7()
    reg.open_shift(shift_id)
    for n in range(6):
        reg.order(shift_id, split=n % 2 == 0)
    first = len(reg.events)
    reg.close_shift(shift_id, counted=1000)
    async with pg_engine.begin() as conn:
        await commit_events(conn, _scope(reg), reg.events[:4], utcnow())
    # The rest in one commit, with the JSON of each event as it arrived on the wire.
    rest = reg.events[4:]
    async with pg_engine.begin() as conn:
        outcome = await commit_events(conn, _scope(reg), rest, utcnow(), [encode(e).decode() for e in rest])
    assert outcome.committed_seq == len(reg.events) > first
    assert await count_rows(pg_engine, "orders") == 6
    assert await count_rows(pg_engine, "order_lines") == 12
    assert await count_rows(pg_engine, "shifts") == 1
    logged = await fetch(pg_engine, "ingested_events", order_by="seq")
    assert [msgspec.convert(e["payload"], dict) for e in logged] == [msgspec.to_builtins(e) for e in reg.events]
    [shift] = await fetch(pg_engine, "shifts")
    assert (shift["status"], shift["counted_cash"]) == ("closed", 1000)
    orders = await fetch(pg_engine, "orders")
    assert {(o["status"], o["total"], o["paid_total"]) for o in orders} == {("fiscalized", 65000, 65000)}


async def test_copy_keeps_another_registers_order_and_lines(pg_engine: AsyncEngine, copy_from: int) -> None:
    victim, intruder = await seed_registers(pg_engine, 2)
    order_id, events = victim.order()
    async with pg_engine.begin() as conn:
        await commit_events(conn, _scope(victim), victim.events, utcnow())
    updated = next(e for e in events if isinstance(e, OrderUpdated))
    forged = msgspec.structs.replace(updated, event_id=uuid7(), seq=1, total=1, subtotal=1, status="cancelled")
    intruder.add(forged)
    intruder.order()  # and a sale of its own in the same commit
    async with pg_engine.begin() as conn:
        outcome = await commit_events(conn, _scope(intruder), intruder.events, utcnow())
    assert outcome.committed_seq == len(intruder.events)
    [order] = await fetch(pg_engine, "orders", id=order_id)
    assert (order["register_id"], order["total"], order["status"]) == (victim.register_id, 65000, "fiscalized")
    lines = await fetch(pg_engine, "order_lines", order_id=order_id)
    assert sorted(line["amount"] for line in lines) == [15000, 50000]
    assert await count_rows(pg_engine, "orders", register_id=intruder.register_id) == 1


async def test_copy_of_a_reused_event_id_raises_the_integrity_error_and_writes_nothing(
    pg_engine: AsyncEngine, copy_from: int
) -> None:
    victim, intruder = await seed_registers(pg_engine, 2)
    victim.order()
    intruder.order()
    async with pg_engine.begin() as conn:
        await commit_events(conn, _scope(victim), victim.events, utcnow())
    stolen = msgspec.structs.replace(intruder.events[0], event_id=victim.events[0].event_id)
    with pytest.raises(sa_exc.IntegrityError):
        async with pg_engine.begin() as conn:
            await commit_events(conn, _scope(intruder), [stolen, *intruder.events[1:]], utcnow())
    assert await count_rows(pg_engine, "ingested_events", register_id=intruder.register_id) == 0
    # The connection that failed mid-COPY is good for the honest resend.
    async with pg_engine.begin() as conn:
        outcome = await commit_events(conn, _scope(intruder), intruder.events, utcnow())
    assert outcome.committed_seq == len(intruder.events)


async def test_two_registers_in_one_transaction_share_the_staging_tables(
    pg_engine: AsyncEngine, copy_from: int
) -> None:
    first, second = await seed_registers(pg_engine, 2)
    first.order()
    second.order()
    async with pg_engine.begin() as conn:
        await commit_events(conn, _scope(first), first.events, utcnow())
        await commit_events(conn, _scope(second), second.events, utcnow())
        staged = await conn.execute(sa.text("SELECT count(*) FROM _ingest_stage_orders"))
        assert staged.scalar_one() == 0
    for reg in (first, second):
        assert await count_rows(pg_engine, "orders", register_id=reg.register_id) == 1
        assert await count_rows(pg_engine, "ingested_events", register_id=reg.register_id) == len(reg.events)


@pytest.mark.parametrize("copy_from", [1, 10**9], indirect=True)
async def test_direct_commit_over_another_registers_order_fails_and_the_worker_commits_with_conflict_rules(
    pg_engine: AsyncEngine, copy_from: int
) -> None:
    victim, intruder = await seed_registers(pg_engine, 2)
    order_id, _ = victim.order()
    async with pg_engine.begin() as conn:
        await commit_events(conn, _scope(victim), victim.events, utcnow(), direct=True)
    intruder.order()
    created = next(e for e in intruder.events if isinstance(e, OrderCreated))
    intruder.events[0] = msgspec.structs.replace(created, order_id=order_id)  # the victim's order, "created" again
    with pytest.raises(sa_exc.IntegrityError):
        async with pg_engine.begin() as conn:
            await commit_events(conn, _scope(intruder), intruder.events[:1], utcnow(), direct=True)
    assert await count_rows(pg_engine, "ingested_events", register_id=intruder.register_id) == 0
    worker = IngestWorker(pg_engine, BrokerConfig(), client_id="direct-retry")
    ack = await worker.commit(_scope(intruder), intruder.events[:1])
    assert ack is not None and ack.committed_seq == 1
    [order] = await fetch(pg_engine, "orders", id=order_id)
    assert (order["register_id"], order["status"]) == (victim.register_id, "fiscalized")
    assert await count_rows(pg_engine, "ingested_events", register_id=intruder.register_id) == 1


@pytest.mark.parametrize("copy_from", [1, 10**9], indirect=True)
async def test_an_order_created_under_another_registers_id_attaches_nothing_to_that_order(
    pg_engine: AsyncEngine, copy_from: int
) -> None:
    victim, intruder = await seed_registers(pg_engine, 2)
    order_id, _ = victim.order(split=True)
    async with pg_engine.begin() as conn:
        await commit_events(conn, _scope(victim), victim.events, utcnow(), direct=True)
    before = {
        table: await count_rows(pg_engine, table, order_id=order_id)
        for table in ("order_lines", "order_payments", "order_refunds", "fiscal_documents", "order_status_history")
    }
    _, forged = intruder.order()
    # The intruder's whole sale (lines, payments, receipt, kitchen) under the victim's order id.
    intruder.events[:] = [
        msgspec.structs.replace(e, order_id=order_id) if hasattr(e, "order_id") else e for e in forged
    ]
    worker = IngestWorker(pg_engine, BrokerConfig(), client_id="foreign-order")
    ack = await worker.commit(_scope(intruder), intruder.events)
    assert ack is not None and ack.committed_seq == len(intruder.events)
    after = {table: await count_rows(pg_engine, table, order_id=order_id) for table in before}
    assert after == before
    [order] = await fetch(pg_engine, "orders", id=order_id)
    assert (order["register_id"], order["status"], order["total"]) == (victim.register_id, "fiscalized", 65000)
    assert await count_rows(pg_engine, "orders", register_id=intruder.register_id) == 0
    assert await count_rows(pg_engine, "ingested_events", register_id=intruder.register_id) == len(forged)
