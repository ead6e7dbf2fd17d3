"""Parsing and validating ATOL JSON tasks as the device does: exact enum spellings, amount = price ×
quantity to the kopeck, well-formed money. Failures are :class:`TaskError` with ATOL's code and a Russian
description, the way the Web Server reports them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

PARSE_ERROR = 501
INTERRUPTED = 502
NOT_FULLY_PAID = 66
NONCASH_TOO_MUCH = 52
NO_CASH = 80
NO_PAPER = 44
COVER_OPENED = 45
SHIFT_EXPIRED = 68
DENIED_IN_CLOSED_SHIFT = 73
DENIED_IN_OPENED_SHIFT = 83
FN_EXPIRED = 120
FN_TIMEOUT = 140
CONNECTION_LOST = 241
DOCUMENT_NOT_FOUND = 126  # [U] the exact code for "no such document in the FN archive"

TAXATION_TYPES = frozenset({"osn", "usnIncome", "usnIncomeOutcome", "envd", "esn", "patent"})
TAX_TYPES = frozenset(
    {"none", "vat0", "vat10", "vat110", "vat20", "vat120", "vat5", "vat105", "vat7", "vat107", "vat22", "vat122"}
)
PAYMENT_METHODS = frozenset(
    {"fullPrepayment", "prepayment", "advance", "fullPayment", "partialPayment", "credit", "creditPayment"}
)
PAYMENT_OBJECTS: dict[str, int] = {
    "commodity": 1, "excise": 2, "job": 3, "service": 4, "gamblingBet": 5, "gamblingPrize": 6, "lottery": 7,
    "lotteryPrize": 8, "intellectualActivity": 9, "payment": 10, "agentCommission": 11, "composite": 12,
    "pay": 12, "another": 13, "proprietaryLaw": 14, "nonOperatingIncome": 15, "otherContributions": 16,
    "merchantTax": 17, "resortFee": 18, "deposit": 19, "consumption": 20, "soleProprietorCPIContributions": 21,
    "cpiContributions": 22, "soleProprietorCMIContributions": 23, "cmiContributions": 24, "csiContributions": 25,
    "casinoPayment": 26, "fundsIssuance": 27, "exciseWithoutMarking": 30, "exciseWithMarking": 31,
    "commodityWithoutMarking": 32, "commodityWithMarking": 33,
}  # fmt: skip
MEASUREMENT_UNITS: dict[str, int] = {
    "piece": 0, "gram": 10, "kilogram": 11, "ton": 12, "centimeter": 20, "decimeter": 21, "meter": 22,
    "squareCentimeter": 30, "squareDecimeter": 31, "squareMeter": 32, "milliliter": 40, "liter": 41,
    "cubicMeter": 42, "kilowattHour": 50, "gkal": 51, "day": 70, "hour": 71, "minute": 72, "second": 73,
    "kilobyte": 80, "megabyte": 81, "gigabyte": 82, "terabyte": 83, "otherUnits": 255,
}  # fmt: skip
PAYMENT_TYPES = {"cash": 0, "electronically": 1, "prepaid": 2, "credit": 3, "other": 4}
CORRECTION_TYPES = frozenset({"self", "instruction"})
RECEIPT_TASKS: dict[str, tuple[int, int]] = {
    # task type: (fiscalDocumentType, tag 1054)
    "sell": (3, 1),
    "sellReturn": (3, 2),
    "buy": (3, 3),
    "buyReturn": (3, 4),
    "sellCorrection": (31, 1),
    "sellReturnCorrection": (31, 2),
    "buyCorrection": (31, 3),
    "buyReturnCorrection": (31, 4),
}
MUTATING_TASKS = frozenset({*RECEIPT_TASKS, "openShift", "closeShift", "cashIn", "cashOut"})
CASH_OUTFLOW_OPERATIONS = frozenset({2, 3})  # возврат прихода, расход: cash leaves the drawer

_BASE_DATE = re.compile(r"^\d{4}\.\d{2}\.\d{2}$")
_KOPECK = Decimal("0.01")


class TaskError(Exception):
    """A task failed on the device with ATOL ``code``."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(f"{code}: {description}")
        self.code = code
        self.description = description


def parse_error(description: str) -> TaskError:
    return TaskError(PARSE_ERROR, f"Ошибка разбора JSON: {description}")


@dataclass(frozen=True, slots=True)
class ParsedItem:
    name: str
    price: int
    quantity: Decimal
    amount: int
    discount: int
    vat: str
    payment_method: str
    payment_object: str
    measurement_unit: str


