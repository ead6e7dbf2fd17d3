"""``ZvtTerminal``: the ECR side of ZVT over TCP or a serial line, as a :class:`drivers.base.PaymentTerminal`.

The link is opened lazily and registered (06 00) once per connection; a link that failed is dropped and
reopened with backoff on the next call. A payment whose answer was lost comes back UNKNOWN and is never
sent again by the driver; :meth:`ZvtTerminal.resolve` settles it from the terminal's last receipt (06 20).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path

from drivers.base import (
    CardOperation,
    CardOutcome,
    CardResult,
    EndOfDayResult,
    PendingCard,
    StatusCallback,
    TerminalStatus,
)
from drivers.errors import DeviceBusy, DeviceError, DeviceUnavailable, OutcomeUnknown
from drivers.payment.zvt import apdu as a
from drivers.payment.zvt import bmp as b
from drivers.payment.zvt._connection import (
    CONFIG_BYTE,
    Connection,
    LinkSettings,
    SerialEndpoint,
    TcpEndpoint,
)
from drivers.payment.zvt._exchange import (
    CommandNotSent,
    CommandRefused,
    Exchange,
    ExchangeBroken,
    Handlers,
    run_exchange,
)
from drivers.payment.zvt._journal import DriverJournal, status_record
from drivers.payment.zvt._link import LinkLost
from drivers.payment.zvt._recovery import decide
from drivers.payment.zvt._results import card_result
from drivers.payment.zvt.apdu import Apdu
from drivers.payment.zvt.messages import IntermediateStatus, StatusInformation
from drivers.payment.zvt.texts import Language, intermediate_text, result_text, terminal_status_text

__all__ = ["CONFIG_BYTE", "DEFAULT_PASSWORD", "SerialEndpoint", "TcpEndpoint", "ZvtTerminal"]

log = logging.getLogger(__name__)

DEFAULT_PASSWORD = "000000"
_REMEMBERED_TRACES = 200
_IN_PROGRESS = ("Выполняется операция по карте", "Card operation in progress")


class ZvtTerminal:
    """One ZVT terminal. Timeouts in seconds: ``t3`` for each acknowledgement, ``t4`` between the PT's
    messages (restarted by each), ``end_of_day_timeout`` for the whole end-of-day. ``terminal_tz`` is
    the zone of the terminal's clock (BMP 0C/0D carry local time); the host's zone by default."""

    def __init__(
        self,
        endpoint: TcpEndpoint | SerialEndpoint,
        *,
        password: str = DEFAULT_PASSWORD,
        currency: int = 643,
        device_id: str = "terminal-1",
        t3: float = 5.0,
        t4: float = 180.0,
        end_of_day_timeout: float = 600.0,
        connect_timeout: float = 5.0,
        link_ack_timeout: float = 1.0,
        journal_path: Path | str | None = None,
        language: Language = "ru",
        encoding: str = "cp866",
        terminal_tz: tzinfo | None = None,
        reconnect_attempts: int = 3,
        reconnect_backoff: float = 0.2,
        clock_tolerance: float = 2.0,
        text_blocks: bool = True,
    ) -> None:
        self.endpoint = endpoint
        self.device_id = device_id
        self.language: Language = language
        self.encoding = encoding
        self.end_of_day_timeout = end_of_day_timeout
        self.terminal_tz = terminal_tz or datetime.now(UTC).astimezone().tzinfo or UTC
        self.clock_tolerance = timedelta(seconds=clock_tolerance)
        self.reconnect_attempts = max(1, reconnect_attempts)
        self.journal = DriverJournal(journal_path, device_id)
        self._password = b.encode_password(password)  # a malformed password fails now, not at the first sale
        self._conn = Connection(
            endpoint,
            LinkSettings(
                password=self._password,
                currency=currency,
                device_id=device_id,
                t3=t3,
                t4=t4,
                connect_timeout=connect_timeout,
                link_ack_timeout=link_ack_timeout,
                reconnect_attempts=self.reconnect_attempts,
                reconnect_backoff=reconnect_backoff,
                text_blocks=text_blocks,
                language=language,
                encoding=encoding,
            ),
        )
        self.currency = currency
        self._busy = asyncio.Lock()
        self._running: str | None = None
        self._operations: dict[int, CardOperation] = {}  # trace → what we sent, for repeat_last

    @classmethod
    def tcp(cls, host: str, port: int = 20007, **kwargs: object) -> ZvtTerminal:
        return cls(TcpEndpoint(host, port), **kwargs)  # type: ignore[arg-type]

    @classmethod
    def serial(cls, device: str, baudrate: int = 9600, **kwargs: object) -> ZvtTerminal:
        return cls(SerialEndpoint(device, baudrate), **kwargs)  # type: ignore[arg-type]

    @property
    def terminal_id(self) -> str | None:
        """As the terminal reported it at registration (BMP 29)."""
        return self._conn.terminal_id

    # ------------------------------------------------------------------------------- plumbing

    @contextlib.asynccontextmanager
    async def _operation(self, kind: str) -> AsyncIterator[None]:
        """One operation at a time. A status poll in flight is waited for; anything else refuses."""
        if self._busy.locked() and self._running != "status":
            raise DeviceBusy("another card operation is running", device_id=self.device_id)
        async with self._busy:
            self._running = kind
            try:
                yield
            finally:
                self._running = None

    def _handlers(
        self,
        on_status: StatusCallback | None = None,
        on_info: Callable[[StatusInformation], None] | None = None,
    ) -> Handlers:
        def intermediate(status: IntermediateStatus) -> None:
            if on_status is None:
                return
            text = " ".join(status.texts) or intermediate_text(status.code, self.language)
            try:
                on_status(text)
            except Exception:  # the cashier's screen must not break the payment
                log.exception("ZVT status callback failed")

        return Handlers(encoding=self.encoding, on_intermediate=intermediate, on_status_information=on_info)

    def _result(
        self,
        operation: CardOperation,
        amount: int,
        exchange: Exchange,
        *,
        broken: str | None = None,
        recovered: bool = False,
    ) -> CardResult:
        return card_result(
            operation,
            amount,
            exchange,
            broken=broken,
            recovered=recovered,
            terminal_id=self._conn.terminal_id,
            language=self.language,
            tz=self.terminal_tz,
        )

    # -------------------------------------------------------------------------------- payments

    async def sale(self, amount: int, reference: str, on_status: StatusCallback | None = None) -> CardResult:
        data = b.encode_bmps([(0x04, b.encode_amount(amount)), (0x49, b.encode_currency(self.currency))])
        return await self._payment(CardOperation.SALE, Apdu(*a.AUTHORIZATION, data), amount, reference, on_status)

    async def refund(self, amount: int, reference: str, on_status: StatusCallback | None = None) -> CardResult:
        data = self._password + b.encode_bmps(
            [(0x04, b.encode_amount(amount)), (0x49, b.encode_currency(self.currency))]
        )
        return await self._payment(CardOperation.REFUND, Apdu(*a.REFUND, data), amount, reference, on_status)

    async def reverse(
        self, receipt_number: int, amount: int, reference: str, on_status: StatusCallback | None = None
    ) -> CardResult:
        data = self._password + b.encode_bmp(0x87, b.bcd_encode(receipt_number, 2))
        return await self._payment(CardOperation.REVERSAL, Apdu(*a.REVERSAL, data), amount, reference, on_status)

    async def _payment(
        self, operation: CardOperation, command: Apdu, amount: int, reference: str, on_status: StatusCallback | None
    ) -> CardResult:
        async with self._operation(operation.value):
            link = await self._conn.connect()  # raises before anything is sent: safe for the caller to retry

            def journal_info(info: StatusInformation) -> None:
                self.journal.write(
                    "status_information", reference=reference, operation=operation.value, **status_record(info)
                )

            self.journal.write("command", reference=reference, operation=operation.value, amount=amount)
            settings = self._conn.settings
            broken: str | None = None
            try:
                exchange = await run_exchange(
                    link, command, t3=settings.t3, t4=settings.t4, handlers=self._handlers(on_status, journal_info)
                )
            except CommandNotSent as exc:
                await self._conn.forget(link)
                raise DeviceUnavailable(f"{operation.value}: {exc}", device_id=self.device_id) from exc
            except CommandRefused as exc:
                raise self._conn.refusal(operation.value, exc.code) from exc
            except ExchangeBroken as exc:
                await self._conn.forget(link)
                exchange, broken = exc.exchange, exc.reason
                log.warning("ZVT %s %s: outcome unknown (%s)", operation.value, reference, exc.reason)
            result = self._result(operation, amount, exchange, broken=broken)
            self._remember(result)
            self.journal.write(
                "result",
                reference=reference,
                operation=operation.value,
                outcome=result.outcome.value,
                result_code=result.result_code,
                trace=result.trace_number,
                receipt_number=result.receipt_number,
                message=result.message,
            )
            return result

    def _remember(self, result: CardResult) -> None:
        if result.trace_number is not None:
            self._operations[result.trace_number] = result.operation
            while len(self._operations) > _REMEMBERED_TRACES:
                del self._operations[next(iter(self._operations))]

    async def abort(self) -> None:
        """Send 06 B0 while an operation runs. The terminal may refuse or ignore it; the operation's own
        answer (06 1E, or a completed sale) is still the verdict."""
        link = self._conn.link
        if link is None or not self._busy.locked():
            return
        try:
            await link.send(Apdu(*a.ABORT))
        except LinkLost as exc:
            log.info("ZVT abort not delivered: %s", exc)

    async def resolve(self, pending: PendingCard) -> CardResult:
        async with self._operation("resolve"):
            await self._conn.drop()
            now = datetime.now(UTC)
            try:
                exchange = await self._repeat_receipt(retries=self.reconnect_attempts)
            except DeviceError as exc:
                log.warning("ZVT resolve %s: %s", pending.reference, exc)
                return CardResult(
                    outcome=CardOutcome.UNKNOWN,
                    operation=pending.operation,
                    amount=pending.amount,
                    message=f"check the terminal: {exc.message}",
                )
            verdict = decide(pending, exchange.status, tz=self.terminal_tz, now=now, tolerance=self.clock_tolerance)
            self.journal.write(
                "resolve",
                reference=pending.reference,
                operation=pending.operation.value,
                outcome=verdict.outcome.value,
                message=verdict.message,
                last_trace=exchange.status.trace if exchange.status else None,
            )
            if not verdict.matched:
                return CardResult(
                    outcome=verdict.outcome,
                    operation=pending.operation,
                    amount=pending.amount,
                    message=verdict.message,
                )
            result = self._result(pending.operation, pending.amount, exchange, recovered=True)
            self._remember(result)
            return replace(
                result, message=f"{verdict.message}; {result.message}" if result.message else verdict.message
            )

    async def _repeat_receipt(self, *, retries: int = 2) -> Exchange:
        return await self._conn.query(Apdu(*a.REPEAT_RECEIPT, self._password), "repeat receipt", retries=retries)

    async def repeat_last(self) -> CardResult | None:
        async with self._operation("repeat_last"):
            exchange = await self._repeat_receipt()
            info = exchange.status
            if info is None:
                return None
            operation = self._operations.get(info.trace or -1, CardOperation.SALE)
            return self._result(operation, info.amount or 0, exchange, recovered=True)

    # ----------------------------------------------------------------------------- administration

    async def end_of_day(self) -> EndOfDayResult:
        async with self._operation("end_of_day"):
            link = await self._conn.connect()
            try:
                exchange = await self._conn.run(
                    link,
                    Apdu(*a.END_OF_DAY, self._password),
                    what="end-of-day",
                    handlers=self._handlers(),
                    deadline=time.monotonic() + self.end_of_day_timeout,
                )
            except DeviceUnavailable as exc:
                if isinstance(exc.__cause__, CommandNotSent):
                    raise
                raise OutcomeUnknown(
                    f"{exc.message}; the batch may or may not be closed", device_id=self.device_id
                ) from exc
            info = exchange.status
            code = exchange.pt_abort.result_code if exchange.pt_abort else info.result_code if info else None
            ok = exchange.completion is not None and code in (None, 0)
            self.journal.write("end_of_day", ok=ok, result_code=code, total=info.amount if info else None)
            return EndOfDayResult(
                ok=ok,
                total=(info.amount or 0) if info else 0,
                count=info.totals.count if info and info.totals else 0,
                result_code=code,
                message=result_text(code if code is not None else 0, self.language),
                receipt_lines=tuple(exchange.receipt_lines),
            )

    async def status(self) -> TerminalStatus:
        if self._busy.locked():
            # the PT is master during an operation; a status enquiry now would break the exchange
            message = _IN_PROGRESS[0 if self.language == "ru" else 1]
            return TerminalStatus(ready=True, message=message, terminal_id=self._conn.terminal_id)
        async with self._operation("status"):
            exchange = await self._conn.query(Apdu(*a.STATUS_ENQUIRY, self._password), "status enquiry")
            completion = exchange.completion
            if completion is None:
                code = exchange.pt_abort.result_code if exchange.pt_abort else 0xFF
                return TerminalStatus(ready=False, message=result_text(code, self.language))
            state = completion.terminal_status or 0
            terminal_id = completion.tlv_terminal_id() or completion.terminal_id or self._conn.terminal_id
            return TerminalStatus(
                ready=state == 0, message=terminal_status_text(state, self.language), terminal_id=terminal_id
            )

    async def aclose(self) -> None:
        await self._conn.drop()
