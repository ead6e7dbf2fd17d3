"""Card tenders through the emulated ZVT terminal: approval, decline, split with cash, a lost answer
resolved through the terminal, refunds back to the card, and the reversal when the FN refuses the receipt."""

from __future__ import annotations

import json

import httpx
import pytest

from protocols.ids import uuid7
from tests.edge.support import WATER, EdgeServer, atol_admin, ensure_shift, fiscal_documents, line, new_order

pytestmark = pytest.mark.integration


@pytest.fixture
def card_cashier(edge: EdgeServer, cashier: httpx.Client) -> httpx.Client:
    ensure_shift(cashier)
    return cashier


def _terminal(edge: EdgeServer) -> object:
    return edge.runtime.devices.emulators.terminal


def _journal(edge: EdgeServer) -> list[object]:
    return list(edge.runtime.devices.emulators.terminal.journal().transactions)


def test_card_payment_is_charged_once_and_fiscalized_electronically(
    edge: EdgeServer, card_cashier: httpx.Client
) -> None:
    order = new_order(card_cashier, line(WATER, "5"))
    charged_before = len(edge.runtime.devices.emulators.terminal.charges(45000))
    payment_id = str(uuid7())
    r = card_cashier.post(f"/orders/{order['id']}/pay", json={"method": "card", "payment_id": payment_id})
    assert r.status_code == 201, r.text
    data = r.json()["data"]
    assert data["payment"]["id"] == payment_id and data["payment"]["status"] == "approved"
    assert data["payment"]["card"]["trace_number"] is not None
    assert data["order"]["status"] == "fiscalized"
    assert len(edge.runtime.devices.emulators.terminal.charges(45000)) == charged_before + 1
    doc = next(
        d
        for d in fiscal_documents(edge.settings.data_dir)
        if d["number"] == data["order"]["fiscal_document"]["document_number"]
    )
    assert [(p["type"], p["amount"]) for p in doc["payments"]] == [("electronically", 45000)]
    polled = card_cashier.get(f"/orders/{order['id']}/payments/{payment_id}").json()["data"]
    assert polled["status"] == "approved"


def test_declined_card_leaves_a_draft_to_pay_again(edge: EdgeServer, card_cashier: httpx.Client) -> None:
    order = new_order(card_cashier, line(WATER))
    edge.runtime.devices.emulators.terminal.configure(outcome="decline")
    r = card_cashier.post(f"/orders/{order['id']}/pay", json={"method": "card"})
    assert r.status_code == 402 and r.json()["code"] == "card_declined"
    after = card_cashier.get(f"/orders/{order['id']}").json()["data"]
    assert after["status"] == "draft" and after["payments"][0]["status"] == "declined"
    edge.runtime.devices.emulators.terminal.configure(outcome=None)
    r = card_cashier.post(f"/orders/{order['id']}/pay", json={"method": "card"})
    assert r.json()["data"]["order"]["status"] == "fiscalized"


def test_split_cash_and_card(edge: EdgeServer, card_cashier: httpx.Client) -> None:
    order = new_order(card_cashier, line(WATER, "2"))
    card_cashier.post(f"/orders/{order['id']}/pay", json={"method": "cash", "amount": 5000, "tendered": 5000})
    data = card_cashier.post(f"/orders/{order['id']}/pay", json={"method": "card"}).json()["data"]
    assert data["payment"]["amount"] == 13000 and data["order"]["status"] == "fiscalized"
    doc = next(
        d
        for d in fiscal_documents(edge.settings.data_dir)
        if d["number"] == data["order"]["fiscal_document"]["document_number"]
    )
    assert sorted((p["type"], p["amount"]) for p in doc["payments"]) == [("cash", 5000), ("electronically", 13000)]


def test_lost_terminal_answer_is_resolved_through_the_terminal(edge: EdgeServer, card_cashier: httpx.Client) -> None:
    order = new_order(card_cashier, line(WATER, "7"))
    before = len(edge.runtime.devices.emulators.terminal.charges(63000))
    edge.runtime.devices.emulators.terminal.configure(drop_before_status_ack=True)
    r = card_cashier.post(f"/orders/{order['id']}/pay", json={"method": "card"})
    assert r.status_code == 201, r.text
    assert r.json()["data"]["order"]["status"] == "fiscalized"
    assert len(edge.runtime.devices.emulators.terminal.charges(63000)) == before + 1


def test_card_refund_goes_back_to_the_card(edge: EdgeServer, card_cashier: httpx.Client) -> None:
    order = new_order(card_cashier, line(WATER, "4"))
    card_cashier.post(f"/orders/{order['id']}/pay", json={"method": "card"})
    r = card_cashier.post(f"/orders/{order['id']}/refund", json={"approval_pin": "2222", "reason": "wrong order"})
    assert r.status_code == 201, r.text
    refunded = r.json()["data"]["order"]
    assert refunded["status"] == "refunded" and refunded["refunds"][0]["card_amount"] == 36000
    refunds = [t for t in _journal(edge) if getattr(t, "kind", "") == "refund" and getattr(t, "amount", 0) == 36000]
    assert len(refunds) == 1


