"""The agent's settings as the technician sees and changes them: secrets masked, a short list of editable
keys with their checks, edits written back into the TOML file line by line (comments survive) and atomically.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

import msgspec

from edge.domain.runtime import Runtime
from edge.settings import CONFIG_ENV, ENV_PREFIX, Settings

Scalar = str | int | float | bool | None
MASK = "***"
_SECRET_KEY = re.compile(r"token|password|secret|pin_hash|api_key", re.IGNORECASE)
_HOST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.\-:]*[A-Za-z0-9])?$")


class ConfigError(ValueError):
    """A change was refused; ``errors`` maps each offending key to the reason."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def _text(low: int, high: int) -> Callable[[Scalar], Scalar]:
    def check(value: Scalar) -> Scalar:
        if isinstance(value, bool) or value is None:
            raise ValueError("must be text")
        text = str(value).strip()
        if not low <= len(text) <= high:
            raise ValueError(f"must be {low}–{high} characters")
        return text

    return check


def _int(low: int, high: int) -> Callable[[Scalar], Scalar]:
    def check(value: Scalar) -> Scalar:
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("must be a whole number")
        if not low <= value <= high:
            raise ValueError(f"must be between {low} and {high}")
        return value

    return check


def _seconds(low: float, high: float) -> Callable[[Scalar], Scalar]:
    def check(value: Scalar) -> Scalar:
        try:
            number = float(value) if not isinstance(value, bool) and value is not None else None
        except ValueError:
            number = None
        if number is None:
            raise ValueError("must be a number of seconds")
        if not low <= number <= high:
            raise ValueError(f"must be between {low:g} and {high:g} seconds")
        return number

    return check


def _url(value: Scalar) -> Scalar:
    text = str(value or "").strip()
    parsed = urlparse(text)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValueError("must be an http:// or https:// URL")
    return text.rstrip("/")


def _host(value: Scalar) -> Scalar:
    text = str(value or "").strip()
    if not _HOST.match(text) or len(text) > 253:
        raise ValueError("must be a host name or IP address")
    return text


@dataclass(frozen=True, slots=True)
class Editable:
    check: Callable[[Scalar], Scalar]
    live: bool  # applied to the running agent at once; otherwise after a restart


EDITABLE: dict[str, Editable] = {
    "app.location_name": Editable(_text(1, 100), live=True),
    "app.register_name": Editable(_text(1, 50), live=True),
    "app.manager_approval_discount_threshold_percent": Editable(_int(0, 100), live=True),
    "app.shift_warning_minutes": Editable(_int(0, 1440), live=True),
    "app.ofd_warning_days": Editable(_int(0, 29), live=True),
    "sync.heartbeat_seconds": Editable(_seconds(1, 3600), live=True),
    "sync.hub_url": Editable(_url, live=True),
    "devices.fiscal.url": Editable(_url, live=False),
    "devices.printer.host": Editable(_host, live=False),
    "devices.printer.port": Editable(_int(1, 65535), live=False),
    "devices.terminal.host": Editable(_host, live=False),
    "devices.terminal.port": Editable(_int(1, 65535), live=False),
}


def config_path(rt: Runtime) -> Path:
    """The file the agent was started with (``YAGO_EDGE_CONFIG``), else ``edge.toml`` in its data directory."""
    configured = os.environ.get(CONFIG_ENV)
    return Path(configured) if configured else rt.settings.data_dir / "edge.toml"


def _masked(value: object, key: str = "") -> object:
    if isinstance(value, dict):
        return {k: _masked(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v, key) for v in value]
    if key and _SECRET_KEY.search(key):
        return MASK if value else value
    return value


def masked_settings(settings: Settings) -> dict[str, object]:
    """Every setting, with tokens, passwords and PIN hashes replaced by ``***`` (empty ones stay empty)."""
    plain = msgspec.to_builtins(settings)
    assert isinstance(plain, dict)
    masked = _masked(plain)
    assert isinstance(masked, dict)
    return masked


def validate(changes: Mapping[str, Scalar]) -> dict[str, Scalar]:
    """The changes with their values checked and normalised, or :class:`ConfigError` naming every bad key."""
    if not changes:
        raise ConfigError({"": "no changes given"})
    out: dict[str, Scalar] = {}
    errors: dict[str, str] = {}
    for key, value in changes.items():
        spec = EDITABLE.get(key)
        if spec is None:
            errors[key] = "cannot be changed here (edit the config file)"
            continue
        try:
            out[key] = spec.check(value)
        except ValueError as exc:
            errors[key] = str(exc)
    if errors:
        raise ConfigError(errors)
    return out


