"""The ESC/POS receipt printer driver and the cash drawer on its kick-out connector.

Every job checks DLE EOT status first (paper, cover, online), is sent once under its job id, and is
confirmed by a second status query; an online printer answers each check in one round trip. A link lost
before the job reconnects with backoff; a link lost once job bytes may have gone out is OutcomeUnknown and
the job is never replayed under the same id.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from datetime import tzinfo
from pathlib import Path

from drivers.base import (
    KitchenTicket,
    PaperState,
    PrintableReceipt,
    PrinterStatus,
    PrintOutcome,
    PrintResult,
)
from drivers.errors import CoverOpen, DeviceError, DeviceTimeout, DeviceUnavailable, OutcomeUnknown, PaperOut
from drivers.printer.escpos import status as escpos_status
from drivers.printer.escpos._jobs import JobState, JobStore
from drivers.printer.escpos.layout import (
    DEFAULT_KITCHEN_LABELS,
    KitchenLabels,
    render_drawer_kick,
    render_kitchen_ticket,
    render_receipt,
    render_text,
)
from drivers.printer.escpos.profiles import PrinterProfile
from drivers.transport import Transport

log = logging.getLogger(__name__)


class EscPosPrinter:
    """A :class:`drivers.base.ReceiptPrinter` speaking ESC/POS over any :class:`Transport`."""

    def __init__(
        self,
        transport: Transport,
        profile: PrinterProfile,
        device_id: str = "printer-1",
        job_store_path: str | Path | None = None,
        *,
        tz: tzinfo | None = None,
        status_timeout: float = 1.0,
        write_timeout: float = 10.0,
        reconnect_attempts: int = 3,
        reconnect_backoff: float = 0.2,
        max_job_ids: int = 2000,
        kitchen_labels: KitchenLabels = DEFAULT_KITCHEN_LABELS,
    ) -> None:
        self.device_id = device_id
        self.profile = profile
        self.transport = transport
        self.tz = tz
        self.status_timeout = status_timeout
        self.write_timeout = write_timeout
        self.reconnect_attempts = max(1, reconnect_attempts)
        self.reconnect_backoff = reconnect_backoff
        self.kitchen_labels = kitchen_labels
        self._jobs = JobStore(Path(job_store_path) if job_store_path is not None else None, max_entries=max_job_ids)
        self._lock = asyncio.Lock()

    # ------------------------------------------------------------------------------------ public API

    async def print_receipt(self, receipt: PrintableReceipt) -> PrintResult:
        return await self._run_job(receipt.job_id, lambda: render_receipt(receipt, self.profile))

    async def print_kitchen_ticket(self, ticket: KitchenTicket) -> PrintResult:
        return await self._run_job(
            ticket.job_id,
            lambda: render_kitchen_ticket(ticket, self.profile, tz=self.tz, labels=self.kitchen_labels),
        )

    async def print_text(self, job_id: str, lines: Sequence[str]) -> PrintResult:
        return await self._run_job(job_id, lambda: render_text(lines, self.profile))

    async def status(self) -> PrinterStatus:
        """The printer's answer to DLE EOT 1/2/4; ``online=None`` when it cannot be reached or is silent."""
        async with self._lock:
            try:
                # A poll retries once (a stale link), not the whole backoff a job gets: pollers come back anyway.
                return await self._status_with_reconnect(attempts=min(2, self.reconnect_attempts))
            except DeviceUnavailable:
                return escpos_status.UNKNOWN

    async def kick_drawer(self, pin: int | None = None) -> None:
        """Pulse the drawer on connector pin 2 or 5 (the profile's first wired pin by default)."""
        pin = self.profile.drawer_pins[0] if pin is None else pin
        if pin not in self.profile.drawer_pins:
            raise ValueError(f"profile {self.profile.name} has no drawer on pin {pin}")
        async with self._lock:
            await self._ensure_ready()
            await self._send(render_drawer_kick(self.profile, pin), what="drawer kick")
            await self._confirm(what="drawer kick")

    async def aclose(self) -> None:
        self._jobs.close()
        await self.transport.close()

    # ------------------------------------------------------------------------------------ jobs

    async def _run_job(self, job_id: str, render: Callable[[], bytes]) -> PrintResult:
        async with self._lock:
            state = self._jobs.state(job_id)
            if state is JobState.PRINTED:
                return PrintResult(job_id=job_id, outcome=PrintOutcome.ALREADY_PRINTED)
            if state is JobState.SENT:
                raise OutcomeUnknown(
                    f"job {job_id} was sent before and not confirmed; print it again under a new job id",
                    device_id=self.device_id,
                )
            data = render()  # a layout error surfaces before the printer is touched
            await self._ensure_ready()
            # fsync on an SD card can take tens of milliseconds: keep it off the event loop
            await asyncio.to_thread(self._jobs.mark_sent, job_id)
            await self._send(data, what=f"job {job_id}")
            await self._confirm(what=f"job {job_id}")
            self._jobs.mark_printed(job_id)  # not fsynced (see JobStore): no wait on the loop
            log.debug("printed job_id=%s bytes=%d device=%s", job_id, len(data), self.device_id)
            return PrintResult(job_id=job_id, outcome=PrintOutcome.PRINTED)

    async def _ensure_ready(self) -> PrinterStatus:
        status = await self._status_with_reconnect(brief=True)
        if status.online is None:
            raise DeviceUnavailable("the printer does not answer status queries", device_id=self.device_id)
        if status.paper is PaperState.OUT:
            raise PaperOut("the printer is out of paper", device_id=self.device_id)
        if status.cover_open:
            raise CoverOpen("the printer cover is open", device_id=self.device_id)
        if not status.online:
            raise DeviceUnavailable("the printer is offline", device_id=self.device_id)
        return status

    async def _send(self, data: bytes, *, what: str) -> None:
        try:
            await self.transport.write(data, self.write_timeout)
        except DeviceError as exc:
            await self._disconnect()
            raise OutcomeUnknown(
                f"{what}: the link failed while sending ({exc.message}); it may have printed",
                device_id=self.device_id,
            ) from exc

    async def _confirm(self, *, what: str) -> None:
        """Raw 9100 and serial have no acknowledgement: a status answer after the bytes is the receipt."""
        try:
            after = await self._read_status(brief=True)
        except DeviceError as exc:
            await self._disconnect()
            raise OutcomeUnknown(
                f"{what}: the printer did not confirm ({exc.message}); it may have printed",
                device_id=self.device_id,
            ) from exc
        if after.online is None:
            raise OutcomeUnknown(f"{what}: the printer stopped answering after the job", device_id=self.device_id)
        if after.paper is PaperState.OUT:
            raise OutcomeUnknown(f"{what}: paper ran out during the job", code="paper_out", device_id=self.device_id)
        if after.cover_open:
            raise OutcomeUnknown(
                f"{what}: the cover opened during the job", code="cover_open", device_id=self.device_id
            )

    # ------------------------------------------------------------------------------------ status and link

    async def _status_with_reconnect(self, attempts: int | None = None, *, brief: bool = False) -> PrinterStatus:
        """Status, reconnecting with exponential backoff; only safe before any job byte is sent."""
        last: DeviceError | None = None
        for attempt in range(attempts or self.reconnect_attempts):
            if attempt:
                await asyncio.sleep(self.reconnect_backoff * 2 ** (attempt - 1))
            try:
                if not self.transport.is_open:
                    await self.transport.open()
                return await self._read_status(brief=brief)
            except (DeviceUnavailable, DeviceTimeout) as exc:
                last = exc
                log.warning("printer link failed device=%s attempt=%d error=%s", self.device_id, attempt + 1, exc)
                await self._disconnect()
        assert last is not None
        raise DeviceUnavailable(f"{self.transport.name}: {last.message}", device_id=self.device_id) from last

    async def _read_status(self, *, brief: bool = False) -> PrinterStatus:
        """DLE EOT 1, 2 and 4. ``brief``: an online answer to n = 1 is taken as the whole status, because a
        printer stops and goes offline on an open cover or a paper end; the causes are asked only then
        (paper near-end, which does not stop it, stays unknown: a job does not need it)."""
        printer = await self._query(escpos_status.PRINTER)
        if printer is None:
            return escpos_status.UNKNOWN
        if brief and not printer & escpos_status.OFFLINE:
            return escpos_status.decode_online(printer, drawer_open_signal_high=self.profile.drawer_open_signal_high)
        offline_cause = await self._query(escpos_status.OFFLINE_CAUSE)
        paper = await self._query(escpos_status.PAPER)
        return escpos_status.decode(
            printer, offline_cause, paper, drawer_open_signal_high=self.profile.drawer_open_signal_high
        )

    async def _query(self, n: int) -> int | None:
        """One DLE EOT round trip; None when the reply is missing or is not a status byte."""
        await self.transport.reset_input()  # a late reply to an earlier query must not answer this one
        await self.transport.write(escpos_status.query(n), self.write_timeout)
        reply = await self.transport.read(1, self.status_timeout)
        if not reply or not escpos_status.is_status_byte(reply[0]):
            return None
        return reply[0]

    async def _disconnect(self) -> None:
        with contextlib.suppress(DeviceError):  # closing a dead link: nothing left to release
            await self.transport.close()


class EscPosCashDrawer:
    """A :class:`drivers.base.CashDrawer` opened by the printer's kick pulse (``ESC p``)."""

    def __init__(self, printer: EscPosPrinter, *, pin: int | None = None, device_id: str = "drawer-1") -> None:
        self.device_id = device_id
        self.printer = printer
        self.pin = pin

    async def open(self) -> None:
        await self.printer.kick_drawer(self.pin)
