"""Enrollment: trade a one-time code for the register's identity and broker credentials at the hub,
write them into the agent's TOML config (mode 0600) and the location's staff to ``data_dir/staff.json``.

The command line is ``yago edge enroll --hub URL --code CODE [--config PATH]`` (``enroll_command``).
"""

from __future__ import annotations

import json
import os
import tempfile
import tomllib
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import msgspec

if TYPE_CHECKING:
    import click

DEFAULT_CONFIG = Path("/etc/yago/edge.toml")
DEFAULT_DATA_DIR = Path("/var/lib/yago")


class EnrollError(RuntimeError):
    """The hub refused the code or answered something unusable; the config was left untouched."""


class MqttCredentials(msgspec.Struct, kw_only=True):
    host: str
    port: int = 1883
    username: str | None = None
    password: str | None = None
    tls: bool = False


class EnrollResponse(msgspec.Struct, kw_only=True):
    org_id: uuid.UUID
    location_id: uuid.UUID
    register_id: uuid.UUID
    mqtt: MqttCredentials
    staff: list[dict[str, object]] = msgspec.field(default_factory=list)


class Enrollment(msgspec.Struct, kw_only=True, frozen=True):
    """What enrollment wrote (the password is deliberately absent)."""

    org_id: uuid.UUID
    location_id: uuid.UUID
    register_id: uuid.UUID
    broker: str
    config_path: Path
    staff_path: Path
    staff_count: int


def request_enrollment(hub_url: str, code: str, *, timeout: float = 15.0) -> EnrollResponse:
    url = f"{hub_url.rstrip('/')}/api/v1/enroll"
    try:
        response = httpx.post(url, json={"code": code}, timeout=timeout)
    except httpx.HTTPError as exc:
        raise EnrollError(f"cannot reach the hub at {hub_url}: {exc}") from exc
    if response.status_code >= 400:
        detail = ""
        with_problem = response.headers.get("content-type", "").startswith(
            ("application/problem+json", "application/json")
        )
        if with_problem:
            body = response.json()
            if isinstance(body, dict):
                detail = str(body.get("detail") or body.get("title") or "")
        raise EnrollError(f"the hub refused the enrollment ({response.status_code}){': ' + detail if detail else ''}")
    try:
        return msgspec.json.decode(response.content, type=EnrollResponse)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise EnrollError(f"the hub's answer is not an enrollment: {exc}") from exc


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def replace_section(text: str, section: str, values: dict[str, object]) -> str:
    """``text`` with its ``[section]`` table replaced by ``values``; every other line, comments too, kept."""
    out: list[str] = []
    skipping = False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            header = stripped.split("#", 1)[0].strip().strip("[]").strip()
            skipping = header == section
        if not skipping:
            out.append(line)
    while out and not out[-1].strip():
        out.pop()
    body = [f"[{section}]"] + [f"{key} = {_toml_value(v)}" for key, v in values.items() if v is not None]
    return "\n".join([*out, "", *body]).lstrip("\n") + "\n"


def _write_private(path: Path, data: str) -> None:
    """Write atomically with mode 0600 from the first byte (the file holds credentials)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_enrollment(config_path: Path, hub_url: str, answer: EnrollResponse) -> Enrollment:
    text = config_path.read_text(encoding="utf-8") if config_path.exists() else ""
    try:
        current = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise EnrollError(f"{config_path} is not valid TOML: {exc}") from exc
    previous = current.get("sync", {})
    sync: dict[str, object] = dict(previous) if isinstance(previous, dict) else {}
    sync.update(
        {
            "broker_host": answer.mqtt.host,
            "broker_port": answer.mqtt.port,
            "username": answer.mqtt.username,
            "password": answer.mqtt.password,
            "tls": answer.mqtt.tls,
            "org_id": str(answer.org_id),
            "location_id": str(answer.location_id),
            "register_id": str(answer.register_id),
            "hub_url": hub_url,
        }
    )
    new_text = replace_section(text, "sync", sync)
    tomllib.loads(new_text)  # never leave a config the agent cannot read
    app = current.get("app", {})
    data_dir = Path(str(app.get("data_dir", DEFAULT_DATA_DIR))) if isinstance(app, dict) else DEFAULT_DATA_DIR
    staff_path = data_dir / "staff.json"
    _write_private(staff_path, json.dumps(answer.staff, ensure_ascii=False, indent=2) + "\n")
    _write_private(config_path, new_text)
    return Enrollment(
        org_id=answer.org_id,
        location_id=answer.location_id,
        register_id=answer.register_id,
        broker=f"{answer.mqtt.host}:{answer.mqtt.port}",
        config_path=config_path,
        staff_path=staff_path,
        staff_count=len(answer.staff),
    )


def configured_hub_url(config_path: Path) -> str | None:
    """``sync.hub_url`` from the config, if the file exists and names one."""
    try:
        sync = tomllib.loads(config_path.read_text(encoding="utf-8")).get("sync", {})
    except (OSError, tomllib.TOMLDecodeError):
        return None
    value = sync.get("hub_url") if isinstance(sync, dict) else None
    return str(value) if value else None


def enroll(hub_url: str, code: str, config_path: Path) -> Enrollment:
    """Enroll this register: ask the hub, then write the config and the staff list."""
    return write_enrollment(config_path, hub_url, request_enrollment(hub_url, code))


def __getattr__(name: str) -> click.Command:
    # the click command lives with the rest of the CLI; this keeps ``edge.sync.enroll:enroll_command`` working
    if name == "enroll_command":
        from yago_cli.edge_enroll import enroll_command

        return enroll_command
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
