"""Database access for sync: the outbox (read, delete on ack), ``sync_state`` keys and ``inbox_commands``.

All writes go through :class:`edge.db.session.Database` transactions; nothing here holds a transaction
across network I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from edge.db.models import inbox_commands, outbox, sync_state
from edge.db.session import Database


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


async def _put(conn: AsyncConnection, key: str, value: str) -> None:
    stmt = sqlite_insert(sync_state).values(key=key, value=value)
    await conn.execute(stmt.on_conflict_do_update(index_elements=[sync_state.c.key], set_={"value": value}))


class SyncStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, key: str) -> str | None:
        async with self.db.read() as conn:
            value = (await conn.execute(select(sync_state.c.value).where(sync_state.c.key == key))).scalar()
        return None if value is None else str(value)

    async def put(self, values: dict[str, str]) -> None:
        async with self.db.begin() as conn:
            for key, value in values.items():
                await _put(conn, key, value)

    async def acked_seq(self) -> int:
        value = await self.get("acked_seq")
        return int(value) if value else 0

    async def read_after(self, seq: int, limit: int) -> list[OutboxRow]:
        query = select(outbox.c.seq, outbox.c.payload).where(outbox.c.seq > seq).order_by(outbox.c.seq).limit(limit)
        async with self.db.read() as conn:
            rows = (await conn.execute(query)).all()
        return [OutboxRow(seq=int(row.seq), payload=bytes(row.payload)) for row in rows]

    async def backlog(self) -> Backlog:
        query = select(func.count(), func.max(outbox.c.seq))
        async with self.db.read() as conn:
            count, last_seq = (await conn.execute(query)).one()
            oldest = None
            if count:
                first = select(outbox.c.created_at).order_by(outbox.c.seq).limit(1)
                oldest = (await conn.execute(first)).scalar()
        return Backlog(count=int(count or 0), last_seq=int(last_seq or 0), oldest_at=oldest)

    async def commit_ack(self, committed_seq: int, at: datetime) -> int:
        """Delete events up to ``committed_seq`` and record the ack, in one transaction; returns rows deleted."""
        async with self.db.begin() as conn:
            current = (await conn.execute(select(sync_state.c.value).where(sync_state.c.key == "acked_seq"))).scalar()
            acked = max(int(current) if current else 0, committed_seq)
            result = await conn.execute(delete(outbox).where(outbox.c.seq <= committed_seq))
            await _put(conn, "acked_seq", str(acked))
            await _put(conn, "last_ack_at", at.isoformat())
        return int(result.rowcount or 0)

    async def command(self, command_id: str) -> StoredCommand | None:
        query = select(inbox_commands.c.status, inbox_commands.c.result).where(
            inbox_commands.c.command_id == command_id
        )
        async with self.db.read() as conn:
            row = (await conn.execute(query)).first()
        if row is None:
            return None
        return StoredCommand(status=str(row.status), result=None if row.result is None else bytes(row.result))

    async def begin_command(self, command_id: str, command_type: str, at: datetime) -> None:
        async with self.db.begin() as conn:
            await conn.execute(
                insert(inbox_commands).values(
                    command_id=command_id, type=command_type, received_at=at, status="running", result=None
                )
            )

    async def finish_command(
        self, command_id: str, command_type: str, at: datetime, status: str, result: bytes
    ) -> None:
        async with self.db.begin() as conn:
            updated = await conn.execute(
                update(inbox_commands)
                .where(inbox_commands.c.command_id == command_id)
                .values(status=status, result=result)
            )
            if not updated.rowcount:
                await conn.execute(
                    insert(inbox_commands).values(
                        command_id=command_id, type=command_type, received_at=at, status=status, result=result
                    )
                )
