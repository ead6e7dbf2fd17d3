"""Task builders and result parsers: kopecks become exact rouble JSON numbers and come back unchanged."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.base import FiscalPaymentType, ReceiptKind, VatRate
from drivers.errors import (
    CoverOpen,
    DeviceBusy,
    DeviceError,
    DeviceRejected,
    DeviceUnavailable,
    FiscalStorageBlocked,
    FiscalStorageExpired,
    InsufficientCash,
    OutcomeUnknown,
    PaperOut,
    ProtocolError,
    ShiftAlreadyOpen,
    ShiftClosed,
    ShiftExpired,
)
from drivers.fiscal.atol.errors import error_for
from drivers.fiscal.atol.tasks import (
    build_qr,
    cash_task,
    encode_request,
    encode_task,
    parse_document,
    receipt_task,
    roubles,
    to_kopecks,
)
from tests.drivers.fiscal.conftest import OPERATOR, item, receipt

pytestmark = pytest.mark.unit


def sell_json(**kwargs: object) -> dict[str, object]:
    data = json.loads(encode_task(receipt_task(receipt(**kwargs))))  # type: ignore[arg-type]
    assert isinstance(data, dict)
    return data


def test_one_kopeck_is_written_as_0_01() -> None:
    body = encode_task(receipt_task(receipt(items=[item(price=1)])))
    assert b'"price":0.01' in body
    assert b'"amount":0.01' in body
    assert b'"total":0.01' in body


def test_250_10_is_written_exactly_with_two_decimals() -> None:
    body = encode_task(receipt_task(receipt(items=[item(price=25010)])))
    assert b'"price":250.10' in body
    assert b'"sum":250.10' in body


def test_weighed_item_keeps_quantity_and_amount_exact() -> None:
    # 0.250 kg × 123.45 = 30.8625, rounded half up to 30.86
    weighed = item(price=12345, quantity="0.250", amount=3086)
    body = encode_task(receipt_task(receipt(items=[weighed])))
    assert b'"price":123.45,"quantity":0.250,"amount":30.86' in body


def test_whole_roubles_keep_two_decimals() -> None:
    assert str(roubles(10000)) == "100.00"
    assert b'"cashSum":100.00' in encode_task(cash_task("cashIn", 10000, OPERATOR))


@given(st.integers(min_value=0, max_value=10**12))
def test_kopecks_round_trip_through_json(kopecks: int) -> None:
    wire = msgspec.json.Encoder(decimal_format="number").encode(roubles(kopecks))
    assert to_kopecks(msgspec.json.decode(wire, type=Decimal)) == kopecks


def test_fraction_of_a_kopeck_from_the_device_is_a_protocol_error() -> None:
    with pytest.raises(ProtocolError):
        to_kopecks(Decimal("1.005"))


def test_sell_task_shape() -> None:
    data = sell_json(items=[item(vat=VatRate.VAT122)], payments=[(FiscalPaymentType.CASH, 30000)])
    assert data["type"] == "sell"
    assert data["taxationType"] == "usnIncome"
    assert data["operator"] == {"name": "Кассир Иванова"}
    position = data["items"][0]  # type: ignore[index]
    assert position["type"] == "position"
    assert position["tax"] == {"type": "vat122"}
    assert position["paymentMethod"] == "fullPayment"
    assert position["paymentObject"] == "commodity"
    assert position["measurementUnit"] == "piece"
    assert data["payments"] == [{"type": "cash", "sum": 300.0}]
    # optional fields are left out rather than sent as null or false
    assert "clientInfo" not in data and "electronically" not in data and "correctionType" not in data


def test_discount_goes_out_as_info_discount_amount() -> None:
    data = sell_json(items=[item(price=20000, discount=2000)])
    position = data["items"][0]  # type: ignore[index]
    assert position["amount"] == 180.0
    assert position["infoDiscountAmount"] == 20.0


def test_electronic_receipt_carries_the_contact() -> None:
    data = sell_json(customer_contact="+79990000000", electronically=True)
    assert data["electronically"] is True
    assert data["clientInfo"] == {"emailOrPhone": "+79990000000"}


def test_refund_keeps_the_original_document_in_tag_1192() -> None:
    data = sell_json(kind=ReceiptKind.SELL_RETURN, original_document_number=17)
    assert data["type"] == "sellReturn"
    assert data["additionalAttribute"] == "17"


def test_correction_fields() -> None:
    data = sell_json(
        kind=ReceiptKind.SELL_CORRECTION,
        correction_type="instruction",
        correction_base_date="2026.02.28",
        correction_base_number="12-34",
    )
    assert (data["type"], data["correctionType"]) == ("sellCorrection", "instruction")
    assert (data["correctionBaseDate"], data["correctionBaseNumber"]) == ("2026.02.28", "12-34")


def test_request_envelope() -> None:
    data = json.loads(encode_request("5f0c…", [cash_task("cashOut", 1, None)]))
    assert data == {"uuid": "5f0c…", "request": [{"type": "cashOut", "cashSum": 0.01}]}


def test_qr_payload() -> None:
    at = datetime.fromisoformat("2026-03-01T10:15:00+03:00")
    assert build_qr(at, 25010, "7380440700012345", 143, "2836341977", 1) == (
        "t=20260301T1015&s=250.10&fn=7380440700012345&i=143&fp=2836341977&n=1"
    )


def test_parse_receipt_result() -> None:
    raw = json.dumps(
        {
            "fiscalParams": {
                "fiscalDocumentNumber": 143,
                "fiscalDocumentSign": 2836341977,
                "fiscalDocumentDateTime": "2026-03-01T10:15:00+03:00",
                "fiscalReceiptNumber": 12,
                "shiftNumber": 7,
                "total": 250.1,
                "fnNumber": "7380440700012345",
                "registrationNumber": "0000000001002292  ",
                "fnsUrl": "www.nalog.gov.ru",
            },
            "warnings": {"notPrinted": True},
        }
    ).encode()
    doc = parse_document(raw, "sellReturn", kind=ReceiptKind.SELL_RETURN)
    assert doc.total == 25010
    assert doc.document_sign == "2836341977"
    assert doc.document_datetime == datetime(2026, 3, 1, 7, 15, tzinfo=UTC)
    assert doc.registration_number == "0000000001002292"
    assert doc.not_printed is True
    assert doc.qr.endswith("&i=143&fp=2836341977&n=2")
    assert doc.qr.startswith("t=20260301T1015&s=250.10")


def test_unexpected_result_is_a_protocol_error() -> None:
    with pytest.raises(ProtocolError):
        parse_document(b'{"fiscalParams": {}}', "sell")


ERROR_TABLE: list[tuple[int, bool, type[DeviceError]]] = [
    (1, False, DeviceUnavailable),
    (2, False, DeviceUnavailable),
    (3, False, DeviceUnavailable),
    (241, False, DeviceUnavailable),
    (1, True, OutcomeUnknown),
    (2, True, OutcomeUnknown),
    (3, True, OutcomeUnknown),
    (241, True, OutcomeUnknown),
    (44, True, PaperOut),
    (45, True, CoverOpen),
    (55, False, DeviceBusy),
    (66, True, DeviceRejected),
    (52, True, DeviceRejected),
    (501, True, DeviceRejected),
    (502, True, DeviceRejected),
    (999, True, DeviceRejected),
    (68, True, ShiftExpired),
    (141, True, ShiftExpired),
    (73, True, ShiftClosed),
    (83, True, ShiftAlreadyOpen),
    (80, True, InsufficientCash),
    (120, True, FiscalStorageExpired),
    (121, True, FiscalStorageExpired),
    (136, True, FiscalStorageExpired),
    (137, True, FiscalStorageExpired),
    (140, True, FiscalStorageBlocked),
    (177, True, OutcomeUnknown),
    (177, False, OutcomeUnknown),
]


@pytest.mark.parametrize(("code", "mutating", "expected"), ERROR_TABLE)
def test_error_mapping(code: int, mutating: bool, expected: type[DeviceError]) -> None:
    error = error_for(code, "описание", mutating=mutating, device_id="fiscal-1")
    assert type(error) is expected
    assert error.code == code
    assert error.device_id == "fiscal-1"
    assert "описание" in error.message