@dataclass(frozen=True, slots=True)
class ParsedReceipt:
    task: str
    document_type: int
    operation: int
    taxation: str | None
    operator: str
    operator_vatin: str | None
    electronically: bool
    contact: str | None
    items: tuple[ParsedItem, ...]
    payments: tuple[tuple[str, int], ...]
    total: int
    correction_type: str | None
    correction_base_date: str | None
    correction_base_number: str | None
    additional_attribute: str | None

    @property
    def paid(self) -> int:
        return sum(amount for _, amount in self.payments)

    @property
    def cash(self) -> int:
        return sum(amount for kind, amount in self.payments if kind == "cash")

    @property
    def change(self) -> int:
        return max(0, self.paid - self.total)


# ------------------------------------------------------------------------------------------ fields


def field(obj: dict[str, object], key: str, where: str) -> object:
    if key not in obj:
        raise parse_error(f"отсутствует обязательное поле {where}{key}")
    return obj[key]


def string(obj: dict[str, object], key: str, where: str = "", *, required: bool = True) -> str | None:
    if key not in obj and not required:
        return None
    value = field(obj, key, where)
    if not isinstance(value, str):
        raise parse_error(f"поле {where}{key} должно быть строкой")
    return value


def enum(obj: dict[str, object], key: str, allowed: frozenset[str] | dict[str, int], where: str) -> str:
    value = field(obj, key, where)
    if not isinstance(value, str) or value not in allowed:
        raise parse_error(f"недопустимое значение поля {where}{key}: {value!r}")
    return value


def obj_or_none(obj: dict[str, object], key: str, where: str) -> dict[str, object] | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise parse_error(f"поле {where}{key} должно быть объектом")
    return value


