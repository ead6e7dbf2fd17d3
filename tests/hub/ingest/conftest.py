"""Fixtures of the ingest tests: a migrated hub database (PostgreSQL and SQLite), enrolled registers,
a private broker, running workers and a fake edge."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.ingest.consumer import BrokerConfig
from tests.hub.ingest._harness import FakeEdge, create_schema, new_engine
from tests.support.mosquitto import MosquittoBroker
from tests.support.postgres import create_database, drop_database, sqlalchemy_url


def _pg_url() -> Iterator[str]:
    dsn = create_database("yago_ingest")
    try:
        yield sqlalchemy_url(dsn)
    finally:
        drop_database(dsn)


@pytest.fixture(params=["postgresql", "sqlite"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh hub database on each backend the hub supports."""
    if request.param == "postgresql":
        yield from _pg_url()
    else:
        yield f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}"


@pytest.fixture
def pg_url() -> Iterator[str]:
    yield from _pg_url()


async def _engine(url: str) -> AsyncIterator[AsyncEngine]:
    await create_schema(url)
    engine = new_engine(url)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    async for e in _engine(db_url):
        yield e


@pytest.fixture
async def pg_engine(pg_url: str) -> AsyncIterator[AsyncEngine]:
    async for e in _engine(pg_url):
        yield e


@pytest.fixture
def broker(mosquitto: MosquittoBroker) -> BrokerConfig:
    return BrokerConfig(host=mosquitto.host, port=mosquitto.port)


@pytest.fixture
async def edge(broker: BrokerConfig) -> AsyncIterator[FakeEdge]:
    async with FakeEdge(broker) as e:
        yield e
