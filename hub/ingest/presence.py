"""Register presence from the retained ``status`` topic: one row per register, overwritten by each status."""

from __future__ import annotations

from datetime import datetime
from typing import cast

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db.models.ingest import RegisterPresence
from hub.ingest._rows import RegisterScope, dialect_insert
from hub.ingest.registers import REGISTERS
from protocols.envelope import RegisterStatus

PRESENCE = cast(sa.Table, RegisterPresence.__table__)


async def record_status(conn: AsyncConnection, scope: RegisterScope, status: RegisterStatus, now: datetime) -> None:
    """Upsert the register's presence; a reported catalog version also lands on the register itself."""
    row = {
        "register_id": scope.register_id,
        "state": status.state,
        "version": status.version,
        "backlog": status.outbox_backlog,
        "oldest_unacked_at": status.oldest_unacked_at,
        "devices": msgspec.to_builtins(status.devices),
        "catalog_version": status.catalog_version,
        "last_seen_at": now,
    }
    stmt = dialect_insert(conn, PRESENCE).values(row)
    await conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[PRESENCE.c.register_id], set_={k: v for k, v in row.items() if k != "register_id"}
        )
    )
    if status.catalog_version is not None:
        await conn.execute(
            sa.update(REGISTERS)
            .where(REGISTERS.c.id == scope.register_id)
            .values(catalog_version_reported=status.catalog_version)
        )
