"""Which organization and location a register belongs to, read from ``registers`` and cached briefly.

Only positive answers are cached: a register enrolled a moment ago must be recognised at once, and a
removed one stops being accepted within the cache lifetime.
"""

from __future__ import annotations

import time
import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.ingest._rows import RegisterScope

# A lightweight view of the API's table: ingest needs three columns and must not depend on its model class.
REGISTERS = sa.table(
    "registers",
    sa.column("id", sa.Uuid),
    sa.column("org_id", sa.Uuid),
    sa.column("location_id", sa.Uuid),
    sa.column("catalog_version_reported", sa.Integer),
)


class RegisterDirectory:
    def __init__(self, engine: AsyncEngine, ttl: float = 30.0) -> None:
        self._engine = engine
        self._ttl = ttl
        self._cache: dict[uuid.UUID, tuple[float, RegisterScope]] = {}

    async def scope(self, register_id: uuid.UUID) -> RegisterScope | None:
        """The register's scope, or ``None`` when no such register is enrolled."""
        hit = self._cache.get(register_id)
        now = time.monotonic()
        if hit is not None and now - hit[0] < self._ttl:
            return hit[1]
        query = sa.select(REGISTERS.c.org_id, REGISTERS.c.location_id).where(REGISTERS.c.id == register_id)
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).first()
        if row is None:
            self._cache.pop(register_id, None)
            return None
        scope = RegisterScope(org_id=row.org_id, location_id=row.location_id, register_id=register_id)
        self._cache[register_id] = (now, scope)
        return scope
