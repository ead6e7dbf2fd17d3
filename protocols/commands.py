"""Hub → register commands on ``cmd`` (tagged union by ``type``) and their results on ``cmd/res``.

A register applies each ``command_id`` at most once and answers every delivery of it with the same result.
"""

from __future__ import annotations

import uuid
from typing import Literal

import msgspec

from protocols._base import SCHEMA_VERSION, LongText, ShortText, WireStruct
from protocols.ids import UtcDateTime

ConfigValue = str | int | bool | None


class _CommandBase(WireStruct, frozen=True, kw_only=True, tag_field="type"):
    schema: int = SCHEMA_VERSION
    command_id: uuid.UUID
    register_id: uuid.UUID
    issued_at: UtcDateTime
    expires_at: UtcDateTime | None = None


class CatalogReload(_CommandBase, frozen=True, kw_only=True, tag="catalog.reload"):
    """Re-read the retained catalog (or apply the version named) now."""

    min_version: int | None = None


class ReportX(_CommandBase, frozen=True, kw_only=True, tag="report.x"):
    """Print an X report on the register's fiscal registrar and return the shift's figures."""


class DeviceTestPrint(_CommandBase, frozen=True, kw_only=True, tag="device.test_print"):
    device_id: ShortText | None = None
    text: LongText = ""


class ConfigUpdate(_CommandBase, frozen=True, kw_only=True, tag="config.update"):
    """Change allowed settings; unknown keys are rejected as a whole."""

    settings: dict[str, ConfigValue]


class UpgradeHint(_CommandBase, frozen=True, kw_only=True, tag="upgrade.hint"):
    version: ShortText
    url: LongText = ""


Command = CatalogReload | ReportX | DeviceTestPrint | ConfigUpdate | UpgradeHint

COMMAND_TYPES: tuple[type[_CommandBase], ...] = (CatalogReload, ReportX, DeviceTestPrint, ConfigUpdate, UpgradeHint)


class CommandResult(WireStruct, frozen=True, kw_only=True):
    schema: int = SCHEMA_VERSION
    command_id: uuid.UUID
    register_id: uuid.UUID
    status: Literal["done", "failed", "rejected", "expired"]
    detail: LongText = ""
    data: dict[str, ConfigValue] = msgspec.field(default_factory=dict)
    finished_at: UtcDateTime


class RpcRequest(WireStruct, frozen=True, kw_only=True):
    """Request on ``rpc`` (loyalty lookup, online order hand-off); answered on ``rpc/res`` by correlation id."""

    schema: int = SCHEMA_VERSION
    correlation_id: uuid.UUID
    method: ShortText
    params: dict[str, ConfigValue] = msgspec.field(default_factory=dict)
    sent_at: UtcDateTime


class RpcResponse(WireStruct, frozen=True, kw_only=True):
    schema: int = SCHEMA_VERSION
    correlation_id: uuid.UUID
    ok: bool
    result: dict[str, ConfigValue] = msgspec.field(default_factory=dict)
    error: LongText = ""