# ------------------------------------------------------------------------------------------ TOML edits

_HEADER = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")


def _toml_value(value: Scalar) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a valid TOML basic string


def set_toml_value(text: str, dotted: str, value: Scalar) -> str:
    """``text`` with ``section.key`` set to ``value``: the key's line replaced, or added to its table,
    or a new table appended. Everything else, comments included, stays as it was."""
    section, _, key = dotted.rpartition(".")
    lines = text.splitlines()
    assignment = f"{key} = {_toml_value(value)}"
    start: int | None = None
    for i, line in enumerate(lines):
        match = _HEADER.match(line)
        if match and re.sub(r"\s*\.\s*", ".", match.group(1)) == section:
            start = i
            break
    if start is None:
        while lines and not lines[-1].strip():
            lines.pop()
        lines += ["", f"[{section}]", assignment] if lines else [f"[{section}]", assignment]
        return "\n".join(lines) + "\n"
    end = len(lines)
    for j in range(start + 1, len(lines)):
        if lines[j].lstrip().startswith("["):
            end = j
            break
    key_line = re.compile(rf"^(\s*){re.escape(key)}\s*=")
    for j in range(start + 1, end):
        found = key_line.match(lines[j])
        if found:
            lines[j] = found.group(1) + assignment
            return "\n".join(lines) + "\n"
    last = start
    for j in range(start + 1, end):
        if lines[j].strip():
            last = j
    lines.insert(last + 1, assignment)
    return "\n".join(lines) + "\n"


def _lookup(data: Mapping[str, object], dotted: str) -> object:
    node: object = data
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def write_private(path: Path, data: str) -> None:
    """Replace ``path`` atomically with mode 0600 from the first byte (the file holds credentials)."""
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


def write_changes(path: Path, changes: Mapping[str, Scalar]) -> None:
    """Write ``changes`` into the TOML file, refusing anything the agent could not start with."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    for key, value in changes.items():
        text = set_toml_value(text, key, value)
    try:
        parsed = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError({"": f"{path} cannot be edited automatically ({exc}); edit it by hand"}) from exc
    for key, value in changes.items():
        if _lookup(parsed, key) != value:
            raise ConfigError({key: f"{path} defines it in a form this editor cannot change; edit it by hand"})
    try:
        msgspec.convert(parsed, Settings, strict=False)
    except msgspec.ValidationError as exc:
        raise ConfigError({"": f"the agent would not start with this file: {exc}"}) from exc
    write_private(path, text)


def env_overridden(changes: Mapping[str, Scalar]) -> list[str]:
    """Keys an environment variable overrides at the next start (the file change is then hidden)."""
    return [key for key in changes if ENV_PREFIX + key.upper().replace(".", "__") in os.environ]


def _replaced(struct: msgspec.Struct, path: list[str], value: Scalar) -> msgspec.Struct:
    head, *rest = path
    if not rest:
        return msgspec.structs.replace(struct, **{head: value})
    child = getattr(struct, head)
    assert isinstance(child, msgspec.Struct)
    return msgspec.structs.replace(struct, **{head: _replaced(child, rest, value)})


def apply_live(rt: Runtime, changes: Mapping[str, Scalar]) -> tuple[list[str], list[str]]:
    """Apply what is safe to the running agent; ``(applied, after_restart)``."""
    applied: list[str] = []
    later: list[str] = []
    settings = rt.settings
    for key, value in changes.items():
        if EDITABLE[key].live:
            replaced = _replaced(settings, key.split("."), value)
            assert isinstance(replaced, Settings)
            settings = replaced
            applied.append(key)
        else:
            later.append(key)
    rt.settings = settings
    if rt.sync is not None and any(k.startswith("sync.") for k in applied):
        # the heartbeat loop reads its interval from these settings on every round
        rt.sync.settings = settings.sync
    coordinator = getattr(rt.devices, "coordinator", None)
    fiscal = coordinator("fiscal") if callable(coordinator) else None
    if fiscal is not None:
        if hasattr(fiscal, "shift_warning"):
            fiscal.shift_warning = timedelta(minutes=settings.app.shift_warning_minutes)
        if hasattr(fiscal, "ofd_warning"):
            fiscal.ofd_warning = timedelta(days=settings.app.ofd_warning_days)
    return applied, later
