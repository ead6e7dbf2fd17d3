"""Hub settings: one typed dataclass per concern (app, db, mqtt, broker), read from a TOML file and
then from ``YAGO_HUB_<SECTION>_<FIELD>`` environment variables. Only this module reads the environment.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_CONFIG_PATH = Path("/etc/yago/hub.toml")
ENV_PREFIX = "YAGO_HUB_"


@dataclass
class AppSettings:
    """The HTTP service, tokens and request limits."""

    host: str = "127.0.0.1"
    """Address uvicorn binds."""
    port: int = 8000
    """Port uvicorn binds."""
    data_dir: Path = Path("var")
    """Where the embedded SQLite database lives when ``db.url`` is not given."""
    jwt_secret: str = field(default="", repr=False)
    """HS256 key of access tokens; a random per-process key when empty (set it in production)."""
    hash_time_cost: int = 3
    """argon2 iterations for new password and PIN hashes."""
    hash_memory_kib: int = 65536
    """argon2 memory for new password and PIN hashes, KiB."""
    access_ttl: int = 900
    """Access token lifetime, seconds."""
    refresh_ttl: int = 30 * 24 * 3600
    """Refresh token lifetime, seconds."""
    cookie_secure: bool = False
    """Mark auth cookies Secure (set behind TLS)."""
    rate_limit_per_minute: int = 100
    """Requests per minute per user (per address for anonymous callers)."""
    login_account_limit: int = 5
    """Failed logins per account within ``login_window`` before 429."""
    login_address_limit: int = 20
    """Login attempts per client address within ``login_window`` before 429."""
    login_window: int = 300
    """Window of the login limits, seconds."""
    enroll_limit_per_minute: int = 10
    """Enrollment attempts per client address per minute."""
    enrollment_code_ttl: int = 24 * 3600
    """How long an enrollment code stays valid, seconds."""
    invite_ttl: int = 7 * 24 * 3600
    """How long an invitation stays valid, seconds."""
    log_level: str = "INFO"
    """Root log level."""
    json_logs: bool = True
    """One JSON object per log line (else human-readable console lines)."""

    jwt_secret_generated: bool = field(default=False, init=False, repr=False)
    """True when no key was configured (tokens then die with the process and differ between replicas)."""

    def __post_init__(self) -> None:
        if not self.jwt_secret:
            self.jwt_secret = secrets.token_urlsafe(32)
            self.jwt_secret_generated = True


@dataclass
class DbSettings:
    """The hub database."""

    url: str = ""
    """``postgresql+asyncpg://…`` or ``sqlite+aiosqlite:///path``; default: SQLite in ``app.data_dir``."""
    migrate_on_start: bool = True
    """Apply migrations when the API starts."""
    pool_size: int = 5
    """Connections per process (PostgreSQL)."""
    echo: bool = False
    """Log every SQL statement."""


@dataclass
class MqttSettings:
    """The hub's own broker account (publishes catalogs and commands, ingest subscribes)."""

    enabled: bool = True
    """Connect to the broker at all (off for API-only tests and tools)."""
    host: str = "127.0.0.1"
    port: int = 1883
    username: str | None = "yago-hub"
    password: str | None = field(default=None, repr=False)
    tls: bool = False
    client_id: str = "yago-hub-api"
    """Client id of the API's publisher."""


@dataclass
class BrokerSettings:
    """The Mosquitto the hub manages (password file and ACL), and what registers are told at enrollment."""

    password_file: Path | None = None
    """Mosquitto ``password_file`` the hub rewrites; None when ops manage the broker's accounts."""
    acl_file: Path | None = None
    """Mosquitto ``acl_file`` the hub rewrites."""
    reload_command: str | None = None
    """Shell-free command (split on spaces) that makes the broker re-read its files, e.g. ``systemctl reload mosquitto``."""
    pid_file: Path | None = None
    """Alternatively, the broker's pid file: the hub sends SIGHUP to that pid."""
    file_mode: int = 0o600
    """Permissions of the written files."""
    public_host: str | None = None
    """Broker host registers connect to (default: ``mqtt.host``)."""
    public_port: int | None = None
    """Broker port registers connect to (default: ``mqtt.port``)."""
    public_tls: bool | None = None
    """Whether registers use TLS (default: ``mqtt.tls``)."""


@dataclass
class Settings:
    app: AppSettings = field(default_factory=AppSettings)
    db: DbSettings = field(default_factory=DbSettings)
    mqtt: MqttSettings = field(default_factory=MqttSettings)
    broker: BrokerSettings = field(default_factory=BrokerSettings)

    def __post_init__(self) -> None:
        if not self.db.url:
            self.db.url = f"sqlite+aiosqlite:///{(self.app.data_dir / 'hub.db').resolve()}"


_SECTIONS: dict[str, type] = {"app": AppSettings, "db": DbSettings, "mqtt": MqttSettings, "broker": BrokerSettings}


def _coerce(value: object, hint: object, name: str) -> object:
    """Turn a TOML or environment value into the field's declared type."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if value is None or (isinstance(value, str) and value.lower() in ("", "none", "null")):
            return None
        return _coerce(value, args[0], name)
    if hint is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            return value.lower() in ("1", "true", "yes", "on")
        raise ValueError(f"{name}: expected a boolean, got {value!r}")
    if hint is int:
        if isinstance(value, bool):
            raise ValueError(f"{name}: expected an integer, got {value!r}")
        return int(value, 0) if isinstance(value, str) else int(typing.cast(int, value))
    if hint is Path:
        return Path(str(value))
    if hint is str:
        return str(value)
    return value


def _section(cls: type, values: Mapping[str, object], where: str) -> object:
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls) if f.init}
    unknown = set(values) - names
    if unknown:
        raise ValueError(f"{where}: unknown settings {sorted(unknown)}")
    return cls(**{k: _coerce(v, hints[k], f"{where}.{k}") for k, v in values.items()})


def load_settings(
    config_path: Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Mapping[str, object]] | None = None,
) -> Settings:
    """Settings from (lowest to highest precedence) defaults, the TOML file, the environment, ``overrides``.

    The file is ``config_path``, else ``$YAGO_HUB_CONFIG``, else /etc/yago/hub.toml when it exists.
    """
    env = os.environ if env is None else env
    path = config_path or (Path(env["YAGO_HUB_CONFIG"]) if env.get("YAGO_HUB_CONFIG") else None)
    if path is None and DEFAULT_CONFIG_PATH.exists():
        path = DEFAULT_CONFIG_PATH
    raw: dict[str, dict[str, object]] = {name: {} for name in _SECTIONS}
    if path is not None:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for name, values in data.items():
            if name not in _SECTIONS or not isinstance(values, dict):
                raise ValueError(f"{path}: unknown section [{name}]")
            raw[name].update(values)
    for key, value in env.items():
        if not key.startswith(ENV_PREFIX) or key == "YAGO_HUB_CONFIG":
            continue
        section, _, name = key[len(ENV_PREFIX) :].lower().partition("_")
        if section in _SECTIONS and name:
            raw[section][name] = value
    for section, values in (overrides or {}).items():
        raw[section].update(values)
    built = {name: _section(cls, raw[name], name) for name, cls in _SECTIONS.items()}
    return Settings(**built)  # type: ignore[arg-type]
