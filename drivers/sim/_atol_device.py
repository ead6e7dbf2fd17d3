"""The emulated ATOL device behind the Web Server: fiscal storage rules, shift, cash drawer counter,
OFD queue, printer. ``execute`` runs one JSON task and returns its ``result`` or raises TaskError; every
change is persisted before it returns. Callers hold the emulator's lock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from functools import partial

from drivers.sim import _atol_reports as reports
from drivers.sim._atol_documents import SHIFT_LENGTH, Journal, fiscal_params, rub
from drivers.sim._atol_faults import AtolFaults
from drivers.sim._atol_store import (
    DocumentRecord,
    ItemRecord,
    PaymentRecord,
    Store,
    fiscal_sign,
    new_fn_state,
)
from drivers.sim._atol_validate import (
    CASH_OUTFLOW_OPERATIONS,
    COVER_OPENED,
    DENIED_IN_CLOSED_SHIFT,
    DENIED_IN_OPENED_SHIFT,
    DOCUMENT_NOT_FOUND,
    FN_EXPIRED,
    FN_TIMEOUT,
    NO_CASH,
    NO_PAPER,
    RECEIPT_TASKS,
    SHIFT_EXPIRED,
    ParsedReceipt,
    TaskError,
    check_payments,
    operator_name,
    parse_cash_sum,
    parse_error,
    parse_receipt,
)

OFD_BLOCK_AGE = timedelta(days=30)
OFD_WARNING_AGE = timedelta(days=5)  # [U] when the FN raises its ofdTimeout warning
FN_REPLACEMENT_WARNING = timedelta(days=30)


_Handler = Callable[[dict[str, object]], dict[str, object] | None]


class AtolDevice:
    """Fiscal storage, shift, drawer counter, OFD queue and printer of one emulated registrar."""

    def __init__(self, store: Store, journal: Journal, faults: AtolFaults, *, serial: str, tz: timezone) -> None:
        self.store = store
        self.journal = journal
        self.faults = faults
        self.tz = tz
        self._handlers = self._handler_table()
        with store.atomic():
            loaded = store.load_fn()
            if loaded is None:
                loaded = new_fn_state(serial, datetime.now(UTC))
                store.save_fn(loaded)
            self.state = loaded
            if self.state.last_fd == 0:
                self._commit(
                    DocumentRecord(
                        number=0, document_type=1, task="registration", at=self.now(), sign="", shift_number=0
                    )
                )

    # ---------------------------------------------------------------------------------- clock

    def now(self) -> datetime:
        return (datetime.now(UTC) + timedelta(seconds=self.state.clock_offset)).replace(microsecond=0)

    def advance_clock(self, seconds: float) -> None:
        self.state.clock_offset += seconds
        self.store.save_fn(self.state)

    # -------------------------------------------------------------------------------- derived

    def shift_expired(self) -> bool:
        shift = self.state.shift
        return shift.open and shift.opened_at is not None and self.now() >= shift.opened_at + SHIFT_LENGTH

    def shift_state(self) -> str:
        if not self.state.shift.open:
            return "closed"
        return "expired" if self.shift_expired() else "opened"

    def first_unsent(self) -> DocumentRecord | None:
        return self.store.load_document(self.state.unsent[0]) if self.state.unsent else None

    def unsent_age(self) -> timedelta:
        first = self.first_unsent()
        return self.now() - first.at if first else timedelta(0)

    def fn_expired(self) -> bool:
        return self.now() >= self.state.validity_date

    def fn_blocked(self) -> bool:
        return self.unsent_age() > OFD_BLOCK_AGE

    def fn_warnings(self) -> dict[str, bool]:
        left = self.state.validity_date - self.now()
        return {
            "needReplacement": left <= FN_REPLACEMENT_WARNING,
            "resourceExhausted": left <= timedelta(days=3),
            "memoryOverflow": False,
            "ofdTimeout": self.unsent_age() > OFD_WARNING_AGE,
            "criticalError": False,
        }

    def set_ofd_down(self, down: bool) -> None:
        self.faults.ofd_down = down
        if not down and self.state.unsent:
            self.state.unsent.clear()  # the OFD confirms the backlog as soon as it is reachable
            self.store.save_fn(self.state)

    # ---------------------------------------------------------------------------------- gates

    def _require_fn_usable(self) -> None:
        if self.fn_expired():
            raise TaskError(FN_EXPIRED, "Исчерпан временной ресурс ФН")
        if self.fn_blocked():
            raise TaskError(FN_TIMEOUT, "Исчерпан ресурс ожидания передачи сообщения")

    def _require_open_shift(self) -> None:
        if not self.state.shift.open:
            raise TaskError(DENIED_IN_CLOSED_SHIFT, "Не поддерживается в этом режиме ККТ: смена закрыта")
        if self.shift_expired():
            raise TaskError(SHIFT_EXPIRED, "Смена превысила 24 часа")

    def _require_printer(self) -> None:
        if self.faults.cover_open:
            raise TaskError(COVER_OPENED, "Открыта крышка")
        if self.faults.paper_out:
            raise TaskError(NO_PAPER, "Нет бумаги")

    # -------------------------------------------------------------------------------- execute

    def execute(self, task: object) -> dict[str, object] | None:
        if not isinstance(task, dict):
            raise parse_error("задание должно быть объектом")
        task_type = task.get("type")
        if not isinstance(task_type, str):
            raise parse_error("отсутствует обязательное поле type")
        faults = self.faults
        if faults.next_error is not None and faults.next_error_task in (None, task_type):
            code, description = faults.next_error, faults.next_error_description
            faults.next_error = None
            raise TaskError(code, description)
        if task_type in RECEIPT_TASKS:
            return self._receipt(parse_receipt(task, task_type))
        handler = self._handlers.get(task_type)
        if handler is None:
            raise parse_error(f"неизвестный тип задания {task_type!r}")
        return handler(task)

    def _handler_table(self) -> dict[str, _Handler]:
        return {
            "openShift": self._open_shift,
            "closeShift": self._close_shift,
            "reportX": self._report_x,
            "cashIn": self._cash_in,
            "cashOut": self._cash_out,
            "getShiftStatus": partial(reports.shift_status, self),
            "getDeviceStatus": partial(reports.device_status, self),
            "getDeviceInfo": partial(reports.device_info, self),
            "getFnInfo": partial(reports.fn_info, self),
            "getFnStatus": partial(reports.fn_status, self),
            "ofdExchangeStatus": partial(reports.ofd_status, self),
            "getFnDocument": partial(reports.fn_document, self),
            "continuePrint": self._continue_print,
            "printLastReceiptCopy": self._print_last_receipt_copy,
        }

    # ------------------------------------------------------------------------------ documents

    def _commit(self, record: DocumentRecord, *, printed: bool = True) -> dict[str, object]:
        """Close a fiscal document in the FN, then print it (or owe the paper)."""
        state = self.state
        record.number = state.last_fd + 1
        record.sign = fiscal_sign(state.fn_serial, record.number, record.document_type, record.at, record.total)
        self.store.save_document(record)  # the task commits it with the FN counters (Store.atomic)
        state.last_fd = record.number
        state.shift.documents += 1
        if self.faults.ofd_down:
            state.unsent.append(record.number)
        not_printed = False
        if printed and (self.faults.paper_out_after_commit or self.faults.cover_open_after_commit):
            self.faults.paper_out = self.faults.paper_out or self.faults.paper_out_after_commit
            self.faults.cover_open = self.faults.cover_open or self.faults.cover_open_after_commit
            self.faults.paper_out_after_commit = self.faults.cover_open_after_commit = False
            state.unprinted.append(record.number)
            not_printed = True
        self.store.save_fn(state)
        self.journal.record(state, record, self.tz)
        if printed and not not_printed:
            self.journal.paper(state, record, self.tz)
        return {
            "fiscalParams": fiscal_params(state, record, self.tz),
            "warnings": {"notPrinted": True} if not_printed else {},
        }

    def _open_shift(self, task: dict[str, object]) -> dict[str, object]:
        self._require_fn_usable()
        if self.state.shift.open:
            if self.shift_expired():
                raise TaskError(SHIFT_EXPIRED, "Смена превысила 24 часа")
            raise TaskError(DENIED_IN_OPENED_SHIFT, "Не поддерживается в этом режиме ККТ: смена открыта")
        self._require_printer()
        shift = self.state.shift
        now = self.now()
        shift.number += 1
        shift.open, shift.opened_at, shift.receipts, shift.documents = True, now, 0, 0
        record = DocumentRecord(
            number=0,
            document_type=2,
            task="openShift",
            at=now,
            sign="",
            shift_number=shift.number,
            operator=operator_name(task),
        )
        return self._commit(record)

    def _close_shift(self, task: dict[str, object]) -> dict[str, object]:
        self._require_fn_usable()
        if not self.state.shift.open:
            raise TaskError(DENIED_IN_CLOSED_SHIFT, "Не поддерживается в этом режиме ККТ: смена закрыта")
        self._require_printer()
        shift = self.state.shift
        record = DocumentRecord(
            number=0,
            document_type=5,
            task="closeShift",
            at=self.now(),
            sign="",
            shift_number=shift.number,
            operator=operator_name(task),
            receipts_count=shift.receipts,
            unsent_count=len(self.state.unsent) + (1 if self.faults.ofd_down else 0),
        )
        shift.open = False
        return self._commit(record)

    def _receipt(self, receipt: ParsedReceipt) -> dict[str, object]:
        self._require_fn_usable()
        self._require_open_shift()
        if not receipt.electronically:
            self._require_printer()
        check_payments(receipt)
        retained = receipt.cash - receipt.change
        outflow = receipt.operation in CASH_OUTFLOW_OPERATIONS
        if outflow and retained > self.state.cash:
            raise TaskError(NO_CASH, "Наличности в кассе недостаточно")
        shift = self.state.shift
        shift.receipts += 1
        self.state.cash += -retained if outflow else retained
        self.state.last_receipt_fd = self.state.last_fd + 1
        record = DocumentRecord(
            number=0,
            document_type=receipt.document_type,
            task=receipt.task,
            at=self.now(),
            sign="",
            shift_number=shift.number,
            operator=receipt.operator,
            operator_vatin=receipt.operator_vatin,
            receipt_number=shift.receipts,
            operation=receipt.operation,
            total=receipt.total,
            taxation=receipt.taxation,
            items=[
                ItemRecord(
                    name=i.name,
                    price=i.price,
                    quantity=i.quantity,
                    amount=i.amount,
                    discount=i.discount,
                    vat=i.vat,
                    payment_method=i.payment_method,
                    payment_object=i.payment_object,
                    measurement_unit=i.measurement_unit,
                )
                for i in receipt.items
            ],
            payments=[PaymentRecord(type=kind, amount=amount) for kind, amount in receipt.payments],
            change=receipt.change,
            electronically=receipt.electronically,
            contact=receipt.contact,
            correction_type=receipt.correction_type,
            correction_base_date=receipt.correction_base_date,
            correction_base_number=receipt.correction_base_number,
            additional_attribute=receipt.additional_attribute,
        )
        return self._commit(record, printed=not receipt.electronically)

    # ----------------------------------------------------------------------------- non-fiscal

    def _report_x(self, task: dict[str, object]) -> None:
        self._require_printer()

    def _cash_in(self, task: dict[str, object]) -> dict[str, object]:
        amount = parse_cash_sum(task)
        self._require_open_shift()
        self._require_printer()
        self.state.cash += amount
        self.store.save_fn(self.state)
        return {"counters": {"cashSum": rub(self.state.cash)}}

    def _cash_out(self, task: dict[str, object]) -> dict[str, object]:
        amount = parse_cash_sum(task)
        self._require_open_shift()
        self._require_printer()
        if amount > self.state.cash:
            raise TaskError(NO_CASH, "Наличности в кассе недостаточно")
        self.state.cash -= amount
        self.store.save_fn(self.state)
        return {"counters": {"cashSum": rub(self.state.cash)}}

    def _continue_print(self, task: dict[str, object]) -> None:
        if not self.state.unprinted:
            return
        self._require_printer()
        for number in self.state.unprinted:
            record = self.store.load_document(number)
            if record is not None:
                self.journal.paper(self.state, record, self.tz)
        self.state.unprinted.clear()
        self.store.save_fn(self.state)

    def _print_last_receipt_copy(self, task: dict[str, object]) -> None:
        self._require_printer()
        number = self.state.last_receipt_fd
        record = self.store.load_document(number) if number else None
        if record is None:
            raise TaskError(DOCUMENT_NOT_FOUND, "Нет последнего чека")
        self.journal.paper(self.state, record, self.tz, copy=True)

    # ---------------------------------------------------------------------------------- reads

    def snapshot(self) -> dict[str, object]:
        """What ``GET /admin/state`` shows."""
        return reports.snapshot(self)
