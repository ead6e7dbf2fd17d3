"""Device interfaces and neutral input/result types shared by every driver and emulator.

Money is integer kopecks; a driver converts to the device's own units only at its wire boundary.
Results say approved, declined or *unknown* explicitly, and carry the device's own identifiers.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Protocol, runtime_checkable

# --------------------------------------------------------------------------------------------- fiscal


class VatRate(StrEnum):
    """VAT rates as the fiscal registrar spells them (tag 1199); 1xx are the advance-payment rates."""

    NONE = "none"
    VAT0 = "vat0"
    VAT5 = "vat5"
    VAT7 = "vat7"
    VAT10 = "vat10"
    VAT20 = "vat20"
    VAT22 = "vat22"
    VAT105 = "vat105"
    VAT107 = "vat107"
    VAT110 = "vat110"
    VAT120 = "vat120"
    VAT122 = "vat122"


VAT_PERCENT: dict[VatRate, tuple[int, int]] = {
    # (numerator, denominator) of the tax included in a gross amount
    VatRate.NONE: (0, 1),
    VatRate.VAT0: (0, 1),
    VatRate.VAT5: (5, 105),
    VatRate.VAT7: (7, 107),
    VatRate.VAT10: (10, 110),
    VatRate.VAT20: (20, 120),
    VatRate.VAT22: (22, 122),
    VatRate.VAT105: (5, 105),
    VatRate.VAT107: (7, 107),
    VatRate.VAT110: (10, 110),
    VatRate.VAT120: (20, 120),
    VatRate.VAT122: (22, 122),
}


class PaymentMethod(StrEnum):
    """Tag 1214. An ordinary counter sale is ``fullPayment``."""

    FULL_PREPAYMENT = "fullPrepayment"
    PREPAYMENT = "prepayment"
    ADVANCE = "advance"
    FULL_PAYMENT = "fullPayment"
    PARTIAL_PAYMENT = "partialPayment"
    CREDIT = "credit"
    CREDIT_PAYMENT = "creditPayment"


class PaymentObject(StrEnum):
    """Tag 1212 (the subset a café or restaurant uses)."""

    COMMODITY = "commodity"
    EXCISE = "excise"
    JOB = "job"
    SERVICE = "service"
    PAYMENT = "payment"
    AGENT_COMMISSION = "agentCommission"
    COMPOSITE = "composite"
    ANOTHER = "another"
    DEPOSIT = "deposit"
    COMMODITY_WITHOUT_MARKING = "commodityWithoutMarking"
    COMMODITY_WITH_MARKING = "commodityWithMarking"


class MeasurementUnit(StrEnum):
    """Tag 2108 (FFD 1.2)."""

    PIECE = "piece"
    GRAM = "gram"
    KILOGRAM = "kilogram"
    MILLILITER = "milliliter"
    LITER = "liter"
    OTHER = "otherUnits"


class FiscalPaymentType(StrEnum):
    CASH = "cash"
    ELECTRONICALLY = "electronically"
    PREPAID = "prepaid"
    CREDIT = "credit"
    OTHER = "other"


class TaxationType(StrEnum):
    OSN = "osn"
    USN_INCOME = "usnIncome"
    USN_INCOME_OUTCOME = "usnIncomeOutcome"
    ESN = "esn"
    PATENT = "patent"


class ReceiptKind(StrEnum):
    """Fiscal receipt operation (tag 1054: sell = приход, sellReturn = возврат прихода)."""

    SELL = "sell"
    SELL_RETURN = "sellReturn"
    SELL_CORRECTION = "sellCorrection"
    SELL_RETURN_CORRECTION = "sellReturnCorrection"


@dataclass(frozen=True, slots=True, kw_only=True)
class Operator:
    name: str
    vatin: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class FiscalItem:
    name: str
    price: int  # kopecks per unit
    quantity: Decimal
    amount: int  # kopecks, price × quantity rounded half up, less any discount allocated to the line
    vat: VatRate
    payment_method: PaymentMethod = PaymentMethod.FULL_PAYMENT
    payment_object: PaymentObject = PaymentObject.COMMODITY
    measurement_unit: MeasurementUnit = MeasurementUnit.PIECE
    discount: int = 0  # kopecks included in ``amount`` already, printed for information


@dataclass(frozen=True, slots=True, kw_only=True)
class FiscalPayment:
    type: FiscalPaymentType
    amount: int  # kopecks


@dataclass(frozen=True, slots=True, kw_only=True)
class FiscalReceipt:
    kind: ReceiptKind
    items: Sequence[FiscalItem]
    payments: Sequence[FiscalPayment]
    operator: Operator
    taxation_type: TaxationType
    customer_contact: str | None = None  # phone "+7…" or e-mail, tag 1008
    electronically: bool = False  # True: do not print; needs customer_contact
    correction_base_date: str | None = None  # "yyyy.mm.dd" for corrections
    correction_type: str | None = None  # "self" | "instruction"
    correction_base_number: str | None = None
    original_document_number: int | None = None  # refunds: kept in tag 1192 for the link

    @property
    def total(self) -> int:
        return sum(item.amount for item in self.items)


@dataclass(frozen=True, slots=True, kw_only=True)
class FiscalDocument:
    """Fiscal parameters of a document the fiscal storage closed."""

    document_number: int  # FD number
    document_sign: str  # FPD, tag 1077
    document_datetime: datetime
    shift_number: int
    fn_number: str
    registration_number: str
    receipt_number: int | None = None  # within the shift, receipts only
    total: int | None = None  # kopecks, receipts only
    fns_url: str = ""
    not_printed: bool = False  # closed in the FN but the paper did not come out: continue_print()
    recovered: bool = False  # rebuilt from the FN after a lost result
    qr: str = ""  # the receipt QR payload (t=…&s=…&fn=…&i=…&fp=…&n=…)


@dataclass(frozen=True, slots=True, kw_only=True)
class PendingFiscal:
    """What the agent journals before it sends a fiscal request, so the outcome can be resolved later."""

    request_id: uuid.UUID  # the Web Server request uuid, the idempotency key
    kind: ReceiptKind
    total: int  # kopecks
    last_known_document_number: int
    started_at: datetime
    search_fiscal_storage: bool = True
    """False: decide from the Web Server's record of the request alone; a request it has no record of is
    UNKNOWN with ``request_unknown`` set, and the FN is not searched."""
    claimed_documents: frozenset[int] = frozenset()
    """FDs after ``last_known_document_number`` known to be other operations': the FN search skips them."""
    named_document: int | None = None
    """An FD someone read off the paper receipt: instead of searching, that one document is checked (issued
    after ``last_known_document_number``, not claimed, this operation and total). A document proven not to
    be this receipt gives UNKNOWN with ``refuted`` set."""


