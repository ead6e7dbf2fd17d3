"""The password file and ACL the hub writes are what Mosquitto accepts: hashes from ``mosquitto_passwd``
and from the built-in PBKDF2-SHA512 ``$7$`` writer both authenticate, and a reload applies changes."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from hub.broker.files import BrokerFiles, RegisterAccount, render_acl
from hub.broker.passwd import hash_broker_password, pbkdf2_sha512_hash
from hub.settings import load_settings
from tests.hub._broker import HubBroker
from tests.hub._mqtt import TestClient, connected

pytestmark = pytest.mark.integration


def _account(username: str, password_hash: str) -> RegisterAccount:
    return RegisterAccount(username, password_hash, uuid.uuid4(), uuid.uuid4(), uuid.uuid4())


def test_acl_confines_each_register_to_its_topics() -> None:
    account = _account("reg-a", "x")
    acl = render_acl("yago-hub", [account])
    org, loc, reg = account.org_id, account.location_id, account.register_id
    assert "user yago-hub\ntopic readwrite yago/v1/#" in acl
    assert f"user reg-a\ntopic readwrite yago/v1/{org}/{loc}/{reg}/#\ntopic read yago/v1/{org}/{loc}/catalog" in acl


async def test_both_hash_writers_authenticate_after_a_reload(tmp_path: Path) -> None:
    broker = HubBroker(workdir=tmp_path / "broker", hub_password="hub-pass")
    settings = load_settings(
        env={},
        overrides={
            "mqtt": {"host": broker.host, "port": broker.port, "username": "yago-hub", "password": "hub-pass"},
            "broker": {
                "password_file": str(broker.password_file),
                "acl_file": str(broker.acl_file),
                "pid_file": str(broker.pid_file),
            },
        },
    )
    files = BrokerFiles(settings.broker, settings.mqtt)
    broker.start(settings)
    try:
        files.write(
            [
                _account("reg-builtin", pbkdf2_sha512_hash("builtin-secret")),
                _account("reg-binary", hash_broker_password("reg-binary", "binary-secret")),
            ]
        )
        assert files.reload()
        for username, password in (("reg-builtin", "builtin-secret"), ("reg-binary", "binary-secret")):
            (await connected(broker.host, broker.port, username, password)).close()
        wrong = TestClient(broker.host, broker.port, "reg-builtin", "wrong")
        try:
            assert await wrong.connect() != 0
        finally:
            wrong.close()
    finally:
        broker.stop()
