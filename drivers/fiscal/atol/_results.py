"""Parsers of ATOL task results into the neutral types of :mod:`drivers.base`; unknown fields are ignored
so newer firmware does not break them, anything missing or malformed is a :class:`ProtocolError`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timezone
from decimal import Decimal
from typing import TypeVar

import msgspec

from drivers.base import (
    FiscalDeviceStatus,
    FiscalDocument,
    FiscalShiftStatus,
    FnInfo,
    OfdStatus,
    ReceiptKind,
    ShiftState,
)
from drivers.errors import ProtocolError
from drivers.fiscal.atol._codec import (
    DOCUMENT_TYPE,
    MOSCOW,
    OPERATION_CODE,
    build_qr,
    parse_datetime,
    to_kopecks,
)

_T = TypeVar("_T")


class _Result(msgspec.Struct, rename="camel", kw_only=True):
    """Result objects: unknown fields are ignored, so newer firmware does not break parsing."""


class FiscalParamsJson(_Result):
    fiscal_document_number: int
    fiscal_document_sign: str | int
    fiscal_document_date_time: str
    shift_number: int
    fn_number: str = ""
    registration_number: str = ""
    fns_url: str = ""
    fiscal_receipt_number: int | None = None
    total: Decimal | None = None
    receipts_count: int | None = None


class WarningsJson(_Result):
    not_printed: bool = False
    data_for_send_is_empty: bool = False


class DocumentResultJson(_Result):
    fiscal_params: FiscalParamsJson
    warnings: WarningsJson | None = None


class ShiftStatusJson(_Result):
    state: str
    number: int = 0
    expired_time: str | None = None
    documents_count: int | None = None


class ShiftStatusResultJson(_Result):
    shift_status: ShiftStatusJson


class DeviceStatusJson(_Result):
    current_date_time: str | None = None
    shift: str = "closed"
    blocked: bool = False
    cover_opened: bool = False
    paper_present: bool = True
    fiscal: bool = True
    fn_fiscal: bool = True
    fn_present: bool = True
    cash_drawer_opened: bool = False


class DeviceStatusResultJson(_Result):
    device_status: DeviceStatusJson


class DeviceInfoResultJson(_Result):
    device_info: dict[str, str | int | float | bool | None]


class FnInfoJson(_Result):
    serial: str
    validity_date: str | None = None
    ffd_version: str = "1.2"
    warnings: dict[str, bool] | None = None


class FnInfoResultJson(_Result):
    fn_info: FnInfoJson


class FnStatusJson(_Result):
    fiscal_document_number: int
    fiscal_receipt_number: int | None = None
    warnings: dict[str, bool] | None = None


class FnStatusResultJson(_Result):
    fn_status: FnStatusJson


class OfdQueueJson(_Result):
    not_sent_count: int = 0
    not_sent_first_doc_number: int | None = None
    not_sent_first_doc_date_time: str | None = None


class OfdStatusResultJson(_Result):
    status: OfdQueueJson


class CountersJson(_Result):
    cash_sum: Decimal


class CashResultJson(_Result):
    counters: CountersJson


class DocumentTlvJson(msgspec.Struct, kw_only=True):
    """``documentTLV`` of ``getFnDocument``: the keys are FFD tag numbers."""

    fiscal_document_type: int = msgspec.field(name="fiscalDocumentType")
    operation: int | None = msgspec.field(default=None, name="1054")
    total: Decimal | None = msgspec.field(default=None, name="1020")
    date_time: str | None = msgspec.field(default=None, name="1012")
    sign: str | int | None = msgspec.field(default=None, name="1077")
    number: int | None = msgspec.field(default=None, name="1040")
    shift_number: int | None = msgspec.field(default=None, name="1038")
    receipt_number: int | None = msgspec.field(default=None, name="1042")
    fn_number: str | None = msgspec.field(default=None, name="1041")
    registration_number: str | None = msgspec.field(default=None, name="1037")
    fns_url: str | None = msgspec.field(default=None, name="1060")


class FnDocumentResultJson(_Result):
    document_tlv: DocumentTlvJson = msgspec.field(name="documentTLV")


def decode(raw: bytes | None, kind: type[_T], task_type: str) -> _T:
    if raw is None:
        raise ProtocolError(f"{task_type}: the result is empty")
    try:
        return msgspec.json.decode(raw, type=kind)
    except msgspec.ValidationError as exc:
        raise ProtocolError(f"{task_type}: unexpected result: {exc}") from exc
    except msgspec.DecodeError as exc:
        raise ProtocolError(f"{task_type}: result is not JSON: {exc}") from exc


def parse_document(
    raw: bytes | None, task_type: str, *, kind: ReceiptKind | None = None, device_tz: timezone = MOSCOW
) -> FiscalDocument:
    """``fiscalParams`` (+ ``warnings``) of a shift report or a receipt as a :class:`FiscalDocument`."""
    result = decode(raw, DocumentResultJson, task_type)
    fp = result.fiscal_params
    local_time = parse_datetime(fp.fiscal_document_date_time, device_tz)
    sign = str(fp.fiscal_document_sign)
    total = to_kopecks(fp.total) if fp.total is not None else None
    qr = ""
    if kind is not None and total is not None:
        qr = build_qr(local_time, total, fp.fn_number, fp.fiscal_document_number, sign, OPERATION_CODE[kind])
    return FiscalDocument(
        document_number=fp.fiscal_document_number,
        document_sign=sign,
        document_datetime=local_time.astimezone(UTC),
        shift_number=fp.shift_number,
        fn_number=fp.fn_number,
        registration_number=fp.registration_number.strip(),
        receipt_number=fp.fiscal_receipt_number,
        total=total,
        fns_url=fp.fns_url,
        not_printed=bool(result.warnings and result.warnings.not_printed),
        qr=qr,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class FnDocument:
    """A fiscal document read back from the FN by number (``getFnDocument``)."""

    document_type: int
    number: int
    operation: int | None
    total: int | None
    local_time: datetime | None
    sign: str
    shift_number: int
    receipt_number: int | None
    fn_number: str
    registration_number: str
    fns_url: str

    def matches(self, kind: ReceiptKind, total: int) -> bool:
        return (
            self.document_type == DOCUMENT_TYPE[kind]
            and self.operation == OPERATION_CODE[kind]
            and self.total == total
            and bool(self.sign)
        )

    def as_fiscal_document(self, kind: ReceiptKind, *, not_printed: bool = False) -> FiscalDocument:
        if self.local_time is None or self.total is None:
            raise ProtocolError(f"FD {self.number} lacks tag 1012 or 1020")
        return FiscalDocument(
            document_number=self.number,
            document_sign=self.sign,
            document_datetime=self.local_time.astimezone(UTC),
            shift_number=self.shift_number,
            fn_number=self.fn_number,
            registration_number=self.registration_number.strip(),
            receipt_number=self.receipt_number,
            total=self.total,
            fns_url=self.fns_url,
            not_printed=not_printed,
            recovered=True,
            qr=build_qr(self.local_time, self.total, self.fn_number, self.number, self.sign, OPERATION_CODE[kind]),
        )


def parse_fn_document(raw: bytes | None, number: int, device_tz: timezone = MOSCOW) -> FnDocument:
    tlv = decode(raw, FnDocumentResultJson, "getFnDocument").document_tlv
    return FnDocument(
        document_type=tlv.fiscal_document_type,
        number=tlv.number if tlv.number is not None else number,
        operation=tlv.operation,
        total=to_kopecks(tlv.total) if tlv.total is not None else None,
        local_time=parse_datetime(tlv.date_time, device_tz) if tlv.date_time else None,
        sign=str(tlv.sign) if tlv.sign is not None else "",
        shift_number=tlv.shift_number or 0,
        receipt_number=tlv.receipt_number,
        fn_number=tlv.fn_number or "",
        registration_number=tlv.registration_number or "",
        fns_url=tlv.fns_url or "",
    )


def _shift_state(value: str) -> ShiftState:
    try:
        return ShiftState(value)
    except ValueError as exc:
        raise ProtocolError(f"unknown shift state {value!r}") from exc


def parse_shift_status(raw: bytes | None, device_tz: timezone = MOSCOW) -> FiscalShiftStatus:
    status = decode(raw, ShiftStatusResultJson, "getShiftStatus").shift_status
    state = _shift_state(status.state)
    expires = parse_datetime(status.expired_time, device_tz).astimezone(UTC) if status.expired_time else None
    return FiscalShiftStatus(
        state=state, number=status.number, expires_at=None if state is ShiftState.CLOSED else expires
    )


def parse_device_status(raw: bytes | None) -> FiscalDeviceStatus:
    s = decode(raw, DeviceStatusResultJson, "getDeviceStatus").device_status
    return FiscalDeviceStatus(
        paper_present=s.paper_present,
        cover_open=s.cover_opened,
        blocked=s.blocked,
        fiscal=s.fiscal and s.fn_fiscal,
        fn_present=s.fn_present,
        shift=_shift_state(s.shift),
        cash_drawer_open=s.cash_drawer_opened,
    )


def parse_device_info(raw: bytes | None) -> dict[str, object]:
    return dict(decode(raw, DeviceInfoResultJson, "getDeviceInfo").device_info)


def parse_fn_info(raw: bytes | None, device_tz: timezone = MOSCOW) -> FnInfo:
    info = decode(raw, FnInfoResultJson, "getFnInfo").fn_info
    warnings = tuple(sorted(name for name, on in (info.warnings or {}).items() if on))
    validity = parse_datetime(info.validity_date, device_tz).astimezone(UTC) if info.validity_date else None
    return FnInfo(serial=info.serial, validity_date=validity, warnings=warnings, ffd_version=info.ffd_version)


def parse_last_document_number(raw: bytes | None) -> int:
    return decode(raw, FnStatusResultJson, "getFnStatus").fn_status.fiscal_document_number


def parse_ofd_status(raw: bytes | None, device_tz: timezone = MOSCOW) -> OfdStatus:
    q = decode(raw, OfdStatusResultJson, "ofdExchangeStatus").status
    if q.not_sent_count == 0:
        return OfdStatus(unsent_count=0, first_unsent_number=None, first_unsent_at=None)
    first_at = q.not_sent_first_doc_date_time
    return OfdStatus(
        unsent_count=q.not_sent_count,
        first_unsent_number=q.not_sent_first_doc_number,
        first_unsent_at=parse_datetime(first_at, device_tz).astimezone(UTC) if first_at else None,
    )


def parse_cash_counter(raw: bytes | None, task_type: str) -> int:
    return to_kopecks(decode(raw, CashResultJson, task_type).counters.cash_sum)