def number(value: object, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise parse_error(f"поле {where} должно быть числом")
    return Decimal(value)


def money(obj: dict[str, object], key: str, where: str, *, required: bool = True) -> int | None:
    """Roubles with at most two decimals, not negative, as kopecks."""
    if key not in obj and not required:
        return None
    value = number(field(obj, key, where), where + key)
    if value < 0 or value != value.quantize(_KOPECK):
        raise parse_error(f"недопустимая сумма в поле {where}{key}: {value}")
    return int(value.scaleb(2))


def _enum_or_code(value: object, names: dict[str, int], where: str, *, codes: frozenset[int]) -> str:
    if isinstance(value, str) and value in names:
        return value
    # ATOL's parser also takes the numeric code, as a number or a numeric string.
    text = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else ""
    if text.isdigit() and int(text) in codes:
        return text
    raise parse_error(f"недопустимое значение поля {where}: {value!r}")


# ----------------------------------------------------------------------------------------- receipt


def parse_item(raw: object, index: int) -> ParsedItem:
    where = f"items[{index}]."
    if not isinstance(raw, dict):
        raise parse_error(f"items[{index}] должен быть объектом")
    if raw.get("type") != "position":
        raise parse_error(f"недопустимое значение поля {where}type: {raw.get('type')!r}")
    name = string(raw, "name", where) or ""
    if not name.strip() or len(name) > 128:
        raise parse_error(f"недопустимая длина поля {where}name")
    price = money(raw, "price", where) or 0
    quantity = number(field(raw, "quantity", where), where + "quantity")
    if quantity <= 0 or quantity != quantity.quantize(Decimal("0.000001")):
        raise parse_error(f"недопустимое количество {where}quantity: {quantity}")
    amount = money(raw, "amount", where) or 0
    discount = money(raw, "infoDiscountAmount", where, required=False) or 0
    expected = (Decimal(price).scaleb(-2) * quantity).quantize(_KOPECK, rounding=ROUND_HALF_UP)
    if int(expected.scaleb(2)) - discount != amount:
        raise parse_error(
            f"сумма позиции {where}amount {Decimal(amount).scaleb(-2)} не равна цене × количество "
            f"{expected} за вычетом скидки {Decimal(discount).scaleb(-2)}"
        )
    tax = obj_or_none(raw, "tax", where)
    if tax is None:
        raise parse_error(f"отсутствует обязательное поле {where}tax")
    return ParsedItem(
        name=name,
        price=price,
        quantity=quantity,
        amount=amount,
        discount=discount,
        vat=enum(tax, "type", TAX_TYPES, where + "tax."),
        payment_method=enum(raw, "paymentMethod", PAYMENT_METHODS, where)
        if "paymentMethod" in raw
        else "fullPrepayment",
        payment_object=_enum_or_code(
            raw.get("paymentObject", "commodity"),
            PAYMENT_OBJECTS,
            where + "paymentObject",
            codes=frozenset(PAYMENT_OBJECTS.values()),
        ),
        measurement_unit=_enum_or_code(
            raw.get("measurementUnit", "piece"),
            MEASUREMENT_UNITS,
            where + "measurementUnit",
            codes=frozenset(MEASUREMENT_UNITS.values()),
        ),
    )


def parse_payment(raw: object, index: int) -> tuple[str, int]:
    where = f"payments[{index}]."
    if not isinstance(raw, dict):
        raise parse_error(f"payments[{index}] должен быть объектом")
    kind = _enum_or_code(field(raw, "type", where), PAYMENT_TYPES, where + "type", codes=frozenset(range(10)))
    names = {str(code): name for name, code in PAYMENT_TYPES.items()}
    return names.get(kind, kind), money(raw, "sum", where) or 0


def _list(task: dict[str, object], key: str) -> list[object]:
    value = field(task, key, "")
    if not isinstance(value, list):
        raise parse_error(f"поле {key} должно быть массивом")
    return value


def parse_receipt(task: dict[str, object], task_type: str) -> ParsedReceipt:
    document_type, operation = RECEIPT_TASKS[task_type]
    taxation = enum(task, "taxationType", TAXATION_TYPES, "") if "taxationType" in task else None
    operator = obj_or_none(task, "operator", "") or {}
    client = obj_or_none(task, "clientInfo", "") or {}
    contact = string(client, "emailOrPhone", "clientInfo.", required=False)
    electronically = task.get("electronically", False)
    if not isinstance(electronically, bool):
        raise parse_error("поле electronically должно быть логическим")
    if electronically and not contact:
        raise parse_error("для электронного чека нужен clientInfo.emailOrPhone")
    raw_items = _list(task, "items")
    items = tuple(parse_item(raw, i) for i, raw in enumerate(raw_items) if not _is_print_line(raw))
    if not items:
        raise parse_error("в чеке нет ни одной позиции")
    payments = tuple(parse_payment(raw, i) for i, raw in enumerate(_list(task, "payments")))
    items_sum = sum(item.amount for item in items)
    total = money(task, "total", "", required=False)
    # The device accepts a total that differs from the items by rounding kopecks only.
    if total is not None and abs(total - items_sum) >= 100:
        raise parse_error(f"итог {Decimal(total).scaleb(-2)} не совпадает с суммой позиций")
    correction = _parse_correction(task, document_type)
    attribute = task.get("additionalAttribute")
    return ParsedReceipt(
        task=task_type,
        document_type=document_type,
        operation=operation,
        taxation=taxation,
        operator=string(operator, "name", "operator.", required=False) or "",
        operator_vatin=string(operator, "vatin", "operator.", required=False),
        electronically=electronically,
        contact=contact,
        items=items,
        payments=payments,
        total=items_sum if total is None else total,
        correction_type=correction[0],
        correction_base_date=correction[1],
        correction_base_number=correction[2],
        additional_attribute=str(attribute) if attribute is not None else None,
    )


def _is_print_line(raw: object) -> bool:
    # Non-fiscal lines ("text", "barcode", "pictureFromMemory"…) may sit among the positions.
    return isinstance(raw, dict) and raw.get("type") in {"text", "barcode", "pictureFromMemory", "pixels"}


def _parse_correction(task: dict[str, object], document_type: int) -> tuple[str | None, str | None, str | None]:
    if document_type != 31:
        return None, None, None
    correction_type = enum(task, "correctionType", CORRECTION_TYPES, "")
    base_date = string(task, "correctionBaseDate", "") or ""
    if not _BASE_DATE.match(base_date):
        raise parse_error(f"недопустимое значение поля correctionBaseDate: {base_date!r} (нужно yyyy.mm.dd)")
    base_number = string(task, "correctionBaseNumber", "", required=correction_type == "instruction")
    return correction_type, base_date, base_number


def check_payments(receipt: ParsedReceipt) -> None:
    """Payments against the total: below it is 66; only cash may exceed it (the change)."""
    if receipt.paid < receipt.total:
        raise TaskError(NOT_FULLY_PAID, "Чек оплачен не полностью")
    if receipt.paid - receipt.cash > receipt.total:
        raise TaskError(NONCASH_TOO_MUCH, "Сумма некэш оплат превышает сумму чека")


def parse_cash_sum(task: dict[str, object]) -> int:
    amount = money(task, "cashSum", "") or 0
    if amount <= 0:
        raise parse_error("поле cashSum должно быть больше нуля")
    return amount


def operator_name(task: dict[str, object]) -> str:
    operator = obj_or_none(task, "operator", "") or {}
    return string(operator, "name", "operator.", required=False) or ""
