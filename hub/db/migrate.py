"""Apply the hub's Alembic migrations: ``await upgrade(url)`` at start, ``upgrade_cli(url)`` for
``yago db upgrade hub``. Both run on the async engine's connection, for PostgreSQL and SQLite alike.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

from hub.db.session import create_engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection, revision: str) -> None:
    command.upgrade(alembic_config(connection), revision)


async def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision`` (the newest by default)."""
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_upgrade, revision)
    finally:
        await engine.dispose()


def upgrade_cli(url: str | None) -> None:
    """``yago db upgrade hub [--url URL]``; without a URL the configured hub database is used."""
    if url is None:
        from hub.settings import load_settings

        url = load_settings().db.url
    asyncio.run(upgrade(url))
    print(f"hub database upgraded: {url.split('@')[-1]}")
