"""Fixtures every suite may use: a fresh PostgreSQL database per run, private Mosquitto brokers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.mosquitto import MosquittoBroker
from tests.support.postgres import create_database, drop_database


@pytest.fixture(scope="session")
def pg_dsn() -> Iterator[str]:
    """A database created for this test run (``postgresql://…``), dropped at the end."""
    dsn = create_database()
    yield dsn
    drop_database(dsn)


@pytest.fixture
def fresh_pg_dsn() -> Iterator[str]:
    """A database of its own for one test."""
    dsn = create_database()
    yield dsn
    drop_database(dsn)


@pytest.fixture
def mosquitto(tmp_path: Path) -> Iterator[MosquittoBroker]:
    """A private anonymous broker on a free port."""
    with MosquittoBroker(workdir=tmp_path / "mosquitto") as broker:
        yield broker


@pytest.fixture
def make_mosquitto(tmp_path: Path) -> Iterator[Callable[..., MosquittoBroker]]:
    """Factory for brokers with users and an ACL: ``make_mosquitto(users={...}, acl="...")``."""
    brokers: list[MosquittoBroker] = []

    def make(users: dict[str, str] | None = None, acl: str | None = None) -> MosquittoBroker:
        broker = MosquittoBroker(workdir=tmp_path / f"mosquitto{len(brokers)}", users=users or {}, acl=acl)
        broker.start()
        brokers.append(broker)
        return broker

    yield make
    for broker in brokers:
        broker.stop()
