"""Fixtures for the fiscal driver suite: an ATOL emulator per test on a free port with its own state and
journal directories, a driver pointed at it, and helpers to drive the emulator's admin endpoints."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from drivers.base import (
    FiscalItem,
    FiscalPayment,
    FiscalPaymentType,
    FiscalReceipt,
    Operator,
    PendingFiscal,
    ReceiptKind,
    TaxationType,
    VatRate,
)
from drivers.fiscal import AtolWebServerRegistrar
from drivers.sim.atol import AtolEmulator

OPERATOR = Operator(name="Кассир Иванова")


@dataclass
class Harness:
    """The emulator under test; ``restart`` brings a new process-equivalent up on the same dirs and port."""

    state_dir: Path
    journal_dir: Path
    emu: AtolEmulator
    http: httpx.Client = field(default_factory=lambda: httpx.Client(verify=False, timeout=5.0))

    @property
    def url(self) -> str:
        return self.emu.url

    def restart(self) -> AtolEmulator:
        self.emu.stop()
        return self.start_again()

    def start_again(self) -> AtolEmulator:
        """A fresh emulator on the stopped one's port and directories."""
        self.emu = AtolEmulator(self.state_dir, self.journal_dir, port=self.emu.port)
        self.emu.start()
        return self.emu

    def journal_numbers(self) -> list[int]:
        """FD numbers of the documents in the journal (registration report included)."""
        return sorted(int(p.stem) for p in self.journal_dir.glob("[0-9][0-9][0-9][0-9][0-9][0-9].json"))

    def receipts_in_journal(self, total: int) -> int:
        count = 0
        for number in self.journal_numbers():
            record = self.emu.device.store.load_document(number)
            if record is not None and record.operation is not None and record.total == total:
                count += 1
        return count

    def paper(self, number: int) -> Path:
        return self.journal_dir / f"{number:06d}.txt"

    def admin(self, path: str, body: dict[str, object] | None = None) -> dict[str, object]:
        url = f"{self.url}/admin/{path}"
        response = self.http.post(url, json=body) if body is not None else self.http.get(url)
        response.raise_for_status()
        data = response.json()
        assert isinstance(data, dict)
        return data

    def faults(self, **changes: object) -> dict[str, object]:
        return self.admin("faults", changes)

    def advance(self, seconds: float) -> None:
        self.admin("clock", {"advanceSeconds": seconds})


@pytest.fixture
def atol(tmp_path: Path) -> Iterator[Harness]:
    harness = Harness(
        tmp_path / "state", tmp_path / "journal", AtolEmulator(tmp_path / "state", tmp_path / "journal", port=0)
    )
    harness.emu.start()
    yield harness
    harness.http.close()
    harness.emu.stop()


@pytest.fixture
async def registrar(atol: Harness) -> AsyncIterator[AtolWebServerRegistrar]:
    driver = AtolWebServerRegistrar(
        atol.url, connect_timeout=1.0, request_timeout=3.0, result_timeout=5.0, poll_interval=0.02, resolve_timeout=1.0
    )
    yield driver
    await driver.aclose()


@pytest.fixture
async def open_shift(registrar: AtolWebServerRegistrar) -> AtolWebServerRegistrar:
    await registrar.open_shift(OPERATOR)
    return registrar


def item(
    price: int = 25010,
    quantity: str = "1",
    amount: int | None = None,
    vat: VatRate = VatRate.VAT22,
    name: str = "Капучино 0,3",
    discount: int = 0,
) -> FiscalItem:
    if amount is None:
        amount = int((Decimal(price) * Decimal(quantity)).to_integral_value()) - discount
    return FiscalItem(name=name, price=price, quantity=Decimal(quantity), amount=amount, vat=vat, discount=discount)


def receipt(
    items: Sequence[FiscalItem] | None = None,
    payments: Sequence[tuple[FiscalPaymentType, int]] | None = None,
    kind: ReceiptKind = ReceiptKind.SELL,
    **extra: object,
) -> FiscalReceipt:
    items = list(items or [item()])
    total = sum(i.amount for i in items)
    pays = [FiscalPayment(type=t, amount=a) for t, a in (payments or [(FiscalPaymentType.ELECTRONICALLY, total)])]
    return FiscalReceipt(
        kind=kind,
        items=items,
        payments=pays,
        operator=OPERATOR,
        taxation_type=TaxationType.USN_INCOME,
        **extra,  # type: ignore[arg-type]
    )


async def pending_for(registrar: AtolWebServerRegistrar, sale: FiscalReceipt) -> PendingFiscal:
    """What the agent journals before sending ``sale``."""
    return PendingFiscal(
        request_id=uuid.uuid4(),
        kind=sale.kind,
        total=sale.total,
        last_known_document_number=await registrar.last_document_number(),
        started_at=datetime.now(UTC),
    )
