"""ATOL JSON tasks: builders from the neutral fiscal types, and (re-exported) parsers of their results.

This is the only place where kopecks become roubles (see ``_codec``): amounts are exact Decimals written
as JSON numbers, so 25010 kopecks go out as ``250.10`` and the device's answers come back as integers.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import msgspec

from drivers.base import FiscalItem, FiscalPayment, FiscalReceipt, Operator
from drivers.fiscal.atol._codec import (
    CORRECTION_DOCUMENT_TYPE,
    DOCUMENT_TYPE,
    MOSCOW,
    MUTATING_TASKS,
    OPERATION_CODE,
    RECEIPT_DOCUMENT_TYPE,
    build_qr,
    format_roubles,
    parse_datetime,
    roubles,
    to_kopecks,
)
from drivers.fiscal.atol._results import (
    FnDocument,
    parse_cash_counter,
    parse_device_info,
    parse_device_status,
    parse_document,
    parse_fn_document,
    parse_fn_info,
    parse_last_document_number,
    parse_ofd_status,
    parse_shift_status,
)

__all__ = [
    "CORRECTION_DOCUMENT_TYPE",
    "DOCUMENT_TYPE",
    "MOSCOW",
    "MUTATING_TASKS",
    "OPERATION_CODE",
    "RECEIPT_DOCUMENT_TYPE",
    "BareTask",
    "CashTask",
    "FnDocument",
    "FnDocumentTask",
    "OperatorTask",
    "Position",
    "ReceiptTask",
    "Task",
    "bare_task",
    "build_qr",
    "cash_task",
    "encode_request",
    "encode_task",
    "fn_document_task",
    "format_roubles",
    "operator_task",
    "parse_cash_counter",
    "parse_datetime",
    "parse_device_info",
    "parse_device_status",
    "parse_document",
    "parse_fn_document",
    "parse_fn_info",
    "parse_last_document_number",
    "parse_ofd_status",
    "parse_shift_status",
    "receipt_task",
    "roubles",
    "to_kopecks",
]


class _Wire(msgspec.Struct, rename="camel", omit_defaults=True, kw_only=True):
    """Task objects: camelCase on the wire, optional fields left out rather than sent as null."""


class OperatorJson(_Wire):
    name: str
    vatin: str | None = None


class ClientInfo(_Wire):
    email_or_phone: str


class Tax(_Wire):
    type: str


class Position(_Wire, tag_field="type", tag="position"):
    name: str
    price: Decimal
    quantity: Decimal
    amount: Decimal
    tax: Tax
    payment_method: str
    payment_object: str
    measurement_unit: str
    info_discount_amount: Decimal | None = None


class PaymentJson(_Wire):
    type: str
    sum: Decimal


class ReceiptTask(_Wire):
    type: str
    taxation_type: str
    operator: OperatorJson
    items: list[Position]
    payments: list[PaymentJson]
    total: Decimal
    electronically: bool = False
    client_info: ClientInfo | None = None
    payments_place: str | None = None
    payments_address: str | None = None
    additional_attribute: str | None = None
    correction_type: str | None = None
    correction_base_date: str | None = None
    correction_base_number: str | None = None


class OperatorTask(_Wire):
    type: str
    operator: OperatorJson | None = None


class CashTask(_Wire):
    type: str
    cash_sum: Decimal
    operator: OperatorJson | None = None


class FnDocumentTask(_Wire):
    type: str
    fiscal_document_number: int


class BareTask(_Wire):
    type: str


Task = ReceiptTask | OperatorTask | CashTask | FnDocumentTask | BareTask


class RequestEnvelope(msgspec.Struct, frozen=True):
    uuid: str
    request: list[Task]


_ENCODER = msgspec.json.Encoder(decimal_format="number")


def encode_request(request_id: str, tasks: Sequence[Task]) -> bytes:
    """The body of ``POST /api/v2/requests``."""
    return _ENCODER.encode(RequestEnvelope(uuid=request_id, request=list(tasks)))


def encode_task(task: Task) -> bytes:
    return _ENCODER.encode(task)


def operator_json(operator: Operator | None) -> OperatorJson | None:
    if operator is None:
        return None
    return OperatorJson(name=operator.name, vatin=operator.vatin)


def position(item: FiscalItem) -> Position:
    return Position(
        name=item.name,
        price=roubles(item.price),
        quantity=item.quantity,
        amount=roubles(item.amount),
        tax=Tax(type=item.vat.value),
        payment_method=item.payment_method.value,
        payment_object=item.payment_object.value,
        measurement_unit=item.measurement_unit.value,
        info_discount_amount=roubles(item.discount) if item.discount else None,
    )


def payment(p: FiscalPayment) -> PaymentJson:
    return PaymentJson(type=p.type.value, sum=roubles(p.amount))


def receipt_task(
    receipt: FiscalReceipt, *, payments_place: str | None = None, payments_address: str | None = None
) -> ReceiptTask:
    """``sell``/``sellReturn``/``sellCorrection``/``sellReturnCorrection`` for ``receipt``."""
    operator = operator_json(receipt.operator)
    assert operator is not None
    original = receipt.original_document_number
    return ReceiptTask(
        type=receipt.kind.value,
        taxation_type=receipt.taxation_type.value,
        operator=operator,
        items=[position(item) for item in receipt.items],
        payments=[payment(p) for p in receipt.payments],
        total=roubles(receipt.total),
        electronically=receipt.electronically,
        client_info=ClientInfo(email_or_phone=receipt.customer_contact) if receipt.customer_contact else None,
        payments_place=payments_place,
        payments_address=payments_address,
        additional_attribute=str(original) if original is not None else None,
        correction_type=receipt.correction_type,
        correction_base_date=receipt.correction_base_date,
        correction_base_number=receipt.correction_base_number,
    )


def operator_task(task_type: str, operator: Operator | None) -> OperatorTask:
    return OperatorTask(type=task_type, operator=operator_json(operator))


def cash_task(task_type: str, amount: int, operator: Operator | None) -> CashTask:
    return CashTask(type=task_type, cash_sum=roubles(amount), operator=operator_json(operator))


def fn_document_task(number: int) -> FnDocumentTask:
    return FnDocumentTask(type="getFnDocument", fiscal_document_number=number)


def bare_task(task_type: str) -> BareTask:
    return BareTask(type=task_type)
