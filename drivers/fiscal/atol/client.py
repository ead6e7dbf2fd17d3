"""The ATOL fiscal registrar behind its Web Server (``/api/v2/requests``), as a :class:`FiscalRegistrar`.

Each operation is one JSON task in one request whose uuid the caller may choose (it is the idempotency
key); the result is polled, never re-posted. A lost answer to a mutating task raises OutcomeUnknown, and
:meth:`AtolWebServerRegistrar.resolve` settles it through the same uuid and then the fiscal storage.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import timezone

from drivers.base import (
    FiscalDeviceStatus,
    FiscalDocument,
    FiscalOutcome,
    FiscalReceipt,
    FiscalShiftStatus,
    FnInfo,
    OfdStatus,
    Operator,
    PendingFiscal,
    ReceiptKind,
)
from drivers.errors import OutcomeUnknown, ProtocolError
from drivers.fiscal.atol import recovery
from drivers.fiscal.atol._webserver import WebServerSession
from drivers.fiscal.atol.tasks import (
    MOSCOW,
    FnDocument,
    Task,
    bare_task,
    cash_task,
    fn_document_task,
    operator_task,
    parse_cash_counter,
    parse_device_info,
    parse_device_status,
    parse_document,
    parse_fn_document,
    parse_fn_info,
    parse_last_document_number,
    parse_ofd_status,
    parse_shift_status,
    receipt_task,
)
from drivers.transport.http import HttpClient

DEFAULT_PORT = 16732
LAST_DOCUMENT_TRUST_SECONDS = 300.0
"""How long the FD number this driver saw last is used without asking the FN again (see
:meth:`AtolWebServerRegistrar.last_document_number`)."""


class AtolWebServerRegistrar:
    """An ATOL registrar reached through ATOL Web Server (or ``yago sim atol``).

    ``connect_timeout`` bounds opening the HTTP connection, ``request_timeout`` each HTTP exchange,
    ``result_timeout`` the wait for a task to finish on the device (printing included); ``poll_interval``
    is the longest pause between polls. ``payments_place``/``payments_address`` override the
    registration values (tags 1187/1009) when set. ``device_tz`` is the zone of the device clock.
    """

    def __init__(
        self,
        base_url: str = f"http://127.0.0.1:{DEFAULT_PORT}",
        *,
        device_id: str = "fiscal-1",
        default_operator: Operator | None = None,
        payments_place: str | None = None,
        payments_address: str | None = None,
        connect_timeout: float = 3.0,
        request_timeout: float = 10.0,
        result_timeout: float = 60.0,
        poll_interval: float = 0.25,
        resolve_timeout: float = 5.0,
        auth: tuple[str, str] | None = None,
        device_tz: timezone = MOSCOW,
    ) -> None:
        self.device_id = device_id
        self.default_operator = default_operator
        self.payments_place = payments_place
        self.payments_address = payments_address
        self.device_tz = device_tz
        self.resolve_timeout = resolve_timeout
        self._client = HttpClient(base_url, connect_timeout=connect_timeout, request_timeout=request_timeout, auth=auth)
        self._session = WebServerSession(
            self._client, device_id=device_id, result_timeout=result_timeout, poll_interval=poll_interval
        )
        self._last_document: tuple[int, float] | None = None  # FD number and when it was learned
        self._moving = asyncio.Lock()
        """Held while a task this driver sent may move the FN: the number learned after it is then exact, and a
        caller asking for the last number meanwhile waits for it instead of asking the FN (whose Web Server
        would queue the question behind the same task anyway)."""

    def _learn_document(self, document: FiscalDocument) -> FiscalDocument:
        self._last_document = (document.document_number, time.monotonic())
        return document

    def _forget_document(self) -> None:
        self._last_document = None

    async def __aenter__(self) -> AtolWebServerRegistrar:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    def _operator(self, operator: Operator | None) -> Operator | None:
        return operator or self.default_operator

    def _document(self, raw: bytes | None, task_type: str, kind: ReceiptKind | None = None) -> FiscalDocument:
        try:
            return parse_document(raw, task_type, kind=kind, device_tz=self.device_tz)
        except ProtocolError as exc:
            # The device reported the document done; only its parameters are unreadable, so it is not "failed".
            raise OutcomeUnknown(exc.message, device_id=self.device_id) from exc

    # --------------------------------------------------------------------------------- documents

    async def _closing(
        self, task: Task, request_id: uuid.UUID | None, kind: ReceiptKind | None = None
    ) -> FiscalDocument:
        """Run a task that closes a fiscal document; its FD number becomes the last one known."""
        async with self._moving:
            self._forget_document()
            raw = await self._session.execute(task, request_id)
            return self._learn_document(self._document(raw, task.type, kind))

    async def _other_mutation(self, task: Task) -> bytes | None:
        async with self._moving:
            self._forget_document()
            return await self._session.execute(task)

    async def open_shift(self, operator: Operator, request_id: uuid.UUID | None = None) -> FiscalDocument:
        return await self._closing(operator_task("openShift", self._operator(operator)), request_id)

    async def close_shift(self, operator: Operator, request_id: uuid.UUID | None = None) -> FiscalDocument:
        return await self._closing(operator_task("closeShift", self._operator(operator)), request_id)

    async def report_x(self, operator: Operator) -> None:
        await self._other_mutation(operator_task("reportX", self._operator(operator)))

    async def register_receipt(self, receipt: FiscalReceipt, request_id: uuid.UUID) -> FiscalDocument:
        task = receipt_task(receipt, payments_place=self.payments_place, payments_address=self.payments_address)
        return await self._closing(task, request_id, receipt.kind)

    async def resolve(self, pending: PendingFiscal) -> FiscalOutcome:
        self._forget_document()
        return await recovery.resolve(
            self._session, pending, device_tz=self.device_tz, wait_timeout=self.resolve_timeout
        )

    async def fn_document(self, number: int) -> FnDocument:
        """A fiscal document read back from the FN (``getFnDocument``)."""
        return parse_fn_document(await self._session.execute(fn_document_task(number)), number, self.device_tz)

    # ------------------------------------------------------------------------------------ cash

    async def cash_in(self, amount: int, operator: Operator) -> int:
        raw = await self._other_mutation(cash_task("cashIn", amount, self._operator(operator)))
        return parse_cash_counter(raw, "cashIn")

    async def cash_out(self, amount: int, operator: Operator) -> int:
        raw = await self._other_mutation(cash_task("cashOut", amount, self._operator(operator)))
        return parse_cash_counter(raw, "cashOut")

    # ---------------------------------------------------------------------------------- status

    async def last_document_number(self) -> int:
        """The FN's last fiscal document number.

        After this driver itself closed a document, that document's number is the answer without asking
        the FN (the agent journals it before every receipt, and a sale then costs one exchange instead of
        two). While this driver is closing one, the answer waits for its number. Any other operation that
        could move the FN, a failure, a recovery or the passing of ``LAST_DOCUMENT_TRUST_SECONDS`` sends the
        next call to the FN again."""
        known = self._trusted_document()
        if known is not None:
            return known
        async with self._moving:
            known = self._trusted_document()
            if known is not None:
                return known
            number = parse_last_document_number(await self._session.execute(bare_task("getFnStatus")))
            self._last_document = (number, time.monotonic())
            return number

    def _trusted_document(self) -> int | None:
        known = self._last_document
        if known is not None and time.monotonic() - known[1] < LAST_DOCUMENT_TRUST_SECONDS:
            return known[0]
        return None

    async def shift_status(self) -> FiscalShiftStatus:
        return parse_shift_status(await self._session.execute(bare_task("getShiftStatus")), self.device_tz)

    async def device_status(self) -> FiscalDeviceStatus:
        return parse_device_status(await self._session.execute(bare_task("getDeviceStatus")))

    async def device_info(self) -> dict[str, object]:
        return parse_device_info(await self._session.execute(bare_task("getDeviceInfo")))

    async def fn_info(self) -> FnInfo:
        return parse_fn_info(await self._session.execute(bare_task("getFnInfo")), self.device_tz)

    async def ofd_status(self) -> OfdStatus:
        return parse_ofd_status(await self._session.execute(bare_task("ofdExchangeStatus")), self.device_tz)

    # -------------------------------------------------------------------------------- printing

    async def continue_print(self) -> None:
        """Print documents the FN closed while the paper was out or the cover open."""
        await self._other_mutation(bare_task("continuePrint"))

    async def print_last_receipt_copy(self) -> None:
        await self._other_mutation(bare_task("printLastReceiptCopy"))
