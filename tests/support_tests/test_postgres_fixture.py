"""The per-run PostgreSQL database exists, is empty and is ours."""

from __future__ import annotations

import asyncpg
import pytest

pytestmark = pytest.mark.integration


async def test_fresh_database_is_empty_and_writable(fresh_pg_dsn: str) -> None:
    conn = await asyncpg.connect(fresh_pg_dsn)
    try:
        tables = await conn.fetchval("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")
        assert tables == 0
        await conn.execute("CREATE TABLE probe (id int)")
        await conn.execute("INSERT INTO probe VALUES (1)")
        assert await conn.fetchval("SELECT sum(id) FROM probe") == 1
    finally:
        await conn.close()
