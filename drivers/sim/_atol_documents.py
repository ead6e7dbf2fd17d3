"""How the ATOL emulator shows a fiscal document: ``fiscalParams`` of a task result, the ``documentTLV`` of
``getFnDocument``, and the printed paper (Russian, 32 characters wide) that goes to the journal directory
as ``<FD:06d>.txt`` beside ``<FD:06d>.json``.
"""

from __future__ import annotations

import os
import textwrap
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import msgspec

from drivers.sim._atol_store import DocumentRecord, FnState

LINE = 32
SHIFT_LENGTH = timedelta(hours=24)

DOCUMENT_TITLES = {
    1: "ОТЧЁТ О РЕГИСТРАЦИИ",
    2: "ОТЧЁТ ОБ ОТКРЫТИИ СМЕНЫ",
    3: "КАССОВЫЙ ЧЕК",
    5: "ОТЧЁТ О ЗАКРЫТИИ СМЕНЫ",
    31: "КАССОВЫЙ ЧЕК КОРРЕКЦИИ",
}
OPERATIONS = {1: "ПРИХОД", 2: "ВОЗВРАТ ПРИХОДА", 3: "РАСХОД", 4: "ВОЗВРАТ РАСХОДА"}
TAXATION_BITS = {"osn": 1, "usnIncome": 2, "usnIncomeOutcome": 4, "envd": 8, "esn": 16, "patent": 32}
TAXATION_NAMES = {
    "osn": "ОСН",
    "usnIncome": "УСН доход",
    "usnIncomeOutcome": "УСН доход - расход",
    "envd": "ЕНВД",
    "esn": "ЕСХН",
    "patent": "ПСН",
}
# Tag 1199 codes; those of the 5/7/22 % rates are [U].
VAT_CODES = {
    "vat20": 1, "vat10": 2, "vat120": 3, "vat110": 4, "vat0": 5, "none": 6,
    "vat5": 7, "vat7": 8, "vat105": 9, "vat107": 10, "vat22": 11, "vat122": 12,
}  # fmt: skip
VAT_FRACTIONS = {
    "none": (0, 1), "vat0": (0, 1), "vat5": (5, 105), "vat7": (7, 107), "vat10": (10, 110), "vat20": (20, 120),
    "vat22": (22, 122), "vat105": (5, 105), "vat107": (7, 107), "vat110": (10, 110), "vat120": (20, 120),
    "vat122": (22, 122),
}  # fmt: skip
VAT_LABELS = {
    "none": "БЕЗ НДС", "vat0": "НДС 0%", "vat5": "НДС 5%", "vat7": "НДС 7%", "vat10": "НДС 10%",
    "vat20": "НДС 20%", "vat22": "НДС 22%", "vat105": "НДС 5/105", "vat107": "НДС 7/107",
    "vat110": "НДС 10/110", "vat120": "НДС 20/120", "vat122": "НДС 22/122",
}  # fmt: skip
PAYMENT_TAGS = {"cash": "1031", "electronically": "1081", "prepaid": "1215", "credit": "1216", "other": "1217"}
PAYMENT_LABELS = {
    "cash": "НАЛИЧНЫМИ",
    "electronically": "БЕЗНАЛИЧНЫМИ",
    "prepaid": "ПРЕДВАРИТЕЛЬНАЯ ОПЛАТА",
    "credit": "ПОСЛЕДУЮЩАЯ ОПЛАТА",
    "other": "ИНАЯ ФОРМА ОПЛАТЫ",
}
MEASUREMENT_LABELS = {"piece": "шт", "gram": "г", "kilogram": "кг", "milliliter": "мл", "liter": "л"}

_ENCODER = msgspec.json.Encoder(decimal_format="number")


def rub(kopecks: int) -> Decimal:
    return Decimal(kopecks).scaleb(-2)


def local(at: datetime, tz: timezone) -> str:
    return at.astimezone(tz).replace(microsecond=0).isoformat()


