"""The demo seed (fixed ids, catalog, owner login, staff PINs, working broker credentials), the
migrations matching the models on both backends, settings loading and the ``yago`` commands."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from argon2 import PasswordHasher
from litestar.testing import AsyncTestClient
from sqlalchemy.engine import Connection

import hub.db.models  # noqa: F401
from hub.app import create_app
from hub.db.base import Base
from hub.db.session import create_engine, create_session_factory
from hub.domain.tenants.demo import DEMO_OWNER_EMAIL, DEMO_OWNER_PASSWORD, seed_demo
from hub.settings import Settings, load_settings
from protocols.codec import decode_catalog
from protocols.samples import DEMO_LOCATION_ID, DEMO_ORG_ID, DEMO_PINS, DEMO_REGISTER_IDS, STAFF_IDS
from protocols.topics import catalog_topic
from tests.hub._broker import HubBroker
from tests.hub._mqtt import connected

pytestmark = pytest.mark.integration


async def test_demo_seed_gives_a_working_chain(db_url: str, broker_settings: Settings, hub_broker: HubBroker) -> None:
    engine = create_engine(db_url)
    try:
        seed = await seed_demo(create_session_factory(engine))
        again = await seed_demo(create_session_factory(engine))  # idempotent; rotates broker passwords
    finally:
        await engine.dispose()
    assert [c.register_id for c in seed.registers] == list(DEMO_REGISTER_IDS)
    assert [s.version for s in seed.snapshots] == [1] and again.snapshots == []

    async with AsyncTestClient(app=create_app(broker_settings)) as client:
        login = await client.post(
            "/api/v1/auth/login", json={"email": DEMO_OWNER_EMAIL, "password": DEMO_OWNER_PASSWORD}
        )
        assert login.status_code == 200
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        active = (
            await client.get("/api/v1/menu/active", params={"location": str(DEMO_LOCATION_ID)}, headers=headers)
        ).json()
        assert active["menu"]["name"] == "Основное меню"

        creds = again.registers[0]
        register = await connected(hub_broker.host, hub_broker.port, creds.username, creds.password)
        try:
            await register.subscribe(catalog_topic(str(DEMO_ORG_ID), str(DEMO_LOCATION_ID)))
            snapshot = decode_catalog((await register.wait_for(lambda m: m.retain)).payload)
        finally:
            register.close()
    assert snapshot.version == 1 and len(snapshot.products) == 14
    staff = {m.id: m for m in snapshot.staff}
    hasher = PasswordHasher()
    for role, pin in DEMO_PINS.items():
        assert hasher.verify(staff[STAFF_IDS[role]].pin_hash, pin)


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": False})
    return list(compare_metadata(context, Base.metadata))


async def test_migrations_create_exactly_the_models(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        async with engine.connect() as conn:
            diff = await conn.run_sync(_diff)
    finally:
        await engine.dispose()
    assert diff == []


def test_settings_come_from_toml_then_environment(tmp_path: Path) -> None:
    config = tmp_path / "hub.toml"
    config.write_text(
        '[app]\nport = 9001\naccess_ttl = 60\n[db]\nurl = "sqlite+aiosqlite:///x.db"\n[broker]\nacl_file = "/tmp/acl"\n'
    )
    settings = load_settings(config, env={"YAGO_HUB_APP_PORT": "9002", "YAGO_HUB_MQTT_TLS": "true"})
    assert (settings.app.port, settings.app.access_ttl, settings.mqtt.tls) == (9002, 60, True)
    assert settings.db.url == "sqlite+aiosqlite:///x.db" and settings.broker.acl_file == Path("/tmp/acl")
    assert settings.app.jwt_secret not in repr(settings)
    with pytest.raises(ValueError, match="unknown"):
        load_settings(config, env={}, overrides={"app": {"nope": 1}})


def test_yago_db_upgrade_hub_migrates_an_empty_database(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    done = subprocess.run(
        [sys.executable, "-c", "from yago_cli import main; main()", "db", "upgrade", "hub", "--url", url],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    import sqlite3

    tables = {r[0] for r in sqlite3.connect(tmp_path / "cli.db").execute("select name from sqlite_master")}
    assert {"organizations", "registers", "catalog_snapshots", "register_presence"} <= tables


def test_yago_hub_run_serves_over_http(tmp_path: Path) -> None:
    import httpx

    from tests.support.net import free_port, wait_for_port

    port = free_port()
    env = {
        **__import__("os").environ,
        "YAGO_HUB_MQTT_ENABLED": "false",
        "YAGO_HUB_APP_DATA_DIR": str(tmp_path),
        "YAGO_HUB_APP_JWT_SECRET": "x" * 32,
    }
    proc = subprocess.Popen(
        [sys.executable, "-c", "from yago_cli import main; main()", "hub", "run", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for_port(port)
        assert httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5).json()["database"] == "up"
        signup = httpx.post(
            f"http://127.0.0.1:{port}/api/v1/auth/register",
            json={"organization": "O", "name": "N", "email": "cli@example.test", "password": "password123"},
            timeout=10,
        )
        assert signup.status_code == 201
    finally:
        proc.terminate()
        _, stderr = proc.communicate(timeout=15)
    assert (tmp_path / "hub.db").exists()
    assert b'"event": "request"' in stderr or b'"event":"request"' in stderr  # JSON log lines
