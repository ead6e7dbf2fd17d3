"""Register agent settings: one TOML file (``--config``/``YAGO_EDGE_CONFIG``) plus ``YAGO_EDGE__SECTION__KEY``
environment overrides. Only this module reads the environment; every other module receives a ``Settings``.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import msgspec

from edge.devices.config import DeviceSettings
from edge.sync.config import SyncSettings

ENV_PREFIX = "YAGO_EDGE__"
CONFIG_ENV = "YAGO_EDGE_CONFIG"


class StaffConfig(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A person configured on the box itself (a standalone register has no hub to sync staff from)."""

    id: str
    name: str
    role: Literal["cashier", "manager", "kitchen", "technician", "owner", "admin"]
    pin_hash: str  # argon2, never the PIN itself


class PromoCodeConfig(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    code: str
    kind: Literal["percent", "amount"]
    value: int  # percent (whole) or kopecks
    active: bool = True


class AppSettings(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    host: str = "0.0.0.0"
    """Interface the API listens on (the LAN: the kiosk, the KDS tablet and the console connect to it)."""
    port: int = 8080
    data_dir: str = "/var/lib/yago"
    """SQLite database, emulator state in demo mode and the local catalog copy live here."""
    device_token: str = ""
    """Shared secret every /api/v1 call carries in ``X-Device-Token``; empty refuses every call."""
    demo: bool = False
    location_name: str = "Yago"
    register_name: str = "1"
    fiscal: bool = True
    """False: no fiscal registrar, the receipt is a non-fiscal ESC/POS print."""
    taxation_type: str = "usnIncome"
    manager_approval_discount_threshold_percent: int = 10
    currency: str = "RUB"
    timezone: str = "Europe/Moscow"
    """Business day and reports follow this zone; storage stays UTC."""
    catalog_file: str | None = None
    """A CatalogSnapshot JSON file loaded at start (a standalone box without a hub)."""
    session_ttl_minutes: int = 720
    pin_max_failures: int = 5
    pin_lockout_seconds: int = 300
    staff: list[StaffConfig] = msgspec.field(default_factory=list)
    promo_codes: list[PromoCodeConfig] = msgspec.field(default_factory=list)
    shift_warning_minutes: int = 120
    ofd_warning_days: int = 3


class DbSettings(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    url: str = ""
    """SQLAlchemy URL; empty means ``sqlite+aiosqlite:///{data_dir}/edge.db``."""
    busy_timeout_ms: int = 30000
    """How long a write waits for the lock before failing; a sale should wait, not fail, on a busy box."""


class Settings(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    app: AppSettings = msgspec.field(default_factory=AppSettings)
    db: DbSettings = msgspec.field(default_factory=DbSettings)
    devices: DeviceSettings = msgspec.field(default_factory=DeviceSettings)
    sync: SyncSettings = msgspec.field(default_factory=SyncSettings)

    @property
    def data_dir(self) -> Path:
        return Path(self.app.data_dir)

    @property
    def db_url(self) -> str:
        return self.db.url or f"sqlite+aiosqlite:///{self.data_dir / 'edge.db'}"


class SettingsError(ValueError):
    """The configuration file or an override is invalid; the message names the field."""


def _apply_env(raw: dict[str, object], environ: Mapping[str, str]) -> None:
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX):
            continue
        path = [part.lower() for part in name[len(ENV_PREFIX) :].split("__") if part]
        if not path:
            continue
        node = raw
        for part in path[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise SettingsError(f"{name}: {part} is not a section")
            node = child
        node[path[-1]] = value


def load_settings(
    path: str | Path | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Mapping[str, object]] | None = None,
) -> Settings:
    """Settings from the TOML file (argument, else ``YAGO_EDGE_CONFIG``), then env, then ``overrides``."""
    env = os.environ if environ is None else environ
    config_path = path if path is not None else env.get(CONFIG_ENV)
    raw: dict[str, object] = {}
    if config_path:
        try:
            raw = tomllib.loads(Path(config_path).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise SettingsError(f"cannot read {config_path}: {exc}") from exc
    _apply_env(raw, env)
    for section, values in (overrides or {}).items():
        node = raw.setdefault(section, {})
        if not isinstance(node, dict):
            raise SettingsError(f"{section} is not a section")
        node.update(values)
    try:
        # strict=False lets environment strings become ints and bools
        return msgspec.convert(raw, Settings, strict=False)
    except msgspec.ValidationError as exc:
        raise SettingsError(str(exc)) from exc
