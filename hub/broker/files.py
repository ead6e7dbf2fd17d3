"""The broker's password file and ACL, rewritten atomically from the registers table, and the reload
that makes Mosquitto re-read them (a configured command, or SIGHUP to the pid in its pid file).

Each register may use only ``yago/v1/{org}/{loc}/{reg}/#`` and read its location's catalog; the hub's
own account may use ``yago/v1/#``.
"""

from __future__ import annotations

import logging
import os
import shlex
import signal
import subprocess
import tempfile
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from hub.broker.passwd import hash_broker_password
from hub.settings import BrokerSettings, MqttSettings
from protocols.topics import catalog_topic, register_filter

log = logging.getLogger("hub.broker")


@dataclass(frozen=True, slots=True)
class RegisterAccount:
    username: str
    password_hash: str
    org_id: uuid.UUID
    location_id: uuid.UUID
    register_id: uuid.UUID


def render_acl(hub_username: str | None, accounts: Iterable[RegisterAccount]) -> str:
    lines = ["# Managed by the Yago hub: rewritten on every enrollment. Do not edit.", ""]
    if hub_username:
        lines += [f"user {hub_username}", "topic readwrite yago/v1/#", ""]
    for acc in sorted(accounts, key=lambda a: a.username):
        org, loc, reg = str(acc.org_id), str(acc.location_id), str(acc.register_id)
        lines += [
            f"user {acc.username}",
            f"topic readwrite {register_filter(org, loc, reg)}",
            f"topic read {catalog_topic(org, loc)}",
            "",
        ]
    return "\n".join(lines)


def render_passwords(hub_line: str | None, accounts: Iterable[RegisterAccount]) -> str:
    lines = [hub_line] if hub_line else []
    lines += [f"{a.username}:{a.password_hash}" for a in sorted(accounts, key=lambda a: a.username)]
    return "\n".join(lines) + "\n"


def _write_atomic(path: Path, text: str, mode: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class BrokerFiles:
    """Writes the password file and ACL for the configured broker; a no-op when none is configured."""

    def __init__(self, broker: BrokerSettings, mqtt: MqttSettings) -> None:
        self.broker = broker
        self.mqtt = mqtt
        self._hub_line: str | None = None

    @property
    def managed(self) -> bool:
        return self.broker.password_file is not None or self.broker.acl_file is not None

    def _hub_password_line(self) -> str | None:
        if not (self.mqtt.username and self.mqtt.password):
            return None
        if self._hub_line is None:  # hash once: the hub's password does not change while it runs
            self._hub_line = f"{self.mqtt.username}:{hash_broker_password(self.mqtt.username, self.mqtt.password)}"
        return self._hub_line

    def write(self, accounts: Iterable[RegisterAccount]) -> bool:
        """Rewrite both files; True when anything was written."""
        if not self.managed:
            return False
        accounts = list(accounts)
        if self.broker.password_file is not None:
            text = render_passwords(self._hub_password_line(), accounts)
            _write_atomic(self.broker.password_file, text, self.broker.file_mode)
        if self.broker.acl_file is not None:
            _write_atomic(self.broker.acl_file, render_acl(self.mqtt.username, accounts), self.broker.file_mode)
        log.info("broker files written", extra={"registers": len(accounts)})
        return True

    def reload(self) -> bool:
        """Ask the broker to re-read its files; False when no way to do so is configured or it failed."""
        if self.broker.reload_command:
            done = subprocess.run(shlex.split(self.broker.reload_command), capture_output=True, timeout=30, check=False)
            if done.returncode != 0:
                log.warning("broker reload command failed", extra={"returncode": done.returncode})
                return False
            return True
        if self.broker.pid_file is not None:
            try:
                pid = int(self.broker.pid_file.read_text().strip())
                os.kill(pid, signal.SIGHUP)
            except (OSError, ValueError) as exc:
                log.warning("broker reload by SIGHUP failed", extra={"error": str(exc)})
                return False
            return True
        return False
