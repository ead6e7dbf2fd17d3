"""Fresh PostgreSQL databases on the local server, created for a test run and dropped afterwards.

The server comes from ``YAGO_TEST_PG_DSN`` (default ``postgresql://postgres@127.0.0.1:5432/postgres``).
"""

from __future__ import annotations

import asyncio
import os
import uuid
from urllib.parse import urlsplit, urlunsplit

import asyncpg

DEFAULT_SERVER_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"


def server_dsn() -> str:
    return os.environ.get("YAGO_TEST_PG_DSN", DEFAULT_SERVER_DSN)


def with_database(dsn: str, database: str) -> str:
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path=f"/{database}"))


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(server_dsn())
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def create_database(prefix: str = "yago_test") -> str:
    """Create an empty database and return its DSN."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    return with_database(server_dsn(), name)


def drop_database(dsn: str) -> None:
    name = urlsplit(dsn).path.lstrip("/")
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def sqlalchemy_url(dsn: str) -> str:
    """``postgresql://…`` → ``postgresql+asyncpg://…``."""
    return dsn.replace("postgresql://", "postgresql+asyncpg://", 1)
