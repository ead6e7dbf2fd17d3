"""A card terminal takes one conversation at a time: a status poll must never make a cashier's payment fail
as busy. The guard queues operations behind a poll in progress and skips polls while an operation runs."""

from __future__ import annotations

import asyncio

from drivers.base import (
    CardResult,
    EndOfDayResult,
    PaymentTerminal,
    PendingCard,
    StatusCallback,
    TerminalStatus,
)


class GuardedTerminal:
    """A :class:`PaymentTerminal` wrapping another; ``abort`` goes straight through (it is meant mid-payment)."""

    def __init__(self, inner: PaymentTerminal) -> None:
        self.inner = inner
        self.device_id = inner.device_id
        self._lock = asyncio.Lock()

    @property
    def operation_running(self) -> bool:
        return self._lock.locked()

    async def sale(self, amount: int, reference: str, on_status: StatusCallback | None = None) -> CardResult:
        async with self._lock:
            return await self.inner.sale(amount, reference, on_status)

    async def refund(self, amount: int, reference: str, on_status: StatusCallback | None = None) -> CardResult:
        async with self._lock:
            return await self.inner.refund(amount, reference, on_status)

    async def reverse(
        self, receipt_number: int, amount: int, reference: str, on_status: StatusCallback | None = None
    ) -> CardResult:
        async with self._lock:
            return await self.inner.reverse(receipt_number, amount, reference, on_status)

    async def abort(self) -> None:
        await self.inner.abort()

    async def resolve(self, pending: PendingCard) -> CardResult:
        async with self._lock:
            return await self.inner.resolve(pending)

    async def end_of_day(self) -> EndOfDayResult:
        async with self._lock:
            return await self.inner.end_of_day()

    async def status(self) -> TerminalStatus:
        if self._lock.locked():
            # the driver answers from what it knows without talking to a terminal that is mid-payment
            return await self.inner.status()
        async with self._lock:
            return await self.inner.status()

    async def repeat_last(self) -> CardResult | None:
        async with self._lock:
            return await self.inner.repeat_last()

    async def aclose(self) -> None:
        await self.inner.aclose()
