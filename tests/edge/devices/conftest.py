"""A demo device manager (real drivers talking to the in-process emulators) per test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from edge.devices import DeviceManager, DeviceSettings


@pytest.fixture
async def demo(tmp_path: Path) -> AsyncIterator[DeviceManager]:
    manager = DeviceManager.from_settings(DeviceSettings(), tmp_path / "data", demo=True)
    await manager.start()
    yield manager
    await manager.stop()