def vat_amount(amount: int, rate: str) -> int:
    num, den = VAT_FRACTIONS[rate]
    return int((Decimal(amount * num) / den).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def receipt_qr(state: FnState, record: DocumentRecord, tz: timezone) -> str:
    at = record.at.astimezone(tz)
    return (
        f"t={at.strftime('%Y%m%dT%H%M')}&s={rub(record.total or 0):.2f}&fn={state.fn_serial}"
        f"&i={record.number}&fp={record.sign}&n={record.operation}"
    )


def fiscal_params(state: FnState, record: DocumentRecord, tz: timezone) -> dict[str, object]:
    params: dict[str, object] = {
        "fiscalDocumentNumber": record.number,
        "fiscalDocumentSign": record.sign,
        "fiscalDocumentDateTime": local(record.at, tz),
        "shiftNumber": record.shift_number,
        "fnNumber": state.fn_serial,
        "registrationNumber": state.registration_number,
        "fnsUrl": state.fns_url,
    }
    if record.receipt_number is not None:
        params["fiscalReceiptNumber"] = record.receipt_number
        params["total"] = rub(record.total or 0)
    if record.receipts_count is not None:
        params["receiptsCount"] = record.receipts_count
    return params


def document_tlv(state: FnState, record: DocumentRecord, tz: timezone) -> dict[str, object]:
    tlv: dict[str, object] = {
        "fiscalDocumentType": record.document_type,
        "1040": record.number,
        "1077": record.sign,
        "1012": local(record.at, tz),
        "1038": record.shift_number,
        "1041": state.fn_serial,
        "1037": state.registration_number,
        "1018": state.inn,
        "1048": state.company_name,
        "1009": state.address,
        "1187": state.payments_place,
        "1060": state.fns_url,
    }
    if record.operator:
        tlv["1021"] = record.operator
    if record.operator_vatin:
        tlv["1203"] = record.operator_vatin
    if record.receipts_count is not None:
        tlv["1118"] = record.receipts_count
    if record.unsent_count is not None:
        tlv["1097"] = record.unsent_count
    if record.operation is None:
        return tlv
    tlv.update({"1054": record.operation, "1020": rub(record.total or 0), "1042": record.receipt_number})
    if record.taxation:
        tlv["1055"] = TAXATION_BITS[record.taxation]
    for kind, tag in PAYMENT_TAGS.items():
        tlv[tag] = rub(sum(p.amount for p in record.payments if p.type == kind))
    if record.contact:
        tlv["1008"] = record.contact
    if record.additional_attribute:
        tlv["1192"] = record.additional_attribute
    if record.correction_type is not None:
        tlv["1173"] = 1 if record.correction_type == "instruction" else 0
        basis: dict[str, object] = {"1178": record.correction_base_date}
        if record.correction_base_number:
            basis["1179"] = record.correction_base_number
        tlv["1174"] = basis
    tlv["1059"] = [
        {
            "1030": item.name,
            "1079": rub(item.price),
            "1023": item.quantity,
            "1043": rub(item.amount),
            "1199": VAT_CODES[item.vat],
            "1214": item.payment_method,
            "1212": item.payment_object,
            "2108": item.measurement_unit,
        }
        for item in record.items
    ]
    tlv["qr"] = receipt_qr(state, record, tz)
    return tlv


# ------------------------------------------------------------------------------------------- paper


def _pair(left: str, right: str) -> str:
    room = LINE - len(right) - 1
    if len(left) <= room:
        return left + " " * (LINE - len(left) - len(right)) + right
    return left + "\n" + right.rjust(LINE)


def _center(text: str) -> str:
    return text.center(LINE).rstrip()


def paper_text(state: FnState, record: DocumentRecord, tz: timezone, *, copy: bool = False) -> str:
    at = record.at.astimezone(tz)
    lines = [_center(state.company_name), _center(state.address), _center(state.payments_place)]
    if copy:
        lines.append(_center("КОПИЯ"))
    lines.append(_center(DOCUMENT_TITLES.get(record.document_type, "ФИСКАЛЬНЫЙ ДОКУМЕНТ")))
    if record.operation is not None:
        lines.append(_center(OPERATIONS[record.operation]))
        lines.append(_pair(f"Смена № {record.shift_number}", f"Чек № {record.receipt_number}"))
    else:
        lines.append(_pair("Смена №", str(record.shift_number)))
    if record.operator:
        lines.append(f"Кассир: {record.operator}")
    lines.append("-" * LINE)
    if record.operation is not None:
        lines.extend(_receipt_body(record))
    elif record.receipts_count is not None:
        lines.append(_pair("Чеков за смену", str(record.receipts_count)))
        lines.append(_pair("Непереданных ФД", str(record.unsent_count or 0)))
        lines.append("-" * LINE)
    lines += [
        _pair("ЗН ККТ", state.device_serial),
        _pair("РН ККТ", state.registration_number),
        _pair("ФН", state.fn_serial),
        _pair("ФД", str(record.number)),
        _pair("ФП", record.sign),
        _pair("ИНН", state.inn),
        _pair(at.strftime("%d.%m.%Y"), at.strftime("%H:%M")),
        _pair("Сайт ФНС", state.fns_url),
    ]
    if record.operation is not None:
        lines.append("QR: " + receipt_qr(state, record, tz))
    return "\n".join(lines) + "\n"


def _receipt_body(record: DocumentRecord) -> list[str]:
    lines: list[str] = []
    vat_totals: dict[str, int] = {}
    for item in record.items:
        unit = MEASUREMENT_LABELS.get(item.measurement_unit, "ед")
        lines.extend(textwrap.wrap(item.name, LINE) or [""])
        lines.append(_pair(f"  {item.quantity:f} {unit} × {rub(item.price)}", f"={rub(item.amount)}"))
        if item.discount:
            lines.append(_pair("  в т.ч. скидка", f"={rub(item.discount)}"))
        lines.append(f"  {VAT_LABELS[item.vat]}")
        vat_totals[item.vat] = vat_totals.get(item.vat, 0) + item.amount
    lines.append("-" * LINE)
    lines.append(_pair("ИТОГ", f"={rub(record.total or 0)}"))
    for payment in record.payments:
        lines.append(_pair(PAYMENT_LABELS.get(payment.type, "ОПЛАТА"), f"={rub(payment.amount)}"))
    if record.change:
        lines.append(_pair("СДАЧА", f"={rub(record.change)}"))
    for rate, amount in sorted(vat_totals.items()):
        if rate in ("none", "vat0"):
            lines.append(_pair(f"СУММА {VAT_LABELS[rate]}", f"={rub(amount)}"))
        else:
            lines.append(_pair(f"СУММА {VAT_LABELS[rate]}", f"={rub(vat_amount(amount, rate))}"))
    if record.taxation:
        lines.append(_pair("СНО", TAXATION_NAMES[record.taxation]))
    if record.contact:
        lines.append(_pair("ЭЛ. АДР. ПОКУПАТЕЛЯ", record.contact))
    if record.correction_type is not None:
        lines.append(_pair("ТИП КОРРЕКЦИИ", "ПО ПРЕДПИСАНИЮ" if record.correction_type == "instruction" else "САМОСТ."))
        lines.append(_pair("ДАТА РАСЧЁТА", record.correction_base_date or ""))
    lines.append("-" * LINE)
    return lines


class Journal:
    """The journal directory: ``<FD>.json`` when the FN closes a document, ``<FD>.txt`` when it prints."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def _write(self, name: str, data: bytes) -> None:
        tmp = self.root / f".{name}.tmp"
        tmp.write_bytes(data)
        os.replace(tmp, self.root / name)

    def record(self, state: FnState, record: DocumentRecord, tz: timezone) -> None:
        body = {
            "fiscalDocumentNumber": record.number,
            "task": record.task,
            "electronically": record.electronically,
            "fiscalParams": fiscal_params(state, record, tz),
            "documentTLV": document_tlv(state, record, tz),
        }
        self._write(f"{record.number:06d}.json", msgspec.json.format(_ENCODER.encode(body), indent=1))

    def paper(self, state: FnState, record: DocumentRecord, tz: timezone, *, copy: bool = False) -> None:
        name = f"{record.number:06d}.copy.txt" if copy else f"{record.number:06d}.txt"
        self._write(name, paper_text(state, record, tz, copy=copy).encode())
