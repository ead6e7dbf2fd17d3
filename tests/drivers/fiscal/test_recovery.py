"""Resolving receipts whose answer was lost (atol-fiscal.md §4.3): every branch of ``resolve`` and, for every
injected fault, exactly one fiscal document per sale once the agent's send → resolve → resend flow ends."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest

from drivers.base import (
    FiscalDocument,
    FiscalOutcomeKind,
    FiscalPaymentType,
    FiscalReceipt,
    PendingFiscal,
    ReceiptKind,
    Refutation,
)
from drivers.errors import OutcomeUnknown, PaperOut
from drivers.fiscal import AtolWebServerRegistrar
from drivers.fiscal.atol.tasks import bare_task, encode_request, operator_task, receipt_task
from tests.drivers.fiscal.conftest import OPERATOR, Harness, item, pending_for, receipt

pytestmark = pytest.mark.integration

REGISTERED = FiscalOutcomeKind.REGISTERED
NOT_REGISTERED = FiscalOutcomeKind.NOT_REGISTERED
UNKNOWN = FiscalOutcomeKind.UNKNOWN
CASH = FiscalPaymentType.CASH


async def settle(registrar: AtolWebServerRegistrar, sale: FiscalReceipt, pending: PendingFiscal) -> FiscalDocument:
    """What the agent does: send; on an unknown outcome resolve; send again only when proven not registered."""
    try:
        return await registrar.register_receipt(sale, pending.request_id)
    except OutcomeUnknown:
        pass
    outcome = await registrar.resolve(pending)
    if outcome.kind is REGISTERED:
        assert outcome.document is not None
        return outcome.document
    assert outcome.kind is NOT_REGISTERED, outcome
    return await registrar.register_receipt(sale, uuid.uuid4())


def post_raw(atol: Harness, request_id: uuid.UUID, sale: FiscalReceipt) -> None:
    body = encode_request(str(request_id), [receipt_task(sale)])
    response = atol.http.post(f"{atol.url}/api/v2/requests", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 201


@pytest.fixture
async def shop(open_shift: AtolWebServerRegistrar) -> AsyncIterator[AtolWebServerRegistrar]:
    yield open_shift


# ----------------------------------------------------------------------------- faults, end to end

FAULTS: list[tuple[dict[str, Any], bool]] = [
    # (faults, the document is found in the FN rather than through the request)
    ({"dropBeforeCommit": True}, False),
    ({"dropAfterCommit": True}, False),
    ({"dropAfterCommit": True, "forgetRequest": True}, True),
    ({"dropAfterCommit": True, "forgetRequest": True, "paperOutAfterCommit": True}, True),
    ({"dropAfterCommit": True, "coverOpenAfterCommit": True}, False),
    ({"nextError": {"code": 177, "task": "sell"}}, False),
    ({"nextError": {"code": 241, "task": "sell"}}, False),
    ({"nextError": {"code": 2, "task": "sell"}}, False),
]


@pytest.mark.parametrize(("faults", "from_fn"), FAULTS)
async def test_every_fault_ends_with_exactly_one_document_per_sale(
    shop: AtolWebServerRegistrar, atol: Harness, faults: dict[str, Any], from_fn: bool
) -> None:
    before = shop_sale = receipt(items=[item(price=31415)])
    await shop.register_receipt(receipt(items=[item(price=100)]), uuid.uuid4())  # a sale before the fault
    atol.faults(**faults)
    pending = await pending_for(shop, shop_sale)
    doc = await settle(shop, shop_sale, pending)
    assert doc.total == 31415 and doc.recovered is from_fn
    assert atol.receipts_in_journal(31415) == 1
    assert atol.journal_numbers() == list(range(1, doc.document_number + 1))
    fn_copy = await shop.fn_document(doc.document_number)
    assert (fn_copy.sign, fn_copy.total) == (doc.document_sign, 31415)
    if doc.not_printed:
        atol.faults(paperOut=False, coverOpen=False)
        await shop.continue_print()
    assert atol.paper(doc.document_number).exists()
    # and the shop goes on selling
    after = await shop.register_receipt(before, uuid.uuid4())
    assert after.document_number == doc.document_number + 1


async def test_server_going_down_mid_receipt_is_outcome_unknown_then_resolved(
    shop: AtolWebServerRegistrar, atol: Harness
) -> None:
    sale = receipt(items=[item(price=777)])
    pending = await pending_for(shop, sale)
    atol.faults(delay=0.5)
    sending = asyncio.create_task(shop.register_receipt(sale, pending.request_id))
    while b"inProgress" not in (atol.emu.results(str(pending.request_id)) or b""):
        await asyncio.sleep(0.01)
    await asyncio.to_thread(atol.emu.stop)  # the POST was accepted: a refused poll is not "not sent"
    with pytest.raises(OutcomeUnknown):
        await sending
    atol.start_again()  # the device never finished the task: the Web Server now reports 241
    outcome = await shop.resolve(pending)
    assert outcome.kind is NOT_REGISTERED and "FN still at FD" in outcome.detail
    await shop.register_receipt(sale, uuid.uuid4())
    assert atol.receipts_in_journal(777) == 1


# ------------------------------------------------------------------------------ resolve, by branch


async def test_same_uuid_ready_is_registered_without_reading_the_fn(
    shop: AtolWebServerRegistrar, atol: Harness
) -> None:
    sale = receipt()
    pending = await pending_for(shop, sale)
    atol.faults(dropAfterCommit=True, paperOutAfterCommit=True)
    with pytest.raises(OutcomeUnknown):
        await shop.register_receipt(sale, pending.request_id)
    outcome = await shop.resolve(pending)
    assert outcome.kind is REGISTERED and outcome.detail == "result of the same request"
    assert outcome.document is not None
    assert outcome.document.recovered is False and outcome.document.not_printed is True
    assert outcome.document.document_number == pending.last_known_document_number + 1


async def test_still_running_is_unknown(shop: AtolWebServerRegistrar, atol: Harness) -> None:
    sale = receipt()
    pending = await pending_for(shop, sale)
    atol.faults(delay=1.0)
    post_raw(atol, pending.request_id, sale)
    shop.resolve_timeout = 0.05
    outcome = await shop.resolve(pending)
    assert outcome.kind is UNKNOWN and "still" in outcome.detail


async def test_device_refusal_is_not_registered(shop: AtolWebServerRegistrar, atol: Harness) -> None:
    sale = receipt()
    pending = await pending_for(shop, sale)
    atol.faults(paperOut=True)
    with pytest.raises(PaperOut):
        await shop.register_receipt(sale, pending.request_id)
    outcome = await shop.resolve(pending)
    assert outcome.kind is NOT_REGISTERED and "44" in outcome.detail


async def test_canceled_request_is_not_registered(shop: AtolWebServerRegistrar, atol: Harness) -> None:
    sale = receipt()
    pending = await pending_for(shop, sale)
    atol.faults(delay=0.3)
    atol.http.post(f"{atol.url}/api/v2/requests", json={"uuid": str(uuid.uuid4()), "request": [{"type": "reportX"}]})
    post_raw(atol, pending.request_id, sale)
    assert atol.http.delete(f"{atol.url}/api/v2/requests/{pending.request_id}").status_code == 200
    outcome = await shop.resolve(pending)
    assert outcome.kind is NOT_REGISTERED and "canceled" in outcome.detail


async def test_interrupted_request_is_not_registered(shop: AtolWebServerRegistrar, atol: Harness) -> None:
    sale = receipt()
    pending = await pending_for(shop, sale)
    body = encode_request(str(pending.request_id), [operator_task("openShift", OPERATOR), receipt_task(sale)])
    atol.http.post(f"{atol.url}/api/v2/requests", content=body, headers={"Content-Type": "application/json"})
    outcome = await shop.resolve(pending)  # openShift fails (83: already open), so the sale never runs
    assert outcome.kind is NOT_REGISTERED and "interrupted" in outcome.detail
    assert await shop.last_document_number() == pending.last_known_document_number


async def test_unreadable_result_of_the_same_uuid_is_unknown(shop: AtolWebServerRegistrar, atol: Harness) -> None:
    pending = await pending_for(shop, receipt())
    body = encode_request(str(pending.request_id), [bare_task("getFnStatus")])  # not a receipt result
    atol.http.post(f"{atol.url}/api/v2/requests", content=body, headers={"Content-Type": "application/json"})
    outcome = await shop.resolve(pending)
    assert outcome.kind is UNKNOWN and "unreadable result" in outcome.detail


async def test_unknown_uuid_and_unchanged_fn_is_not_registered(shop: AtolWebServerRegistrar) -> None:
    pending = await pending_for(shop, receipt())
    outcome = await shop.resolve(pending)
    assert outcome.kind is NOT_REGISTERED and "FN still at FD" in outcome.detail


async def test_unknown_uuid_and_matching_fn_document_is_recovered(shop: AtolWebServerRegistrar, atol: Harness) -> None:
    sale = receipt(payments=[(CASH, 30000)])
    pending = await pending_for(shop, sale)
    atol.faults(dropAfterCommit=True, forgetRequest=True)
    with pytest.raises(OutcomeUnknown):
        await shop.register_receipt(sale, pending.request_id)
    outcome = await shop.resolve(pending)
    assert outcome.kind is REGISTERED
    doc = outcome.document
    assert doc is not None and doc.recovered is True and doc.not_printed is False
    stored = atol.emu.device.store.load_document(doc.document_number)
    assert stored is not None
    assert (doc.document_sign, doc.total, doc.receipt_number) == (stored.sign, 25010, stored.receipt_number)
    assert doc.fn_number == atol.emu.device.state.fn_serial
    assert doc.document_datetime == stored.at
    assert doc.qr.endswith(f"&i={doc.document_number}&fp={doc.document_sign}&n=1")


async def test_recovery_matches_the_operation_not_just_the_total(shop: AtolWebServerRegistrar, atol: Harness) -> None:
    await shop.cash_in(50000, OPERATOR)
    refund = receipt(kind=ReceiptKind.SELL_RETURN, payments=[(CASH, 25010)])
    pending = await pending_for(shop, refund)
    sale = await shop.register_receipt(receipt(), uuid.uuid4())  # same total, but a sale
    atol.faults(dropAfterCommit=True, forgetRequest=True)
    with pytest.raises(OutcomeUnknown):
        await shop.register_receipt(refund, pending.request_id)
    outcome = await shop.resolve(pending)
    assert outcome.kind is REGISTERED and outcome.document is not None
    assert outcome.document.document_number == sale.document_number + 1
    assert outcome.document.qr.endswith("&n=2")


async def test_new_documents_that_do_not_match_prove_not_registered(shop: AtolWebServerRegistrar) -> None:
    pending = await pending_for(shop, receipt())
    await shop.register_receipt(receipt(items=[item(price=100)]), uuid.uuid4())
    await shop.close_shift(OPERATOR)
    outcome = await shop.resolve(pending)
    assert outcome.kind is NOT_REGISTERED and "none of FD" in outcome.detail


async def test_two_matching_documents_are_unknown(shop: AtolWebServerRegistrar) -> None:
    pending = await pending_for(shop, receipt())
    await shop.register_receipt(receipt(), uuid.uuid4())
    await shop.register_receipt(receipt(), uuid.uuid4())
    outcome = await shop.resolve(pending)
    assert outcome.kind is UNKNOWN and "several" in outcome.detail


async def test_documents_claimed_by_other_operations_are_not_candidates(shop: AtolWebServerRegistrar) -> None:
    pending = await pending_for(shop, receipt())
    first = await shop.register_receipt(receipt(), uuid.uuid4())  # other sales of the same total
    second = await shop.register_receipt(receipt(), uuid.uuid4())
    both = replace(pending, claimed_documents=frozenset({first.document_number, second.document_number}))
    outcome = await shop.resolve(both)
    assert outcome.kind is NOT_REGISTERED and "2 of them other operations'" in outcome.detail
    one = replace(pending, claimed_documents=frozenset({first.document_number}))
    outcome = await shop.resolve(one)
    assert outcome.kind is REGISTERED and outcome.document is not None
    assert outcome.document.document_number == second.document_number  # only what was claimed is skipped


async def test_without_the_fn_search_only_the_web_servers_record_answers(shop: AtolWebServerRegistrar) -> None:
    sale = receipt()
    never_sent = replace(await pending_for(shop, sale), search_fiscal_storage=False)
    sent = replace(await pending_for(shop, sale), search_fiscal_storage=False)
    await shop.register_receipt(sale, sent.request_id)
    outcome = await shop.resolve(never_sent)  # the FN moved on, with a matching document, but it is not searched
    assert outcome.kind is UNKNOWN and outcome.request_unknown
    outcome = await shop.resolve(sent)
    assert outcome.kind is REGISTERED and not outcome.request_unknown


async def test_fn_behind_the_journal_is_unknown(shop: AtolWebServerRegistrar) -> None:
    pending = await pending_for(shop, receipt())
    ahead = PendingFiscal(
        request_id=pending.request_id,
        kind=pending.kind,
        total=pending.total,
        last_known_document_number=pending.last_known_document_number + 5,
        started_at=pending.started_at,
    )
    outcome = await shop.resolve(ahead)
    assert outcome.kind is UNKNOWN and "replaced FN" in outcome.detail


async def test_unreadable_fn_document_is_unknown_until_asked_again(shop: AtolWebServerRegistrar, atol: Harness) -> None:
    sale = receipt()
    pending = await pending_for(shop, sale)
    atol.faults(dropAfterCommit=True, forgetRequest=True)
    with pytest.raises(OutcomeUnknown):
        await shop.register_receipt(sale, pending.request_id)
    atol.faults(nextError={"code": 55, "task": "getFnDocument"})
    first = await shop.resolve(pending)
    assert first.kind is UNKNOWN and "cannot read FD" in first.detail
    assert (await shop.resolve(pending)).kind is REGISTERED


async def test_fn_status_failure_is_unknown(shop: AtolWebServerRegistrar, atol: Harness) -> None:
    pending = await pending_for(shop, receipt())
    atol.faults(nextError={"code": 2, "task": "getFnStatus"})
    outcome = await shop.resolve(pending)
    assert outcome.kind is UNKNOWN and "fiscal storage unreachable" in outcome.detail


async def test_unreachable_web_server_is_unknown(shop: AtolWebServerRegistrar, atol: Harness) -> None:
    pending = await pending_for(shop, receipt())
    atol.emu.stop()
    outcome = await shop.resolve(pending)
    assert outcome.kind is UNKNOWN


async def test_recovered_document_while_paper_is_out_needs_continue_print(
    shop: AtolWebServerRegistrar, atol: Harness
) -> None:
    sale = receipt()
    pending = await pending_for(shop, sale)
    atol.faults(dropAfterCommit=True, forgetRequest=True, paperOutAfterCommit=True)
    with pytest.raises(OutcomeUnknown):
        await shop.register_receipt(sale, pending.request_id)
    outcome = await shop.resolve(pending)
    assert outcome.document is not None and outcome.document.not_printed is True
    number = outcome.document.document_number
    assert not atol.paper(number).exists()
    atol.faults(paperOut=False)
    await shop.continue_print()
    assert atol.paper(number).exists()


# ------------------------------------------------------------------ a document named from the paper receipt


async def test_a_named_document_settles_what_the_search_cannot(shop: AtolWebServerRegistrar) -> None:
    pending = await pending_for(shop, receipt())
    first = await shop.register_receipt(receipt(), uuid.uuid4())
    second = await shop.register_receipt(receipt(), uuid.uuid4())
    assert (await shop.resolve(pending)).kind is UNKNOWN  # two sales match: the search cannot tell
    outcome = await shop.resolve(replace(pending, named_document=second.document_number))
    assert outcome.kind is REGISTERED and not outcome.refuted and outcome.document is not None
    doc = outcome.document
    assert (doc.document_number, doc.document_sign, doc.recovered) == (
        second.document_number,
        second.document_sign,
        True,
    )
    outcome = await shop.resolve(replace(pending, named_document=first.document_number))
    assert outcome.kind is REGISTERED and outcome.document is not None
    assert outcome.document.document_number == first.document_number


async def test_a_named_document_that_cannot_be_this_receipt_is_refuted(shop: AtolWebServerRegistrar) -> None:
    before = await shop.register_receipt(receipt(), uuid.uuid4())
    pending = await pending_for(shop, receipt())
    other_total = await shop.register_receipt(receipt(items=[item(price=100)]), uuid.uuid4())
    claimed = await shop.register_receipt(receipt(), uuid.uuid4())
    last = await shop.last_document_number()
    cases = {
        before.document_number: (Refutation.ISSUED_BEFORE, "before this receipt was sent"),
        last + 1: (Refutation.NOT_IN_FN, f"its last document is FD {last}"),
        other_total.document_number: (Refutation.DIFFERENT_SALE, "is not a sell of 25010 kopecks"),
        claimed.document_number: (Refutation.ANOTHER_OPERATION, "another operation's"),
    }
    for number, (reason, why) in cases.items():
        named = replace(pending, named_document=number, claimed_documents=frozenset({claimed.document_number}))
        outcome = await shop.resolve(named)
        assert outcome.kind is UNKNOWN and outcome.refuted is reason and why in outcome.detail, (number, outcome)
        assert outcome.document is None


async def test_a_named_document_is_refuted_by_the_requests_own_record(shop: AtolWebServerRegistrar) -> None:
    sale = receipt()
    pending = await pending_for(shop, sale)
    doc = await shop.register_receipt(sale, pending.request_id)
    other = await shop.register_receipt(receipt(), uuid.uuid4())
    outcome = await shop.resolve(replace(pending, named_document=other.document_number))
    assert outcome.kind is UNKNOWN and outcome.refuted is Refutation.REQUEST_BECAME
    assert f"the request itself became FD {doc.document_number}" in outcome.detail
    mine = await shop.resolve(replace(pending, named_document=doc.document_number))
    assert mine.kind is REGISTERED and mine.document is not None and not mine.document.recovered


async def test_a_named_document_is_refuted_when_the_device_refused_the_request(
    shop: AtolWebServerRegistrar, atol: Harness
) -> None:
    sale = receipt()
    pending = await pending_for(shop, sale)
    atol.faults(paperOut=True)
    with pytest.raises(PaperOut):
        await shop.register_receipt(sale, pending.request_id)
    atol.faults(paperOut=False)
    other = await shop.register_receipt(receipt(), uuid.uuid4())
    outcome = await shop.resolve(replace(pending, named_document=other.document_number))
    assert outcome.kind is UNKNOWN and outcome.refuted is Refutation.REQUEST_REFUSED
    assert "is not this receipt: device refused" in outcome.detail


async def test_a_named_document_is_unknown_while_the_fn_cannot_be_read(
    shop: AtolWebServerRegistrar, atol: Harness
) -> None:
    pending = await pending_for(shop, receipt())
    sale = await shop.register_receipt(receipt(), uuid.uuid4())
    atol.faults(nextError={"code": 2, "task": "getFnStatus"})
    outcome = await shop.resolve(replace(pending, named_document=sale.document_number))
    assert outcome.kind is UNKNOWN and not outcome.refuted
    atol.faults(nextError={"code": 55, "task": "getFnDocument"})
    outcome = await shop.resolve(replace(pending, named_document=sale.document_number))
    assert outcome.kind is UNKNOWN and not outcome.refuted and "cannot read FD" in outcome.detail
