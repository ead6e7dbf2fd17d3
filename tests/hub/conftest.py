"""Fixtures of the hub API tests: a migrated database on each backend (PostgreSQL from a migrated
template, SQLite from a migrated file), settings, the app behind Litestar's async test client, and a
private Mosquitto that reads the password file and ACL the hub writes."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from hub.app import create_app
from hub.db.migrate import upgrade
from hub.settings import Settings, load_settings
from tests.hub._broker import HubBroker
from tests.support.postgres import create_database, drop_database, server_dsn, sqlalchemy_url, with_database

HUB_MQTT_PASSWORD = "hub-test-secret"


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A PostgreSQL database with the hub schema, copied for every test."""
    dsn = create_database("yago_hub_tmpl")
    asyncio.run(upgrade(sqlalchemy_url(dsn)))
    yield dsn
    drop_database(dsn)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hub-template") / "hub.db"
    asyncio.run(upgrade(f"sqlite+aiosqlite:///{path}"))
    return path


async def _clone_pg(template: str) -> str:
    name = f"yago_hub_{__import__('uuid').uuid4().hex[:12]}"
    conn = await asyncpg.connect(server_dsn())
    try:
        await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template.rsplit("/", 1)[1]}"')
    finally:
        await conn.close()
    return with_database(server_dsn(), name)


@pytest.fixture(params=["postgresql", "sqlite"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated hub database on each backend the hub supports."""
    if request.param == "postgresql":
        template: str = request.getfixturevalue("pg_template")
        dsn = asyncio.run(_clone_pg(template))
        try:
            yield sqlalchemy_url(dsn)
        finally:
            drop_database(dsn)
    else:
        source: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "hub.db"
        shutil.copy(source, target)
        yield f"sqlite+aiosqlite:///{target}"


SettingsFactory = Callable[..., Settings]


@pytest.fixture
def make_settings(db_url: str, tmp_path: Path) -> SettingsFactory:
    """Settings for one test; sections given as keyword dicts override the test defaults."""

    def make(**sections: dict[str, object]) -> Settings:
        base: dict[str, dict[str, object]] = {
            "app": {
                "jwt_secret": "test-secret-with-at-least-32-bytes-of-key",
                "data_dir": str(tmp_path),
                "json_logs": False,
                "log_level": "WARNING",
            },
            "db": {"url": db_url},
            "mqtt": {"enabled": False},
            "broker": {},
        }
        for name, values in sections.items():
            base[name].update(values)
        return load_settings(env={}, overrides=base)

    return make


@pytest.fixture
def settings(make_settings: SettingsFactory) -> Settings:
    return make_settings()


@pytest.fixture
def app(settings: Settings) -> Litestar:
    return create_app(settings)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=app) as c:
        yield c


@pytest.fixture
def hub_broker(tmp_path: Path) -> Iterator[HubBroker]:
    """A private Mosquitto authenticating against the files the hub manages (not started yet)."""
    broker = HubBroker(workdir=tmp_path / "broker", hub_password=HUB_MQTT_PASSWORD)
    yield broker
    broker.stop()


@pytest.fixture
def broker_settings(make_settings: SettingsFactory, hub_broker: HubBroker) -> Settings:
    """Settings of a hub that publishes to ``hub_broker`` and manages its password file and ACL."""
    settings = make_settings(
        mqtt={
            "enabled": True,
            "host": hub_broker.host,
            "port": hub_broker.port,
            "username": "yago-hub",
            "password": HUB_MQTT_PASSWORD,
        },
        broker={
            "password_file": str(hub_broker.password_file),
            "acl_file": str(hub_broker.acl_file),
            "pid_file": str(hub_broker.pid_file),
        },
    )
    hub_broker.start(settings)
    return settings