class FiscalOutcomeKind(StrEnum):
    REGISTERED = "registered"  # the FN holds the document; ``document`` says which
    NOT_REGISTERED = "not_registered"  # safe to send again under a new request id
    UNKNOWN = "unknown"  # could not tell: keep the order locked, ask again later


class Refutation(StrEnum):
    """Why a named document cannot be this receipt."""

    ISSUED_BEFORE = "issued_before"  # the FN held it before the receipt was sent
    NOT_IN_FN = "not_in_fn"  # the FN has no document of that number yet
    ANOTHER_OPERATION = "another_operation"  # it is another order's or operation's
    DIFFERENT_SALE = "different_sale"  # another kind of document, operation or total
    REQUEST_BECAME = "request_became"  # the Web Server recorded this receipt's request as another document
    REQUEST_REFUSED = "request_refused"  # the device refused this receipt: it is no document at all


@dataclass(frozen=True, slots=True, kw_only=True)
class FiscalOutcome:
    kind: FiscalOutcomeKind
    document: FiscalDocument | None = None
    detail: str = ""
    request_unknown: bool = False  # the Web Server has no record of the request (it never reached the device)
    refuted: Refutation | None = None  # the named document is proven not to be this receipt (``detail`` says how)


class ShiftState(StrEnum):
    CLOSED = "closed"
    OPENED = "opened"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True, kw_only=True)
