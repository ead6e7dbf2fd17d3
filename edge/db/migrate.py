"""Alembic for the register database, configured in code (no alembic.ini): the agent upgrades at start,
``yago db upgrade edge`` does the same by hand.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

from edge.db.session import Database

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(connection: Connection | None = None, url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s")
    if url:
        config.set_main_option("sqlalchemy.url", url)
    config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection) -> None:
    command.upgrade(alembic_config(connection), "head")


async def upgrade_database(db: Database) -> None:
    """Bring the schema to head inside one transaction on the agent's own engine."""
    async with db.engine.begin() as conn:
        await conn.run_sync(_upgrade)


def upgrade_cli(url: str | None) -> None:
    """``yago db upgrade edge [--url]``: the configured database when no URL is given."""
    from edge.settings import load_settings

    target = url or load_settings().db_url

    async def run() -> None:
        db = Database(target)
        try:
            await upgrade_database(db)
        finally:
            await db.dispose()

    asyncio.run(run())