def test_a_card_refund_whose_receipt_failed_is_finished_without_refunding_the_card_again(
    edge: EdgeServer, card_cashier: httpx.Client
) -> None:
    order = new_order(card_cashier, line(WATER, "9"))
    card_cashier.post(f"/orders/{order['id']}/pay", json={"method": "card"})
    atol_admin(edge, "faults", {"nextError": {"code": 68, "task": "sellReturn"}})
    r = card_cashier.post(f"/orders/{order['id']}/refund", json={"approval_pin": "2222", "reason": "cold"})
    assert r.status_code >= 400, r.text
    stuck = card_cashier.get(f"/orders/{order['id']}").json()["data"]
    assert stuck["status"] == "fiscalized" and stuck["locked"] is True
    again = card_cashier.post(f"/orders/{order['id']}/refund", json={"approval_pin": "2222"})
    assert again.status_code == 409 and again.json()["code"] == "order_locked"  # never a second card refund

    r = card_cashier.post(f"/orders/{order['id']}/fiscalize")
    assert r.status_code == 200, r.text
    done = r.json()["data"]["order"]
    assert done["status"] == "refunded" and not done["locked"] and done["refunded_total"] == 81000
    refunds = [t for t in _journal(edge) if getattr(t, "kind", "") == "refund" and getattr(t, "amount", 0) == 81000]
    assert len(refunds) == 1
    document = done["refunds"][-1]["fiscal_document"]
    returns = [d for d in fiscal_documents(edge.settings.data_dir) if d["task"] == "sellReturn" and d["total"] == 81000]
    assert [d["number"] for d in returns] == [document["document_number"]]
    ((card,),) = edge.query("SELECT card FROM refunds WHERE id = ?", done["refunds"][-1]["id"])
    assert json.loads(card)["trace_number"] == refunds[0].trace  # type: ignore[attr-defined]
    actions = edge.query("SELECT action, amount FROM audit_log WHERE order_id = ? ORDER BY id", order["id"])
    assert actions == [("refund", 81000)]
    assert card_cashier.post(f"/orders/{order['id']}/fiscalize").status_code == 409  # nothing left to finish


def test_fiscal_refusal_after_card_approval_reverses_the_card(edge: EdgeServer, card_cashier: httpx.Client) -> None:
    order = new_order(card_cashier, line(WATER, "6"))
    atol_admin(edge, "faults", {"nextError": {"code": 140, "task": "sell"}})
    r = card_cashier.post(f"/orders/{order['id']}/pay", json={"method": "card"})
    assert r.status_code == 409 and r.json()["code"] == "fn_blocked" and r.json()["reversed"] is True
    after = card_cashier.get(f"/orders/{order['id']}").json()["data"]
    assert after["status"] == "draft" and after["payments"][0]["status"] == "reversed"
    reversals = [t for t in _journal(edge) if getattr(t, "kind", "") == "reversal" and getattr(t, "amount", 0) == 54000]
    assert len(reversals) == 1
    types = [
        row[0] for row in edge.query("SELECT type FROM outbox WHERE CAST(payload AS TEXT) LIKE ?", f"%{order['id']}%")
    ]
    assert "order.payment_reversed" in types


def test_a_running_card_payment_can_be_polled(edge: EdgeServer, card_cashier: httpx.Client) -> None:
    import threading

    order = new_order(card_cashier, line(WATER, "8"))
    payment_id = str(uuid7())
    edge.runtime.devices.emulators.terminal.configure(delay=0.6)
    result: dict[str, object] = {}
    worker = threading.Thread(
        target=lambda: result.update(
            r=card_cashier.post(f"/orders/{order['id']}/pay", json={"method": "card", "payment_id": payment_id})
        )
    )
    poller = edge.client()
    worker.start()
    seen = set()
    try:
        while worker.is_alive():
            r = poller.get(f"/orders/{order['id']}/payments/{payment_id}")
            if r.status_code == 200:
                seen.add(r.json()["data"]["status"])
    finally:
        worker.join()
        edge.runtime.devices.emulators.terminal.configure(delay=0.0)
        poller.close()
    assert "pending" in seen
    final = result["r"]
    assert isinstance(final, httpx.Response) and final.json()["data"]["payment"]["status"] == "approved"


def test_double_tapped_pay_charges_once(edge: EdgeServer, card_cashier: httpx.Client) -> None:
    import threading

    order = new_order(card_cashier, line(WATER, "9"))
    before = len(edge.runtime.devices.emulators.terminal.charges(81000))
    other = edge.client()
    answers: list[httpx.Response] = []
    threads = [
        threading.Thread(
            target=lambda c=c: answers.append(c.post(f"/orders/{order['id']}/pay", json={"method": "card"}))
        )
        for c in (card_cashier, other)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    other.close()
    assert sorted(a.status_code for a in answers) == [201, 409]
    assert len(edge.runtime.devices.emulators.terminal.charges(81000)) == before + 1


def test_expired_fiscal_shift_reverses_the_card_and_z_closes_it(fresh_edge: EdgeServer) -> None:
    client = fresh_edge.client()
    client.post("/shifts/open", json={"float": 0})
    atol_admin(fresh_edge, "clock", {"advanceSeconds": 25 * 3600})
    order = new_order(client, line(WATER, "2"))
    r = client.post(f"/orders/{order['id']}/pay", json={"method": "card"})
    assert r.status_code == 409 and r.json()["code"] == "shift_expired", r.text
    after = client.get(f"/orders/{order['id']}").json()["data"]
    assert after["status"] == "draft" and after["payments"][0]["status"] == "reversed"
    terminal = fresh_edge.runtime.devices.emulators.terminal.journal().transactions
    assert [(t.kind, t.amount) for t in terminal] == [("sale", 18000), ("reversal", 18000)]
    # the cancelled draft does not hold up the Z report, which closes the expired shift
    client.post(f"/orders/{order['id']}/cancel", json={})
    z = client.post("/reports/z", json={"counted": {"cash": 0}})
    assert z.status_code == 200, z.text
    assert z.json()["data"]["document"]["kind"] == "closeShift"
    client.close()