class FiscalShiftStatus:
    state: ShiftState
    number: int
    expires_at: datetime | None  # opening time + 24 h while open


@dataclass(frozen=True, slots=True, kw_only=True)
class FiscalDeviceStatus:
    paper_present: bool
    cover_open: bool
    blocked: bool
    fiscal: bool
    fn_present: bool
    shift: ShiftState
    cash_drawer_open: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class OfdStatus:
    unsent_count: int
    first_unsent_number: int | None
    first_unsent_at: datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class FnInfo:
    serial: str
    validity_date: datetime | None
    warnings: Sequence[str] = ()  # needReplacement, resourceExhausted, memoryOverflow, ofdTimeout, criticalError
    ffd_version: str = "1.2"


@runtime_checkable
class FiscalRegistrar(Protocol):
    """A fiscal registrar (ATOL over its Web Server). Every method may raise :class:`drivers.errors.DeviceError`."""

    device_id: str

    async def open_shift(self, operator: Operator, request_id: uuid.UUID | None = None) -> FiscalDocument: ...
    async def close_shift(self, operator: Operator, request_id: uuid.UUID | None = None) -> FiscalDocument: ...
    async def report_x(self, operator: Operator) -> None: ...
    async def register_receipt(self, receipt: FiscalReceipt, request_id: uuid.UUID) -> FiscalDocument:
        """Send a receipt under ``request_id``. A lost answer raises OutcomeUnknown: call :meth:`resolve`."""
        ...

    async def resolve(self, pending: PendingFiscal) -> FiscalOutcome:
        """Find out whether ``pending`` became a fiscal document (same uuid first, then the FN)."""
        ...

    async def last_document_number(self) -> int: ...
    async def cash_in(self, amount: int, operator: Operator) -> int: ...
    async def cash_out(self, amount: int, operator: Operator) -> int: ...
    async def shift_status(self) -> FiscalShiftStatus: ...
    async def device_status(self) -> FiscalDeviceStatus: ...
    async def device_info(self) -> dict[str, object]: ...
    async def fn_info(self) -> FnInfo: ...
    async def ofd_status(self) -> OfdStatus: ...
    async def continue_print(self) -> None: ...
    async def print_last_receipt_copy(self) -> None: ...
    async def aclose(self) -> None: ...


# -------------------------------------------------------------------------------------------- payment


class CardOutcome(StrEnum):
    APPROVED = "approved"
    DECLINED = "declined"
    UNKNOWN = "unknown"


class CardOperation(StrEnum):
    SALE = "sale"
    REFUND = "refund"
    REVERSAL = "reversal"


@dataclass(frozen=True, slots=True, kw_only=True)
class CardResult:
    outcome: CardOutcome
    operation: CardOperation
    amount: int  # kopecks
    result_code: int | None = None  # ZVT result code (0 = approved)
    message: str = ""
    trace_number: int | None = None
    receipt_number: int | None = None
    turnover_number: int | None = None
    terminal_id: str | None = None
    card_pan_masked: str | None = None  # never the full PAN
    card_type: str | None = None
    auth_code: str | None = None
    occurred_at: datetime | None = None
    receipt_lines: Sequence[str] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class PendingCard:
    """What the agent journals before it starts a card operation."""

    reference: str
    operation: CardOperation
    amount: int
    last_known_trace: int | None
    started_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class EndOfDayResult:
    ok: bool
    total: int  # kopecks
    count: int
    result_code: int | None = None
    message: str = ""
    receipt_lines: Sequence[str] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class TerminalStatus:
    ready: bool
    message: str = ""
    terminal_id: str | None = None


