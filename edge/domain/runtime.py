"""The agent's running state handed to every service: settings, database, catalog cache, devices, sync,
metrics, per-order locks, live card prompts and screen pairing codes. Built in the app lifespan, never at import.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from drivers.base import CashDrawer, FiscalRegistrar, PaymentTerminal, ReceiptPrinter
from edge.db.session import Database
from edge.domain.catalog.cache import CatalogCache
from edge.domain.ops.crash import CrashPoints
from edge.domain.ops.metrics import Metrics
from edge.domain.screens.services import PairingCodes
from edge.settings import Settings
from edge.sync.service import SyncService
from protocols.events import DeviceHealth
from protocols.ids import utcnow


class Devices(Protocol):
    """What the agent needs of the device manager (edge.devices.DeviceManager satisfies it)."""

    @property
    def fiscal(self) -> FiscalRegistrar | None: ...
    @property
    def printer(self) -> ReceiptPrinter | None: ...
    @property
    def terminal(self) -> PaymentTerminal | None: ...
    @property
    def drawer(self) -> CashDrawer | None: ...
    def health(self) -> Sequence[DeviceHealth]: ...


class NoDevices:
    """A box with no devices configured (or before the manager starts)."""

    fiscal: FiscalRegistrar | None = None
    printer: ReceiptPrinter | None = None
    terminal: PaymentTerminal | None = None
    drawer: CashDrawer | None = None

    def health(self) -> Sequence[DeviceHealth]:
        return []


@dataclass(eq=False)
class Runtime:
    settings: Settings
    db: Database
    catalog: CatalogCache
    version: str
    devices: Devices = field(default_factory=NoDevices)
    sync: SyncService | None = None
    metrics: Metrics = field(default_factory=Metrics)
    crash: CrashPoints = field(default_factory=CrashPoints.from_env)
    started_at: datetime = field(default_factory=utcnow)
    ready: bool = False
    recovery_pending: int = 0
    card_prompts: dict[str, list[str]] = field(default_factory=dict)
    pairing: PairingCodes = field(default_factory=PairingCodes)
    _order_locks: dict[str, asyncio.Lock] = field(default_factory=dict)
    _lock_users: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))
    device_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @asynccontextmanager
    async def order_lock(self, order_id: str) -> AsyncIterator[None]:
        """One saga at a time per order: a double-tapped Pay waits and then sees the first one's result.
        The lock is dropped when nobody holds or awaits it, so a long-running agent keeps none."""
        lock = self._order_locks.setdefault(order_id, asyncio.Lock())
        self._lock_users[order_id] += 1
        try:
            async with lock:
                yield
        finally:
            self._lock_users[order_id] -= 1
            if not self._lock_users[order_id]:
                del self._lock_users[order_id]
                self._order_locks.pop(order_id, None)

    async def notify_sync(self) -> None:
        if self.sync is not None:
            self.sync.notify()
