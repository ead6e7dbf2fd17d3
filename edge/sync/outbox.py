"""The outbox publisher for one broker connection: batches of at most ``batch_max`` events in sequence
order, a window of batches ahead of the hub's ack, rewind on a gap report or when acks stop coming.

Events leave the table only when an ack covers them (:meth:`SyncStore.commit_ack`), never on publish.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import msgspec
import structlog

from edge.sync._store import OutboxRow, SyncStore
from protocols._base import SCHEMA_VERSION

log = structlog.get_logger("edge.sync.outbox")


class _RawBatch(msgspec.Struct, kw_only=True):
    """Wire-identical to :class:`protocols.envelope.EventBatch`, carrying each event's stored JSON as is."""

    schema: int
    org_id: uuid.UUID
    location_id: uuid.UUID
    register_id: uuid.UUID
    first_seq: int
    last_seq: int
    sent_at: datetime
    events: list[msgspec.Raw]


_encoder = msgspec.json.Encoder()

Publish = Callable[[bytes], Awaitable[None]]


def contiguous(rows: list[OutboxRow], after: int) -> list[OutboxRow]:
    """The leading run of rows numbered ``after+1, after+2, …`` (a batch must not skip a seq)."""
    run: list[OutboxRow] = []
    expected = after + 1
    for row in rows:
        if row.seq != expected:
            break
        run.append(row)
        expected += 1
    return run


class OutboxPublisher:
    """Lives for one connection; ``acked`` and the rewind requests come from the ack subscriber."""

    def __init__(
        self,
        store: SyncStore,
        publish: Publish,
        *,
        org_id: uuid.UUID,
        location_id: uuid.UUID,
        register_id: uuid.UUID,
        acked: int,
        batch_max: int,
        window_batches: int,
        resend_after: float,
    ) -> None:
        self.store = store
        self.publish = publish
        self.org_id = org_id
        self.location_id = location_id
        self.register_id = register_id
        self.acked = acked
        self.sent_upto = acked  # a new connection resends everything unacknowledged; the hub drops duplicates
        self.batch_max = max(1, batch_max)
        self.window = self.batch_max * max(1, window_batches)
        self.resend_after = resend_after
        self.wake = asyncio.Event()
        self._progress_at = time.monotonic()
        self._rewound: tuple[int, float] | None = None
        self.batches_sent = 0
        self._generation = 0  # bumped by every rewind, so a publish in flight does not undo it

    def on_ack(self, committed_seq: int) -> None:
        if committed_seq > self.acked:
            self.acked = committed_seq
            self.sent_upto = max(self.sent_upto, committed_seq)
            self._progress_at = time.monotonic()
        self.wake.set()

    def on_gap(self, from_seq: int) -> None:
        now = time.monotonic()
        start = max(from_seq, self.acked + 1)
        if start > self.sent_upto:
            return
        # every batch behind a lost one reports the same gap; one rewind per window of time is enough
        if self._rewound is not None and self._rewound[0] == start and now - self._rewound[1] < self.resend_after:
            return
        self._rewound = (start, now)
        self._generation += 1
        log.info("sync.resend_gap", from_seq=start, sent_upto=self.sent_upto)
        self.sent_upto = start - 1
        self._progress_at = now
        self.wake.set()

    async def run(self) -> None:
        while True:
            self.wake.clear()  # before reading, so a notify that lands after the read is not lost
            room = self.acked + self.window - self.sent_upto
            if room > 0:
                generation, after = self._generation, self.sent_upto
                read = await self.store.read_after(after, min(self.batch_max, room))
                if generation != self._generation or after != self.sent_upto:
                    continue  # a rewind or an ack landed during the read: those rows start at the wrong place
                rows = self._batch(read)
                if rows:
                    await self._send(rows)
                    continue
            await self._wait()

    def _batch(self, rows: list[OutboxRow]) -> list[OutboxRow]:
        if rows and rows[0].seq > self.sent_upto + 1 and self.sent_upto == self.acked:
            # numbers missing from the table itself (a restored database): nothing can fill them, go on
            log.error("sync.outbox_hole", expected=self.sent_upto + 1, found=rows[0].seq)
            return contiguous(rows, rows[0].seq - 1)
        return contiguous(rows, self.sent_upto)

    async def _send(self, rows: list[OutboxRow]) -> None:
        batch = _RawBatch(
            schema=SCHEMA_VERSION,
            org_id=self.org_id,
            location_id=self.location_id,
            register_id=self.register_id,
            first_seq=rows[0].seq,
            last_seq=rows[-1].seq,
            sent_at=datetime.now(UTC),
            events=[msgspec.Raw(row.payload) for row in rows],
        )
        if self.sent_upto == self.acked:
            self._progress_at = time.monotonic()
        generation = self._generation
        await self.publish(_encoder.encode(batch))
        self.batches_sent += 1
        if generation == self._generation:
            self.sent_upto = max(self.sent_upto, rows[-1].seq)

    async def _wait(self) -> None:
        outstanding = self.sent_upto > self.acked
        timeout = None
        if outstanding:
            timeout = max(0.0, self._progress_at + self.resend_after - time.monotonic())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.wake.wait(), timeout=timeout)
            return
        if self.sent_upto > self.acked and time.monotonic() - self._progress_at >= self.resend_after:
            log.info("sync.resend_timeout", from_seq=self.acked + 1, sent_upto=self.sent_upto)
            self.sent_upto = self.acked
            self._generation += 1
            self._progress_at = time.monotonic()