StatusCallback = Callable[[str], None]
"""Receives the terminal's intermediate messages ("Insert card", "Enter PIN") for the cashier's screen."""


@runtime_checkable
class PaymentTerminal(Protocol):
    device_id: str

    async def sale(self, amount: int, reference: str, on_status: StatusCallback | None = None) -> CardResult:
        """Authorise ``amount``. A lost link returns outcome UNKNOWN (never a blind resend)."""
        ...

    async def refund(self, amount: int, reference: str, on_status: StatusCallback | None = None) -> CardResult: ...
    async def reverse(
        self, receipt_number: int, amount: int, reference: str, on_status: StatusCallback | None = None
    ) -> CardResult: ...
    async def abort(self) -> None:
        """Ask the terminal to abort the running operation; its own answer still decides the outcome."""
        ...

    async def resolve(self, pending: PendingCard) -> CardResult:
        """Settle an UNKNOWN operation by asking for the last receipt and comparing trace numbers."""
        ...

    async def end_of_day(self) -> EndOfDayResult: ...
    async def status(self) -> TerminalStatus: ...
    async def repeat_last(self) -> CardResult | None: ...
    async def aclose(self) -> None: ...


# -------------------------------------------------------------------------------------------- printer


@dataclass(frozen=True, slots=True, kw_only=True)
class PrintLine:
    name: str
    quantity: Decimal
    amount: int  # kopecks for the line
    modifiers: Sequence[str] = ()
    comment: str = ""
    price: int | None = None  # kopecks per unit


@dataclass(frozen=True, slots=True, kw_only=True)
class PrintTotal:
    label: str
    amount: int  # kopecks


@dataclass(frozen=True, slots=True, kw_only=True)
class PrintableReceipt:
    job_id: str  # a retry with the same id never prints twice
    header: Sequence[str]
    lines: Sequence[PrintLine]
    totals: Sequence[PrintTotal]
    vat_lines: Sequence[PrintTotal] = ()
    payments: Sequence[PrintTotal] = ()
    footer: Sequence[str] = ()
    qr: str | None = None  # fiscal data QR
    fiscal_lines: Sequence[str] = ()  # FD, FPD, FN, shift…
    title: str = "КАССОВЫЙ ЧЕК"
    open_drawer: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class KitchenTicket:
    job_id: str
    order_number: str
    order_type: str  # dine-in | takeaway | delivery
    created_at: datetime
    lines: Sequence[PrintLine]
    table: str | None = None
    comment: str = ""


class PaperState(StrEnum):
    OK = "ok"
    NEAR_END = "near_end"
    OUT = "out"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True, kw_only=True)
class PrinterStatus:
    online: bool | None  # None = the printer did not answer: unknown, never "fine"
    paper: PaperState
    cover_open: bool | None
    drawer_open: bool | None = None


class PrintOutcome(StrEnum):
    PRINTED = "printed"
    ALREADY_PRINTED = "already_printed"  # the job id was printed before; nothing sent


@dataclass(frozen=True, slots=True, kw_only=True)
class PrintResult:
    job_id: str
    outcome: PrintOutcome


@runtime_checkable
class ReceiptPrinter(Protocol):
    device_id: str

    async def print_receipt(self, receipt: PrintableReceipt) -> PrintResult: ...
    async def print_kitchen_ticket(self, ticket: KitchenTicket) -> PrintResult: ...
    async def print_text(self, job_id: str, lines: Sequence[str]) -> PrintResult: ...
    async def status(self) -> PrinterStatus: ...
    async def aclose(self) -> None: ...


@runtime_checkable
class CashDrawer(Protocol):
    device_id: str

    async def open(self) -> None: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class DeviceHealth:
    """A coordinator's summary of one device for the UI, the console and the hub."""

    device_id: str
    kind: str  # fiscal | printer | terminal | drawer | scanner
    online: bool | None
    problems: Sequence[str] = field(default_factory=tuple)  # error kinds from drivers.errors
    detail: str = ""
