"""The idempotent, in-order commit of a register's events (ARCHITECTURE.md §4, invariant 6).

Inside one transaction: lock the register's stream row, drop events at or below the committed
sequence, hold events that arrive ahead of a gap, apply the next contiguous run (plus any held events
that now follow), log every event once and advance ``committed_seq``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db.models.ingest import HeldEvent, IngestedEvent, RegisterStream
from hub.ingest import _bulk as bulk
from hub.ingest._rows import dialect_insert
from hub.ingest.persist import RegisterScope, persist_events
from protocols.envelope import Gap
from protocols.events import Event, event_tag

STREAMS = cast(sa.Table, RegisterStream.__table__)
EVENTS = cast(sa.Table, IngestedEvent.__table__)
HELD = cast(sa.Table, HeldEvent.__table__)


@dataclass(frozen=True, slots=True)
class CommitOutcome:
    """What a commit did: the sequence to acknowledge, a gap to report, and counts for metrics."""

    committed_seq: int
    gap: Gap | None = None
    applied: int = 0
    duplicates: int = 0
    held: int = 0
    released: int = 0
    orphans: int = 0


async def lock_stream(conn: AsyncConnection, register_id: uuid.UUID, now: datetime) -> tuple[int, int | None]:
    """The register's committed sequence and its first held sequence (if any), with its stream row
    locked until the transaction ends."""
    query = sa.select(STREAMS.c.committed_seq).where(STREAMS.c.register_id == register_id).with_for_update()
    committed = (await conn.execute(query)).scalar_one_or_none()
    if committed is None:
        create = dialect_insert(conn, STREAMS).values(register_id=register_id, committed_seq=0, updated_at=now)
        await conn.execute(create.on_conflict_do_nothing())
        committed = (await conn.execute(query)).scalar_one()
    # A statement of its own, after the lock: under READ COMMITTED a subquery of the locking statement
    # would still see the snapshot from before the lock wait and miss events the lock holder just held.
    return int(committed), await _first_held(conn, register_id)


async def _first_held(conn: AsyncConnection, register_id: uuid.UUID) -> int | None:
    query = sa.select(sa.func.min(HELD.c.seq)).where(HELD.c.register_id == register_id)
    value = (await conn.execute(query)).scalar_one_or_none()
    return None if value is None else int(value)


def _gap(committed: int, first_held: int | None) -> Gap | None:
    if first_held is None or first_held <= committed + 1:
        return None
    return Gap(from_seq=committed + 1, to_seq=first_held - 1)


async def pending_gap(conn: AsyncConnection, register_id: uuid.UUID, committed: int) -> Gap | None:
    """The gap between ``committed`` and the first held event, if events are held."""
    return _gap(committed, await _first_held(conn, register_id))


async def _hold(
    conn: AsyncConnection, register_id: uuid.UUID, events: Sequence[tuple[Event, bulk.RawJson]], now: datetime
) -> None:
    rows = [
        {"register_id": register_id, "seq": e.seq, "event_id": e.event_id, "payload": payload, "received_at": now}
        for e, payload in events
    ]
    await bulk.write(conn, HELD, rows, "new")


async def _take_held(conn: AsyncConnection, register_id: uuid.UUID, after: int) -> list[Event]:
    """Held events that continue the run after ``after`` without a hole."""
    query = sa.select(HELD.c.seq, HELD.c.payload).where(HELD.c.register_id == register_id, HELD.c.seq > after)
    run: list[Event] = []
    for seq, payload in (await conn.execute(query.order_by(HELD.c.seq))).all():
        if seq != after + len(run) + 1:
            break
        run.append(msgspec.convert(payload, Event))
    return run


async def commit_events(
    conn: AsyncConnection,
    scope: RegisterScope,
    events: Sequence[Event],
    now: datetime,
    raw: Sequence[str] | None = None,
    *,
    direct: bool = False,
) -> CommitOutcome:
    """Commit ``events`` for the register in ``scope``: one batch or several (in any order, overlapping).

    ``raw``, when given, holds each event's JSON exactly as it arrived (``raw[i]`` is ``events[i]``); the
    log stores it as is instead of encoding every event again.
    ``direct`` writes the rows the events create without conflict rules: an integrity error then means
    some key existed after all, and the caller commits again without ``direct``.
    ``conn`` must be inside a transaction that the caller commits; nothing is acknowledged before that.
    """
    if raw is not None and len(raw) != len(events):
        raise ValueError(f"{len(raw)} raw payloads for {len(events)} events")
    register_id = scope.register_id
    committed, first_held = await lock_stream(conn, register_id, now)
    by_seq: dict[int, tuple[Event, bulk.RawJson]] = {}
    for i, event in enumerate(events):
        if event.seq > committed and event.seq not in by_seq:
            by_seq[event.seq] = (event, bulk.RawJson.of(event) if raw is None else bulk.RawJson.text(raw[i]))
    duplicates = len(events) - len(by_seq)
    if not by_seq:
        return CommitOutcome(committed, _gap(committed, first_held), duplicates=duplicates)
    pairs: list[tuple[Event, bulk.RawJson]] = []
    seqs = sorted(by_seq)
    for seq in seqs:
        if seq != committed + len(pairs) + 1:
            break
        pairs.append(by_seq[seq])
    ahead = [by_seq[seq] for seq in seqs[len(pairs) :]]
    if ahead:
        await _hold(conn, register_id, ahead, now)
    if not pairs:
        # Report the hole up to the earliest held event, which may be older than these events.
        return CommitOutcome(
            committed, await pending_gap(conn, register_id, committed), duplicates=duplicates, held=len(ahead)
        )
    fresh = len(pairs)
    if first_held is not None or ahead:
        pairs += [(e, bulk.RawJson.of(e)) for e in await _take_held(conn, register_id, pairs[-1][0].seq)]
    run = [e for e, _ in pairs]
    last = run[-1].seq

    # The log insert goes first: a concurrent commit of the same events fails here, before any other write.
    await bulk.write(
        conn,
        EVENTS,
        [
            {
                "register_id": register_id,
                "seq": e.seq,
                "event_id": e.event_id,
                "org_id": scope.org_id,
                "type": event_tag(e),
                "payload": payload,
                "occurred_at": e.occurred_at,
                "ingested_at": now,
            }
            for e, payload in pairs
        ],
        "insert",
    )
    state = await persist_events(conn, scope, run, direct=direct)
    await conn.execute(
        sa.update(STREAMS).where(STREAMS.c.register_id == register_id).values(committed_seq=last, updated_at=now)
    )
    gap = None
    if first_held is not None or ahead:
        await conn.execute(sa.delete(HELD).where(HELD.c.register_id == register_id, HELD.c.seq <= last))
        gap = await pending_gap(conn, register_id, last)
    return CommitOutcome(
        last,
        gap,
        applied=len(run),
        duplicates=duplicates,
        held=len(ahead),
        released=len(run) - fresh,
        orphans=state.orphans,
    )
