"""The register's devices: settings, one polling coordinator per device, the manager that owns the
drivers, and the demo emulators. Names resolve lazily so loading settings does not import the drivers."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from edge.devices.config import DeviceSettings
    from edge.devices.coordinators import DeviceCoordinator, DeviceState
    from edge.devices.manager import DeviceManager
    from edge.devices.problems import DeviceProblem

__all__ = ["DeviceCoordinator", "DeviceManager", "DeviceProblem", "DeviceSettings", "DeviceState"]

_WHERE = {
    "DeviceSettings": "edge.devices.config",
    "DeviceCoordinator": "edge.devices.coordinators",
    "DeviceState": "edge.devices.coordinators",
    "DeviceManager": "edge.devices.manager",
    "DeviceProblem": "edge.devices.problems",
}


def __getattr__(name: str) -> object:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
