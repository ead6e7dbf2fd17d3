"""The ATOL driver against the emulator over HTTP: documents, shift and cash rules, status reads, printing,
persistence across restarts, and the mapping of every device error onto the driver error tree."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from drivers.base import FiscalPaymentType, FiscalRegistrar, ReceiptKind, ShiftState, VatRate
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
    ShiftAlreadyOpen,
    ShiftClosed,
    ShiftExpired,
)
from drivers.fiscal import AtolWebServerRegistrar
from drivers.fiscal.atol import client as atol_client
from drivers.fiscal.atol.tasks import Task, bare_task, encode_request
from tests.drivers.fiscal.conftest import OPERATOR, Harness, item, receipt

pytestmark = pytest.mark.integration

CASH = FiscalPaymentType.CASH
CARD = FiscalPaymentType.ELECTRONICALLY
DAY = 24 * 3600


def test_the_driver_is_a_fiscal_registrar(registrar: AtolWebServerRegistrar) -> None:
    assert isinstance(registrar, FiscalRegistrar)


async def test_open_shift_produces_a_fiscal_document(registrar: AtolWebServerRegistrar, atol: Harness) -> None:
    doc = await registrar.open_shift(OPERATOR)
    assert doc.document_number == 2  # FD 1 is the registration report
    assert doc.shift_number == 1
    assert doc.fn_number == atol.emu.device.state.fn_serial
    assert doc.document_sign.isdigit()
    assert doc.total is None and doc.qr == ""
    assert "ОТЧЁТ ОБ ОТКРЫТИИ СМЕНЫ" in atol.paper(2).read_text()
    status = await registrar.shift_status()
    assert status.state is ShiftState.OPENED and status.number == 1
    assert status.expires_at is not None
    assert status.expires_at - doc.document_datetime == timedelta(hours=24)


async def test_opening_an_open_shift_is_refused(open_shift: AtolWebServerRegistrar) -> None:
    with pytest.raises(ShiftAlreadyOpen) as err:
        await open_shift.open_shift(OPERATOR)
    assert err.value.code == 83


async def test_a_sale_in_a_closed_shift_is_refused_and_no_shift_is_opened(
    registrar: AtolWebServerRegistrar, atol: Harness
) -> None:
    with pytest.raises(ShiftClosed):
        await registrar.register_receipt(receipt(), uuid.uuid4())
    assert (await registrar.shift_status()).state is ShiftState.CLOSED
    assert await registrar.last_document_number() == 1


async def test_sale_returns_fiscal_params_and_lands_in_the_journal(
    open_shift: AtolWebServerRegistrar, atol: Harness
) -> None:
    sale = receipt(items=[item(price=25010), item(price=12345, quantity="0.250", amount=3086, name="Сыр")])
    doc = await open_shift.register_receipt(sale, uuid.uuid4())
    assert (doc.document_number, doc.receipt_number, doc.total) == (3, 1, 28096)
    assert doc.not_printed is False and doc.recovered is False
    local = doc.document_datetime.astimezone(atol.emu.tz)
    assert doc.qr == (f"t={local:%Y%m%dT%H%M}&s=280.96&fn={doc.fn_number}&i=3&fp={doc.document_sign}&n=1")
    paper = atol.paper(3).read_text()
    assert "КАССОВЫЙ ЧЕК" in paper and "ПРИХОД" in paper and "Сыр" in paper
    assert "ИТОГ                     =280.96" in paper
    assert f"ФП {doc.document_sign:>29}" in paper


async def test_fn_document_holds_the_receipt_tags(open_shift: AtolWebServerRegistrar) -> None:
    doc = await open_shift.register_receipt(receipt(items=[item(price=1)]), uuid.uuid4())
    stored = await open_shift.fn_document(doc.document_number)
    assert stored.document_type == 3
    assert stored.operation == 1
    assert stored.total == 1
    assert stored.sign == doc.document_sign
    assert stored.receipt_number == 1
    assert stored.local_time is not None and stored.local_time.astimezone(doc.document_datetime.tzinfo) == (
        doc.document_datetime
    )


async def test_fn_document_raw_tlv(open_shift: AtolWebServerRegistrar, atol: Harness) -> None:
    sale = receipt(payments=[(CASH, 30000)], customer_contact="buyer@example.com")
    doc = await open_shift.register_receipt(sale, uuid.uuid4())
    response = atol.http.post(
        f"{atol.url}/api/v2/requests",
        json={"uuid": str(uuid.uuid4()), "request": [{"type": "getFnDocument", "fiscalDocumentNumber": 3}]},
    )
    request_id = response.json()["uuid"]
    for _ in range(200):
        (res,) = atol.http.get(f"{atol.url}/api/v2/requests/{request_id}").json()["results"]
        if res["status"] == "ready":
            break
        time.sleep(0.005)
    tlv = res["result"]["documentTLV"]
    assert tlv["fiscalDocumentType"] == 3
    assert (tlv["1054"], tlv["1020"], tlv["1040"], tlv["1077"]) == (1, 250.1, 3, doc.document_sign)
    assert (tlv["1031"], tlv["1081"], tlv["1042"], tlv["1038"]) == (300.0, 0.0, 1, 1)
    assert tlv["1008"] == "buyer@example.com"
    assert tlv["1059"][0]["1030"] == "Капучино 0,3" and tlv["1059"][0]["1199"] == 11
    assert tlv["qr"] == doc.qr


async def test_unknown_fn_document_is_rejected(open_shift: AtolWebServerRegistrar) -> None:
    with pytest.raises(DeviceRejected):
        await open_shift.fn_document(99)


async def test_refund_is_a_return_receipt_and_pays_cash_out(open_shift: AtolWebServerRegistrar, atol: Harness) -> None:
    await open_shift.register_receipt(receipt(payments=[(CASH, 25010)]), uuid.uuid4())
    refund = receipt(kind=ReceiptKind.SELL_RETURN, payments=[(CASH, 25010)], original_document_number=3)
    doc = await open_shift.register_receipt(refund, uuid.uuid4())
    assert doc.qr.endswith("&n=2")
    assert (await open_shift.fn_document(doc.document_number)).operation == 2
    assert atol.emu.device.state.cash == 0
    assert "ВОЗВРАТ ПРИХОДА" in atol.paper(doc.document_number).read_text()


async def test_cash_refund_above_the_drawer_is_insufficient_cash(open_shift: AtolWebServerRegistrar) -> None:
    await open_shift.cash_in(10000, OPERATOR)
    refund = receipt(kind=ReceiptKind.SELL_RETURN, payments=[(CASH, 25010)])
    with pytest.raises(InsufficientCash) as err:
        await open_shift.register_receipt(refund, uuid.uuid4())
    assert err.value.code == 80
    card_refund = receipt(kind=ReceiptKind.SELL_RETURN, payments=[(CARD, 25010)])
    assert (await open_shift.register_receipt(card_refund, uuid.uuid4())).total == 25010


async def test_cash_counter_follows_cash_in_sales_change_and_cash_out(open_shift: AtolWebServerRegistrar) -> None:
    assert await open_shift.cash_in(50000, OPERATOR) == 50000
    await open_shift.register_receipt(receipt(payments=[(CASH, 30000)]), uuid.uuid4())  # 250.10, change 49.90
    await open_shift.register_receipt(receipt(payments=[(CARD, 25010)]), uuid.uuid4())
    assert await open_shift.cash_out(10, OPERATOR) == 75000
    with pytest.raises(InsufficientCash):
        await open_shift.cash_out(75001, OPERATOR)
    assert await open_shift.cash_out(75000, OPERATOR) == 0


async def test_cash_in_needs_an_open_shift(registrar: AtolWebServerRegistrar) -> None:
    with pytest.raises(ShiftClosed):
        await registrar.cash_in(100, OPERATOR)


async def test_correction_receipt(open_shift: AtolWebServerRegistrar, atol: Harness) -> None:
    correction = receipt(
        kind=ReceiptKind.SELL_CORRECTION,
        payments=[(CASH, 25010)],
        correction_type="self",
        correction_base_date="2026.02.28",
    )
    doc = await open_shift.register_receipt(correction, uuid.uuid4())
    stored = await open_shift.fn_document(doc.document_number)
    assert (stored.document_type, stored.operation, stored.total) == (31, 1, 25010)
    assert "КАССОВЫЙ ЧЕК КОРРЕКЦИИ" in atol.paper(doc.document_number).read_text()


async def test_invalid_receipt_is_rejected_with_the_device_description(open_shift: AtolWebServerRegistrar) -> None:
    with pytest.raises(DeviceRejected) as err:
        await open_shift.register_receipt(receipt(electronically=True), uuid.uuid4())
    assert err.value.code == 501
    assert "emailOrPhone" in err.value.message
    with pytest.raises(DeviceRejected) as err:
        await open_shift.register_receipt(receipt(items=[item(amount=25009)]), uuid.uuid4())
    assert err.value.code == 501


async def test_payments_below_total_are_rejected(open_shift: AtolWebServerRegistrar) -> None:
    with pytest.raises(DeviceRejected) as err:
        await open_shift.register_receipt(receipt(payments=[(CASH, 25000)]), uuid.uuid4())
    assert err.value.code == 66
    with pytest.raises(DeviceRejected) as err:
        await open_shift.register_receipt(receipt(payments=[(CARD, 25011)]), uuid.uuid4())
    assert err.value.code == 52


async def test_all_new_vat_rates_go_through(open_shift: AtolWebServerRegistrar) -> None:
    rates = [VatRate.VAT22, VatRate.VAT122, VatRate.VAT5, VatRate.VAT7, VatRate.VAT105, VatRate.VAT107]
    sale = receipt(items=[item(price=1000 + i, vat=rate) for i, rate in enumerate(rates)])
    assert (await open_shift.register_receipt(sale, uuid.uuid4())).total == sum(1000 + i for i in range(6))


async def test_electronic_receipt_is_registered_without_paper(
    open_shift: AtolWebServerRegistrar, atol: Harness
) -> None:
    sale = receipt(customer_contact="+79990000000", electronically=True)
    doc = await open_shift.register_receipt(sale, uuid.uuid4())
    assert (atol.journal_dir / f"{doc.document_number:06d}.json").exists()
    assert not atol.paper(doc.document_number).exists()


async def test_the_same_request_id_never_makes_a_second_document(
    open_shift: AtolWebServerRegistrar, atol: Harness
) -> None:
    request_id = uuid.uuid4()
    first = await open_shift.register_receipt(receipt(), request_id)
    again = await open_shift.register_receipt(receipt(), request_id)
    assert again == first
    assert atol.receipts_in_journal(25010) == 1


async def test_a_done_request_with_an_unreadable_result_is_outcome_unknown(
    open_shift: AtolWebServerRegistrar, atol: Harness
) -> None:
    request_id = uuid.uuid4()
    body = encode_request(str(request_id), [bare_task("getFnStatus")])
    atol.http.post(f"{atol.url}/api/v2/requests", content=body, headers={"Content-Type": "application/json"})
    # The uuid is taken (409); its result is no fiscal document, so nothing can be claimed either way.
    with pytest.raises(OutcomeUnknown):
        await open_shift.register_receipt(receipt(), request_id)


async def test_close_shift_reports_the_receipts(open_shift: AtolWebServerRegistrar, atol: Harness) -> None:
    await open_shift.register_receipt(receipt(), uuid.uuid4())
    await open_shift.register_receipt(receipt(), uuid.uuid4())
    await open_shift.report_x(OPERATOR)
    doc = await open_shift.close_shift(OPERATOR)
    assert doc.document_number == 5
    assert "Чеков за смену                 2" in atol.paper(5).read_text()
    assert (await open_shift.shift_status()).state is ShiftState.CLOSED
    with pytest.raises(ShiftClosed):
        await open_shift.close_shift(OPERATOR)
    assert (await open_shift.open_shift(OPERATOR)).shift_number == 2


async def test_a_shift_older_than_24_hours_only_allows_closing(
    open_shift: AtolWebServerRegistrar, atol: Harness
) -> None:
    atol.advance(DAY + 60)
    status = await open_shift.shift_status()
    assert status.state is ShiftState.EXPIRED
    assert (await open_shift.device_status()).shift is ShiftState.EXPIRED
    with pytest.raises(ShiftExpired) as err:
        await open_shift.register_receipt(receipt(), uuid.uuid4())
    assert err.value.code == 68
    with pytest.raises(ShiftExpired):
        await open_shift.cash_in(100, OPERATOR)
    with pytest.raises(ShiftExpired):
        await open_shift.open_shift(OPERATOR)
    await open_shift.close_shift(OPERATOR)
    await open_shift.open_shift(OPERATOR)
    assert (await open_shift.register_receipt(receipt(), uuid.uuid4())).receipt_number == 1


async def test_thirty_days_without_the_ofd_block_the_fiscal_storage(
    open_shift: AtolWebServerRegistrar, atol: Harness
) -> None:
    atol.faults(ofdDown=True)
    first = await open_shift.register_receipt(receipt(), uuid.uuid4())
    ofd = await open_shift.ofd_status()
    assert (ofd.unsent_count, ofd.first_unsent_number) == (1, first.document_number)
    assert ofd.first_unsent_at == first.document_datetime
    await open_shift.close_shift(OPERATOR)
    atol.advance(6 * DAY)
    assert "ofdTimeout" in (await open_shift.fn_info()).warnings
    await open_shift.open_shift(OPERATOR)
    atol.advance(24 * DAY + 60)  # the first unsent document is now older than 30 days
    assert (await open_shift.device_status()).blocked is True
    with pytest.raises(FiscalStorageBlocked) as err:
        await open_shift.close_shift(OPERATOR)
    assert err.value.code == 140
    atol.faults(ofdDown=False)  # the OFD confirms the backlog
    assert (await open_shift.ofd_status()).unsent_count == 0
    await open_shift.close_shift(OPERATOR)


async def test_an_expired_fiscal_storage_refuses_documents(registrar: AtolWebServerRegistrar, atol: Harness) -> None:
    info = await registrar.fn_info()
    assert info.validity_date is not None and info.serial == atol.emu.device.state.fn_serial
    atol.advance((info.validity_date - atol.emu.device.now()).total_seconds() + 60)
    assert "needReplacement" in (await registrar.fn_info()).warnings
    with pytest.raises(FiscalStorageExpired) as err:
        await registrar.open_shift(OPERATOR)
    assert err.value.code == 120


async def test_paper_out_refuses_documents_before_the_fn(open_shift: AtolWebServerRegistrar, atol: Harness) -> None:
    atol.faults(paperOut=True)
    assert (await open_shift.device_status()).paper_present is False
    with pytest.raises(PaperOut) as err:
        await open_shift.register_receipt(receipt(), uuid.uuid4())
    assert err.value.code == 44
    atol.faults(paperOut=False, coverOpen=True)
    assert (await open_shift.device_status()).cover_open is True
    with pytest.raises(CoverOpen):
        await open_shift.register_receipt(receipt(), uuid.uuid4())
    assert await open_shift.last_document_number() == 2


@pytest.mark.parametrize("fault", ["paperOutAfterCommit", "coverOpenAfterCommit"])
async def test_paper_fault_after_commit_then_continue_print(
    open_shift: AtolWebServerRegistrar, atol: Harness, fault: str
) -> None:
    atol.faults(**{fault: True})
    doc = await open_shift.register_receipt(receipt(), uuid.uuid4())
    assert doc.not_printed is True
    assert (atol.journal_dir / "000003.json").exists() and not atol.paper(3).exists()
    with pytest.raises((PaperOut, CoverOpen)):
        await open_shift.continue_print()
    with pytest.raises((PaperOut, CoverOpen)):
        await open_shift.register_receipt(receipt(), uuid.uuid4())
    atol.faults(paperOut=False, coverOpen=False)
    await open_shift.continue_print()
    assert "КАССОВЫЙ ЧЕК" in atol.paper(3).read_text()
    await open_shift.continue_print()  # nothing owed: a no-op
    assert await open_shift.last_document_number() == 3


async def test_last_receipt_copy(open_shift: AtolWebServerRegistrar, atol: Harness) -> None:
    doc = await open_shift.register_receipt(receipt(), uuid.uuid4())
    await open_shift.print_last_receipt_copy()
    copy = (atol.journal_dir / f"{doc.document_number:06d}.copy.txt").read_text()
    assert "КОПИЯ" in copy and doc.document_sign in copy


async def test_device_info_and_status(registrar: AtolWebServerRegistrar, atol: Harness) -> None:
    info = await registrar.device_info()
    assert info["serial"] == atol.emu.serial and info["ffdVersion"] == "1.2"
    status = await registrar.device_status()
    assert status.fiscal and status.fn_present and status.paper_present and not status.blocked
    assert (await registrar.ofd_status()).unsent_count == 0


async def test_fiscal_storage_survives_a_restart(open_shift: AtolWebServerRegistrar, atol: Harness) -> None:
    await open_shift.cash_in(10000, OPERATOR)
    first = await open_shift.register_receipt(receipt(), uuid.uuid4())
    atol.restart()
    second = await open_shift.register_receipt(receipt(), uuid.uuid4())
    assert second.document_number == first.document_number + 1
    assert second.receipt_number == 2 and second.shift_number == first.shift_number
    assert second.fn_number == first.fn_number
    assert await open_shift.cash_out(10000, OPERATOR) == 0
    assert atol.journal_numbers() == [1, 2, 3, 4]


# --------------------------------------------------------------------------- injected device errors


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (1, OutcomeUnknown),
        (2, OutcomeUnknown),
        (3, OutcomeUnknown),
        (241, OutcomeUnknown),
        (177, OutcomeUnknown),
        (44, PaperOut),
        (45, CoverOpen),
        (55, DeviceBusy),
        (66, DeviceRejected),
        (52, DeviceRejected),
        (501, DeviceRejected),
        (68, ShiftExpired),
        (141, ShiftExpired),
        (73, ShiftClosed),
        (80, InsufficientCash),
        (120, FiscalStorageExpired),
        (121, FiscalStorageExpired),
        (136, FiscalStorageExpired),
        (137, FiscalStorageExpired),
        (140, FiscalStorageBlocked),
    ],
)
async def test_device_error_codes_on_a_sale(
    open_shift: AtolWebServerRegistrar, atol: Harness, code: int, expected: type[DeviceError]
) -> None:
    atol.faults(nextError={"code": code, "description": "ошибка", "task": "sell"})
    with pytest.raises(expected) as err:
        await open_shift.register_receipt(receipt(), uuid.uuid4())
    assert type(err.value) is expected and err.value.code == code


@pytest.mark.parametrize(("code", "expected"), [(2, DeviceUnavailable), (241, DeviceUnavailable), (55, DeviceBusy)])
async def test_device_error_codes_on_a_status_read(
    registrar: AtolWebServerRegistrar, atol: Harness, code: int, expected: type[DeviceError]
) -> None:
    atol.faults(nextError={"code": code})
    with pytest.raises(expected):
        await registrar.device_status()


async def test_opening_a_shift_when_the_server_is_down_is_unavailable(
    registrar: AtolWebServerRegistrar, atol: Harness
) -> None:
    atol.emu.stop()
    with pytest.raises(DeviceUnavailable):
        await registrar.open_shift(OPERATOR)
    with pytest.raises(DeviceUnavailable):
        await registrar.register_receipt(receipt(), uuid.uuid4())  # never sent: safe to retry


@pytest.fixture
async def counted(atol: Harness) -> AsyncIterator[AtolWebServerRegistrar]:
    driver = AtolWebServerRegistrar(atol.url, result_timeout=5.0, poll_interval=0.02)
    yield driver
    await driver.aclose()


def _sent(driver: AtolWebServerRegistrar) -> int:
    return driver._client.requests_sent


async def test_the_number_of_a_document_the_driver_closed_is_the_last_one_without_asking(
    counted: AtolWebServerRegistrar,
) -> None:
    driver = counted
    opened = await driver.open_shift(OPERATOR)
    sold = await driver.register_receipt(receipt(), uuid.uuid4())
    before = _sent(driver)
    assert await driver.last_document_number() == sold.document_number == opened.document_number + 1
    assert _sent(driver) == before  # answered from the receipt just closed


async def test_after_a_failure_or_another_operation_the_fn_is_asked_again(
    counted: AtolWebServerRegistrar, atol: Harness
) -> None:
    driver = counted
    await driver.open_shift(OPERATOR)
    atol.faults(paperOut=True)
    with pytest.raises(PaperOut):
        await driver.register_receipt(receipt(), uuid.uuid4())
    atol.faults(paperOut=False)
    before = _sent(driver)
    assert await driver.last_document_number() == 2
    assert _sent(driver) > before
    await driver.cash_in(10000, OPERATOR)
    before = _sent(driver)
    assert await driver.last_document_number() == 2
    assert _sent(driver) > before


async def test_the_last_number_asked_while_a_receipt_is_being_closed_waits_for_that_receipt(
    counted: AtolWebServerRegistrar, atol: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    driver = counted
    opened = await driver.open_shift(OPERATOR)
    asked: list[str] = []
    execute = driver._session.execute

    async def spy(task: Task, request_id: uuid.UUID | None = None) -> bytes | None:
        asked.append(task.type)
        return await execute(task, request_id)

    monkeypatch.setattr(driver._session, "execute", spy)
    atol.faults(delay=0.2)  # the receipt takes the device 0.2 s
    selling = asyncio.create_task(driver.register_receipt(receipt(), uuid.uuid4()))
    await asyncio.sleep(0.05)
    last = await driver.last_document_number()
    assert selling.done()
    assert last == (await selling).document_number == opened.document_number + 1
    assert asked == ["sell"]  # the FN was not asked: the receipt's own number answered


async def test_a_document_another_client_closed_is_seen_once_the_trusted_number_lapses(
    counted: AtolWebServerRegistrar,
    registrar: AtolWebServerRegistrar,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    driver = counted
    await driver.open_shift(OPERATOR)
    await registrar.register_receipt(receipt(), uuid.uuid4())  # a second client of the same Web Server
    assert await driver.last_document_number() == 2  # still trusting its own last document
    monkeypatch.setattr(atol_client, "LAST_DOCUMENT_TRUST_SECONDS", 0.0)
    assert await driver.last_document_number() == 3


async def test_polls_for_a_slow_device_aim_at_when_it_was_last_done(atol: Harness) -> None:
    driver = AtolWebServerRegistrar(atol.url, result_timeout=5.0)  # the default 0.25 s poll interval
    try:
        await driver.open_shift(OPERATOR)
        atol.faults(delay=0.2)  # a receipt takes the device 0.2 s
        polls: list[int] = []
        for _ in range(6):
            before = _sent(driver)
            await driver.register_receipt(receipt(), uuid.uuid4())
            polls.append(_sent(driver) - before - 1)  # the GETs after the POST
        # The first receipt's polls back off from 2 ms towards the interval (0, 2, 6, … 126, 254 ms); the
        # later ones start about when the device was last done.
        assert polls[0] >= 6, polls
        assert sum(polls[2:]) / len(polls[2:]) <= polls[0] / 2, polls
    finally:
        await driver.aclose()
