"""Fixtures for sync tests: a migrated register database, register identities, a recording inbox handler."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from edge.db.models import metadata
from edge.db.outbox import append_event, header
from edge.db.session import Database
from edge.sync.config import SyncSettings
from protocols.catalog import CatalogSnapshot
from protocols.commands import Command, CommandResult
from protocols.events import RegisterStatusChanged
from protocols.ids import utcnow, uuid7
from tests.edge.sync._hub import Ids


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'edge.db'}")
    async with database.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield database
    await database.dispose()


@pytest.fixture
def ids() -> Ids:
    return Ids(org=uuid7(), loc=uuid7(), reg=uuid7())


def sync_settings(ids: Ids, port: int, **overrides: object) -> SyncSettings:
    values: dict[str, object] = {
        "broker_host": "127.0.0.1",
        "broker_port": port,
        "org_id": str(ids.org),
        "location_id": str(ids.loc),
        "register_id": str(ids.reg),
        "heartbeat_seconds": 30.0,
        "resend_after_seconds": 0.5,
        "reconnect_min_seconds": 0.1,
        "reconnect_max_seconds": 0.5,
        **overrides,
    }
    return SyncSettings(**values)  # type: ignore[arg-type]


async def add_events(db: Database, count: int) -> list[int]:
    """Commit ``count`` events through the register's own outbox writer; returns their seqs."""
    seqs = []
    async with db.begin() as conn:
        for i in range(count):
            event = RegisterStatusChanged(**header(), state="started", version="test", detail=f"event {i}")
            seqs.append(append_event(conn, event))
    return seqs


async def eventually(check: Callable[[], bool | Awaitable[bool]], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if not isinstance(result, bool):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


class RecordingHandlers:
    """A register core stand-in: applies catalogs and runs commands, remembering each call."""

    def __init__(self, accept_catalog: bool = True) -> None:
        self.accept_catalog = accept_catalog
        self.catalogs: list[CatalogSnapshot] = []
        self.commands: list[Command] = []

    async def apply_catalog(self, snapshot: CatalogSnapshot) -> tuple[bool, str]:
        self.catalogs.append(snapshot)
        return (True, "") if self.accept_catalog else (False, "rejected by test")

    async def run_command(self, command: Command) -> CommandResult:
        self.commands.append(command)
        return CommandResult(
            command_id=command.command_id,
            register_id=command.register_id,
            status="done",
            data={"run": len(self.commands)},
            finished_at=utcnow(),
        )
