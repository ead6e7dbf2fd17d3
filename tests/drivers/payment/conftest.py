"""Fixtures for the card terminal suite: a ZVT emulator per test (TCP on a free port, or a pty pair) with
its own journal directory, and drivers pointed at it with short timeouts."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest

from drivers.base import CardOperation, PendingCard
from drivers.payment import SerialEndpoint, TcpEndpoint, ZvtTerminal
from drivers.sim.zvt import ZvtEmulator

FAST = {"t3": 1.0, "t4": 1.0, "link_ack_timeout": 0.3, "reconnect_backoff": 0.05, "connect_timeout": 1.0}


@dataclass
class Rig:
    """An emulator and the drivers made against it; ``restart`` brings a new emulator up on the same journal."""

    transport: str
    journal_dir: Path
    driver_journal: Path
    emu: ZvtEmulator
    terminals: list[ZvtTerminal] = field(default_factory=list)

    @property
    def endpoint(self) -> TcpEndpoint | SerialEndpoint:
        if self.transport == "pty":
            return SerialEndpoint(self.emu.pty_path)
        return TcpEndpoint("127.0.0.1", self.emu.port)

    def terminal(self, **overrides: object) -> ZvtTerminal:
        options: dict[str, object] = {**FAST, "journal_path": self.driver_journal, **overrides}
        terminal = ZvtTerminal(self.endpoint, **options)  # type: ignore[arg-type]
        self.terminals.append(terminal)
        return terminal

    def restart(self) -> ZvtEmulator:
        port = self.emu.port
        self.emu.stop()
        self.emu = make_emulator(self.journal_dir, self.transport, port=port)
        return self.emu

    def driver_events(self, event: str) -> list[dict[str, object]]:
        if not self.driver_journal.exists():
            return []
        lines = self.driver_journal.read_text(encoding="utf-8").splitlines()
        return [record for record in map(json.loads, lines) if record["event"] == event]


def make_emulator(journal_dir: Path, transport: str, port: int = 0) -> ZvtEmulator:
    emu = ZvtEmulator(journal_dir, port=port, pty=transport == "pty", t3=1.0, link_ack_timeout=0.3)
    emu.start()
    return emu


def pending(amount: int, last_known_trace: int | None, operation: CardOperation = CardOperation.SALE) -> PendingCard:
    return PendingCard(
        reference="order-1",
        operation=operation,
        amount=amount,
        last_known_trace=last_known_trace,
        started_at=datetime.now(UTC),
    )


async def _rig(tmp_path: Path, transport: str) -> AsyncIterator[Rig]:
    rig = Rig(
        transport, tmp_path / "terminal", tmp_path / "driver.jsonl", make_emulator(tmp_path / "terminal", transport)
    )
    try:
        yield rig
    finally:
        for terminal in rig.terminals:
            await terminal.aclose()
        rig.emu.stop()


@pytest.fixture(params=["tcp", "pty"])
async def rig(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Rig]:
    """The emulator over each transport in turn."""
    async for value in _rig(tmp_path, request.param):
        yield value


@pytest.fixture
async def tcp_rig(tmp_path: Path) -> AsyncIterator[Rig]:
    async for value in _rig(tmp_path, "tcp"):
        yield value
