"""Database access for sync: the outbox (read, delete on ack), ``sync_state`` keys and ``inbox_commands``.

All writes go through :class:`edge.db.session.Database` transactions; nothing here holds a transaction
across network I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, delete, func, insert, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from edge.db.models import inbox_commands, outbox, sync_state
from edge.db.session import Database
from edge.db.sql import Query, RowUpdate


@dataclass(frozen=True, slots=True)
class OutboxRow:
    seq: int
    payload: bytes


@dataclass(frozen=True, slots=True)
class Backlog:
    count: int
    last_seq: int
    oldest_at: datetime | None


@dataclass(frozen=True, slots=True)
class StoredCommand:
    status: str
    result: bytes | None


_GET = Query(select(sync_state.c.value).where(sync_state.c.key == bindparam("key")))
_PUT = Query(
    sqlite_insert(sync_state)
    .values(key=bindparam("key"), value=bindparam("value"))
    .on_conflict_do_update(index_elements=[sync_state.c.key], set_={"value": bindparam("value")})
)
_READ_AFTER = Query(
    select(outbox.c.seq, outbox.c.payload)
    .where(outbox.c.seq > bindparam("after"))
    .order_by(outbox.c.seq)
    .limit(bindparam("limit"))
)
_BACKLOG = Query(select(func.count(), func.max(outbox.c.seq)))
_OLDEST = Query(select(outbox.c.created_at).order_by(outbox.c.seq).limit(1))
_DELETE_UPTO = Query(delete(outbox).where(outbox.c.seq <= bindparam("seq")))
_COMMAND = Query(
    select(inbox_commands.c.status, inbox_commands.c.result).where(inbox_commands.c.command_id == bindparam("id"))
)
_INSERT_COMMAND = Query(insert(inbox_commands))
_update_command = RowUpdate(inbox_commands, "command_id")


class SyncStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, key: str) -> str | None:
        async with self.db.read() as tx:
            value = tx.scalar(_GET, {"key": key})
        return None if value is None else str(value)

    async def put(self, values: dict[str, str]) -> None:
        async with self.db.begin() as tx:
            for key, value in values.items():
                tx.run(_PUT, {"key": key, "value": value})

    async def acked_seq(self) -> int:
        value = await self.get("acked_seq")
        return int(value) if value else 0

    async def read_after(self, seq: int, limit: int) -> list[OutboxRow]:
        async with self.db.read() as tx:
            rows = tx.all(_READ_AFTER, {"after": seq, "limit": limit})
        return [OutboxRow(seq=int(row.seq), payload=bytes(row.payload)) for row in rows]

    async def backlog(self) -> Backlog:
        async with self.db.read() as tx:
            count, last_seq = tx.one(_BACKLOG)
            oldest = tx.scalar(_OLDEST) if count else None
        return Backlog(count=int(count or 0), last_seq=int(last_seq or 0), oldest_at=oldest)

    async def commit_ack(self, committed_seq: int, at: datetime) -> int:
        """Delete events up to ``committed_seq`` and record the ack, in one transaction; returns rows deleted."""
        async with self.db.begin() as tx:
            current = tx.scalar(_GET, {"key": "acked_seq"})
            acked = max(int(current) if current else 0, committed_seq)
            deleted = tx.run(_DELETE_UPTO, {"seq": committed_seq})
            tx.run(_PUT, {"key": "acked_seq", "value": str(acked)})
            tx.run(_PUT, {"key": "last_ack_at", "value": at.isoformat()})
        return deleted

    async def command(self, command_id: str) -> StoredCommand | None:
        async with self.db.read() as tx:
            row = tx.first(_COMMAND, {"id": command_id})
        if row is None:
            return None
        return StoredCommand(status=str(row.status), result=None if row.result is None else bytes(row.result))

    async def begin_command(self, command_id: str, command_type: str, at: datetime) -> None:
        async with self.db.begin() as tx:
            tx.run(
                _INSERT_COMMAND,
                {"command_id": command_id, "type": command_type, "received_at": at, "status": "running"},
            )

    async def finish_command(
        self, command_id: str, command_type: str, at: datetime, status: str, result: bytes
    ) -> None:
        async with self.db.begin() as tx:
            if not _update_command(tx, command_id, {"status": status, "result": result}):
                tx.run(
                    _INSERT_COMMAND,
                    {"command_id": command_id, "type": command_type, "received_at": at, "status": status,
                     "result": result},
                )  # fmt: skip
