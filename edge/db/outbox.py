"""Appending events to the outbox inside the caller's transaction, with the register's gap-free ``seq``.

The seq is ``MAX(seq)`` (or the acknowledged seq once sync has deleted everything) plus one; writers are
serialised by SQLite (BEGIN IMMEDIATE), so two transactions never take the same number.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TypedDict

import msgspec
from sqlalchemy import Integer, cast, func, insert, select

from edge.db.models import outbox, sync_state
from edge.db.sql import Query, Tx
from protocols.codec import encode
from protocols.events import Event, event_tag
from protocols.ids import utcnow, uuid7


class EventHeader(TypedDict):
    """The fields every event starts with; ``seq`` is a placeholder that :func:`append_event` replaces."""

    event_id: uuid.UUID
    seq: int
    occurred_at: datetime


def header(at: datetime | None = None) -> EventHeader:
    return EventHeader(event_id=uuid7(), seq=1, occurred_at=at or utcnow())


_NEXT_SEQ = Query(
    select(
        func.coalesce(
            func.max(outbox.c.seq),
            select(cast(sync_state.c.value, Integer)).where(sync_state.c.key == "acked_seq").scalar_subquery(),
            0,
        )
        + 1
    )
)
_INSERT = Query(insert(outbox))


def next_seq(tx: Tx) -> int:
    return int(tx.scalar(_NEXT_SEQ))


def append_event(tx: Tx, event: Event) -> int:
    """Insert ``event`` with the next seq in the caller's transaction; returns that seq."""
    seq = next_seq(tx)
    stamped = msgspec.structs.replace(event, seq=seq)
    tx.run(
        _INSERT,
        {
            "seq": seq,
            "event_id": str(stamped.event_id),
            "type": event_tag(stamped),
            "payload": encode(stamped),
            "created_at": stamped.occurred_at,
        },
    )
    return seq
