"""The checkout saga with the emulated ATOL registrar and printer: cash with change, split tenders,
fiscal receipts, refunds with a manager, cancel of paid orders, device problems as typed problems."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest

from edge import app as edge_app
from edge.db.sql import Row
from edge.domain.checkout import recovery
from edge.domain.checkout.fiscal import Planned
from edge.domain.runtime import Runtime
from tests.edge.support import (
    CAPPUCCINO,
    CROISSANT,
    WATER,
    EdgeServer,
    atol_admin,
    ensure_shift,
    fiscal_documents,
    line,
    new_order,
    running,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def shift_cashier(edge: EdgeServer, cashier: httpx.Client) -> httpx.Client:
    ensure_shift(cashier)
    return cashier


def _sells(edge: EdgeServer) -> list[dict[str, object]]:
    return [d for d in fiscal_documents(edge.settings.data_dir) if d["task"] == "sell"]


def test_cash_payment_gives_change_fiscalizes_and_confirms_the_kitchen(
    edge: EdgeServer, shift_cashier: httpx.Client
) -> None:
    order = new_order(shift_cashier, line(CAPPUCCINO, "2"), line(CROISSANT))
    sells_before = len(_sells(edge))
    r = shift_cashier.post(f"/orders/{order['id']}/pay", json={"method": "cash", "tendered": 100000})
    assert r.status_code == 201, r.text
    data = r.json()["data"]
    assert data["change"] == 100000 - 60000 and data["fully_paid"] is True
    paid = data["order"]
    assert paid["status"] == "fiscalized" and paid["kitchen_status"] == "confirmed"
    doc = paid["fiscal_document"]
    sells = _sells(edge)
    assert len(sells) == sells_before + 1
    assert sells[-1]["number"] == doc["document_number"] and sells[-1]["total"] == 60000
    types = [
        row[0]
        for row in edge.query(
            "SELECT type FROM outbox WHERE CAST(payload AS TEXT) LIKE ? ORDER BY seq", f"%{order['id']}%"
        )
    ]
    assert types[-3:] == ["order.paid", "order.fiscalized", "kitchen.status_changed"]
    journal = edge.query(
        "SELECT device, kind, state FROM device_journal WHERE order_id = ? ORDER BY created_at", order["id"]
    )
    assert ("fiscal", "sell", "done") in journal and ("drawer", "drawerOpen", "done") in journal


def test_a_kitchen_printer_out_of_paper_does_not_undo_the_sale(edge: EdgeServer, shift_cashier: httpx.Client) -> None:
    printer = edge.runtime.devices.emulators.printer
    order = new_order(shift_cashier, line(CROISSANT))
    printer.set_state(paper="out")
    try:
        r = shift_cashier.post(f"/orders/{order['id']}/pay", json={"method": "cash"})
    finally:
        printer.set_state(paper="ok")
    assert r.status_code == 201, r.text
    data = r.json()["data"]
    assert data["order"]["status"] == "fiscalized"
    assert data["warnings"], "the cashier is told the kitchen ticket did not print"
    journal = edge.query(
        "SELECT device, kind, state, error FROM device_journal WHERE order_id = ? ORDER BY created_at", order["id"]
    )
    kitchen = [row for row in journal if row[1] == "kitchenTicket"]
    assert len(kitchen) == 1 and kitchen[0][2] == "failed" and "paper" in kitchen[0][3]
    assert not [row for row in journal if row[2] in ("pending", "unknown")]  # every step settled


def test_split_payment_fiscalizes_once_when_fully_paid(edge: EdgeServer, shift_cashier: httpx.Client) -> None:
    order = new_order(shift_cashier, line(WATER, "4"))
    sells_before = len(_sells(edge))
    first = shift_cashier.post(f"/orders/{order['id']}/pay", json={"method": "cash", "amount": 10000}).json()["data"]
    assert first["fully_paid"] is False and first["order"]["status"] == "paying" and first["order"]["due"] == 26000
    assert len(_sells(edge)) == sells_before
    second = shift_cashier.post(f"/orders/{order['id']}/pay", json={"method": "loyalty"}).json()["data"]
    assert second["payment"]["amount"] == 26000 and second["order"]["status"] == "fiscalized"
    sells = _sells(edge)
    assert len(sells) == sells_before + 1
    assert sorted((p["type"], p["amount"]) for p in sells[-1]["payments"]) == [("cash", 10000), ("other", 26000)]


def test_same_payment_key_never_charges_twice(edge: EdgeServer, shift_cashier: httpx.Client) -> None:
    order = new_order(shift_cashier, line(WATER))
    headers = {"Idempotency-Key": f"pay-{order['id']}"}
    a = shift_cashier.post(f"/orders/{order['id']}/pay", json={"method": "cash"}, headers=headers).json()["data"]
    b = shift_cashier.post(f"/orders/{order['id']}/pay", json={"method": "cash"}, headers=headers).json()["data"]
    assert a["payment"]["id"] == b["payment"]["id"]
    assert edge.query("SELECT COUNT(*) FROM payments WHERE order_id = ?", order["id"]) == [(1,)]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"method": "cash", "amount": 9001}, "overpayment"),
        ({"method": "cash", "tendered": 100}, "tendered_too_little"),
        ({"method": "loyalty", "tendered": 100}, "tendered_not_cash"),
    ],
)
def test_bad_tenders_are_refused(
    edge: EdgeServer, shift_cashier: httpx.Client, body: dict[str, object], code: str
) -> None:
    order = new_order(shift_cashier, line(WATER))
    before = edge.count("outbox")
    r = shift_cashier.post(f"/orders/{order['id']}/pay", json=body)
    assert r.status_code == 422 and r.json()["code"] == code
    assert edge.count("outbox") == before and edge.count("payments") == edge.count("payments")


def test_paying_a_cancelled_order_is_refused(edge: EdgeServer, shift_cashier: httpx.Client) -> None:
    order = new_order(shift_cashier, line(WATER))
    shift_cashier.post(f"/orders/{order['id']}/cancel", json={})
    before = (edge.count("outbox"), edge.count("payments"))
    r = shift_cashier.post(f"/orders/{order['id']}/pay", json={"method": "cash"})
    assert r.status_code == 409 and r.json()["code"] == "order_cancelled"
    assert (edge.count("outbox"), edge.count("payments")) == before


def test_cancel_of_a_partly_paid_order_needs_a_manager_and_returns_the_cash(
    edge: EdgeServer, shift_cashier: httpx.Client
) -> None:
    order = new_order(shift_cashier, line(WATER, "2"))
    shift_cashier.post(f"/orders/{order['id']}/pay", json={"method": "cash", "amount": 5000})
    r = shift_cashier.post(f"/orders/{order['id']}/cancel", json={"reason": "left"})
    assert r.status_code == 403 and r.json()["code"] == "approval_required"
    r = shift_cashier.post(f"/orders/{order['id']}/cancel", json={"reason": "left", "approval_pin": "2222"})
    assert r.status_code == 200
    cancelled = r.json()["data"]
    assert cancelled["status"] == "cancelled" and cancelled["payments"][0]["status"] == "reversed"
    assert edge.query("SELECT action FROM audit_log WHERE order_id = ?", order["id"]) == [("cancel",)]


def test_partial_then_full_refund_with_manager_pin(edge: EdgeServer, shift_cashier: httpx.Client) -> None:
    order = new_order(shift_cashier, line(WATER, "3"), line(CROISSANT))
    paid = shift_cashier.post(f"/orders/{order['id']}/pay", json={"method": "cash"}).json()["data"]["order"]
    water = paid["lines"][0]
    r = shift_cashier.post(f"/orders/{order['id']}/refund", json={"lines": [{"line_id": water["id"], "quantity": "1"}]})
    assert r.status_code == 403 and r.json()["code"] == "approval_required"
    r = shift_cashier.post(
        f"/orders/{order['id']}/refund",
        json={"lines": [{"line_id": water["id"], "quantity": "1"}], "reason": "spilt", "approval_pin": "2222"},
    )
    assert r.status_code == 201, r.text
    partly = r.json()["data"]["order"]
    assert partly["status"] == "partially_refunded" and partly["refunded_total"] == 9000
    refund_doc = partly["refunds"][0]["fiscal_document"]
    assert refund_doc["kind"] == "sellReturn"
    archived = next(d for d in fiscal_documents(edge.settings.data_dir) if d["number"] == refund_doc["document_number"])
    assert archived["task"] == "sellReturn" and archived["total"] == 9000
    # more than is left is refused, nothing changes
    r = shift_cashier.post(
        f"/orders/{order['id']}/refund",
        json={"lines": [{"line_id": water["id"], "quantity": "3"}], "approval_pin": "2222"},
    )
    assert r.status_code == 422 and r.json()["code"] == "refund_exceeds_paid"
    r = shift_cashier.post(f"/orders/{order['id']}/refund", json={"approval_pin": "2222"})
    done = r.json()["data"]["order"]
    assert done["status"] == "refunded" and done["refunded_total"] == paid["total"]
    assert shift_cashier.post(f"/orders/{order['id']}/refund", json={"approval_pin": "2222"}).status_code == 409
    actions = edge.query("SELECT action, amount FROM audit_log WHERE order_id = ? ORDER BY id", order["id"])
    assert actions == [("refund", 9000), ("refund", paid["total"] - 9000)]


def test_wrong_approval_pin_is_refused(shift_cashier: httpx.Client) -> None:
    order = new_order(shift_cashier, line(WATER))
    shift_cashier.post(f"/orders/{order['id']}/pay", json={"method": "cash"})
    r = shift_cashier.post(f"/orders/{order['id']}/refund", json={"approval_pin": "1111"})
    assert r.status_code == 403 and r.json()["code"] == "approval_denied"


def test_receipt_that_did_not_print_is_finished_later(edge: EdgeServer, shift_cashier: httpx.Client) -> None:
    order = new_order(shift_cashier, line(WATER))
    atol_admin(edge, "faults", {"paperOutAfterCommit": True})
    data = shift_cashier.post(f"/orders/{order['id']}/pay", json={"method": "cash"}).json()["data"]
    assert data["order"]["status"] == "fiscalized" and data["order"]["receipt_printed"] is False
    assert any("did not print" in w for w in data["warnings"])
    r = shift_cashier.post(f"/orders/{order['id']}/print")
    assert r.status_code == 409 and r.json()["code"] == "paper_out"
    atol_admin(edge, "faults", {"paperOut": False})
    r = shift_cashier.post(f"/orders/{order['id']}/print")
    assert r.status_code == 200 and r.json()["data"]["order"]["receipt_printed"] is True


def test_lost_fiscal_answer_is_resolved_not_resent(edge: EdgeServer, shift_cashier: httpx.Client) -> None:
    order = new_order(shift_cashier, line(WATER, "2"))
    sells_before = len(_sells(edge))
    atol_admin(edge, "faults", {"dropAfterCommit": True})
    data = shift_cashier.post(f"/orders/{order['id']}/pay", json={"method": "cash"}).json()["data"]
    assert data["order"]["status"] == "fiscalized"
    assert len(_sells(edge)) == sells_before + 1


def test_a_receipt_that_never_reached_the_device_is_not_taken_for_a_later_sale_of_the_same_total(
    edge: EdgeServer, shift_cashier: httpx.Client
) -> None:
    """The sell is lost before the FN and the Web Server forgets it, and the FN cannot be read: the order is
    locked. Another order of the same total then sells. Finish finds that sale's document in the FN after
    the locked order's baseline, but it is on the other order, so the locked order is fiscalized anew."""
    first = new_order(shift_cashier, line(CROISSANT))  # the driver now knows the FN's last document
    assert shift_cashier.post(f"/orders/{first['id']}/pay", json={"method": "cash"}).status_code == 201
    lost = new_order(shift_cashier, line(WATER, "2"))
    sells_before = len(_sells(edge))
    atol_admin(
        edge,
        "faults",
        {"dropBeforeCommit": True, "forgetRequest": True, "nextError": {"code": 2, "task": "getFnStatus"}},
    )
    r = shift_cashier.post(f"/orders/{lost['id']}/pay", json={"method": "cash"})
    assert r.status_code == 503 and r.json()["code"] == "outcome_unknown", r.text
    assert shift_cashier.get(f"/orders/{lost['id']}").json()["data"]["status"] == "fiscalizing"
    assert len(_sells(edge)) == sells_before  # nothing reached the FN
    other = new_order(shift_cashier, line(WATER, "2"))
    paid = shift_cashier.post(f"/orders/{other['id']}/pay", json={"method": "cash"}).json()["data"]["order"]
    assert paid["status"] == "fiscalized"
    r = shift_cashier.post(f"/orders/{lost['id']}/fiscalize")
    assert r.status_code == 200, r.text
    finished = r.json()["data"]["order"]
    assert finished["status"] == "fiscalized"
    mine, theirs = finished["fiscal_document"]["document_number"], paid["fiscal_document"]["document_number"]
    assert mine > theirs  # a receipt of its own, issued after the other sale's
    assert len(_sells(edge)) == sells_before + 2


def test_a_document_found_in_the_fn_is_not_recorded_when_another_order_holds_it(
    edge: EdgeServer, shift_cashier: httpx.Client
) -> None:
    """Two receipts never reached the FN and are locked; another order of the first one's total then sells.
    While the second is open the first gets the plain FN search, which finds only that sale's document: it is
    on the other order, so it is not recorded twice. Once the second is settled, the first is sold anew."""
    locked = []
    for product in (WATER, CROISSANT):
        priming = new_order(shift_cashier, line(CROISSANT))  # the driver now knows the FN's last document
        assert shift_cashier.post(f"/orders/{priming['id']}/pay", json={"method": "cash"}).status_code == 201
        order = new_order(shift_cashier, line(product, "2"))
        atol_admin(
            edge,
            "faults",
            {"dropBeforeCommit": True, "forgetRequest": True, "nextError": {"code": 2, "task": "getFnStatus"}},
        )
        r = shift_cashier.post(f"/orders/{order['id']}/pay", json={"method": "cash"})
        assert r.status_code == 503 and r.json()["code"] == "outcome_unknown", r.text
        locked.append(order)
    first, second = locked
    other = new_order(shift_cashier, line(WATER, "2"))
    paid = shift_cashier.post(f"/orders/{other['id']}/pay", json={"method": "cash"}).json()["data"]["order"]
    theirs = paid["fiscal_document"]["document_number"]
    sells = len(_sells(edge))

    r = shift_cashier.post(f"/orders/{first['id']}/fiscalize")
    assert r.status_code == 503, r.text
    assert f"FD {theirs} is already another order's receipt" in r.json()["detail"]
    assert shift_cashier.get(f"/orders/{first['id']}").json()["data"]["fiscal_document"] is None
    assert shift_cashier.get(f"/orders/{other['id']}").json()["data"]["fiscal_document"]["document_number"] == theirs

    for order in (second, first):
        r = shift_cashier.post(f"/orders/{order['id']}/fiscalize")
        assert r.status_code == 200 and r.json()["data"]["order"]["status"] == "fiscalized", r.text
    mine = shift_cashier.get(f"/orders/{first['id']}").json()["data"]["fiscal_document"]["document_number"]
    assert mine > theirs
    assert len(_sells(edge)) == sells + 2  # one receipt each, none shared


def test_a_sale_settled_by_finish_gets_its_kitchen_ticket_and_drawer(
    edge: EdgeServer, shift_cashier: httpx.Client
) -> None:
    """The receipt went through but its answer was lost and the FN could not be read: the order is locked.
    Finish finds the receipt, and the sale goes on as any other: kitchen ticket, then the drawer for the cash."""
    priming = new_order(shift_cashier, line(WATER))
    assert shift_cashier.post(f"/orders/{priming['id']}/pay", json={"method": "cash"}).status_code == 201
    order = new_order(shift_cashier, line(CROISSANT, "3"))
    atol_admin(
        edge,
        "faults",
        {"dropAfterCommit": True, "forgetRequest": True, "nextError": {"code": 2, "task": "getFnStatus"}},
    )
    r = shift_cashier.post(f"/orders/{order['id']}/pay", json={"method": "cash"})
    assert r.status_code == 503, r.text
    journal = edge.query("SELECT device, kind FROM device_journal WHERE order_id = ?", order["id"])
    assert not [row for row in journal if row[0] in ("printer", "drawer")]
    r = shift_cashier.post(f"/orders/{order['id']}/fiscalize")
    assert r.status_code == 200 and r.json()["data"]["order"]["status"] == "fiscalized", r.text
    journal = edge.query("SELECT device, kind, state FROM device_journal WHERE order_id = ?", order["id"])
    assert ("printer", "kitchenTicket", "done") in journal and ("drawer", "drawerOpen", "done") in journal, journal
    assert shift_cashier.post(f"/orders/{order['id']}/fiscalize").status_code == 200  # again: nothing twice
    again = edge.query("SELECT kind FROM device_journal WHERE order_id = ? AND device != 'fiscal'", order["id"])
    assert sorted(again) == [("drawerOpen",), ("kitchenTicket",)]


def test_blocked_fiscal_storage_gives_the_money_back(edge: EdgeServer, shift_cashier: httpx.Client) -> None:
    order = new_order(shift_cashier, line(WATER))
    sells_before = len(_sells(edge))
    atol_admin(edge, "faults", {"nextError": {"code": 140, "task": "sell"}})
    r = shift_cashier.post(f"/orders/{order['id']}/pay", json={"method": "cash"})
    assert r.status_code == 409, r.text
    assert r.json()["code"] == "fn_blocked" and r.json()["reversed"] is True
    after = shift_cashier.get(f"/orders/{order['id']}").json()["data"]
    assert after["status"] == "draft" and after["paid_total"] == 0
    assert after["payments"][0]["status"] == "reversed" and after["last_problem"]["code"] == "fn_blocked"
    assert len(_sells(edge)) == sells_before
    # the device works again: the same order is paid and fiscalized once
    assert (
        shift_cashier.post(f"/orders/{order['id']}/pay", json={"method": "cash"}).json()["data"]["order"]["status"]
        == "fiscalized"
    )
    assert len(_sells(edge)) == sells_before + 1


def test_pay_without_an_open_shift_is_refused(fresh_edge: EdgeServer) -> None:
    client = fresh_edge.client()
    order = new_order(client, line(WATER))
    r = client.post(f"/orders/{order['id']}/pay", json={"method": "cash"})
    assert r.status_code == 409 and r.json()["code"] == "shift_closed"
    client.close()


def test_shift_cash_moves_and_z_report(fresh_edge: EdgeServer) -> None:
    client = fresh_edge.client()
    assert client.post("/shifts/open", json={"float": 50000}).status_code == 201
    assert client.post("/shifts/open", json={"float": 0}).json()["code"] == "shift_open"
    order = new_order(client, line(WATER, "2"))
    client.post(f"/orders/{order['id']}/pay", json={"method": "cash", "tendered": 20000})
    assert client.post("/cash/in", json={"amount": 10000, "reason": "change coins"}).status_code == 201
    r = client.post("/cash/out", json={"amount": 5000})
    assert r.status_code == 403 and r.json()["code"] == "approval_required"
    assert client.post("/cash/out", json={"amount": 5000, "approval_pin": "2222"}).status_code == 201
    x = client.get("/reports/x").json()["data"]
    cash = next(t for t in x["tenders"] if t["method"] == "cash")
    assert cash["sales"] == 18000 and x["expected_cash"] == 50000 + 18000 + 10000 - 5000
    z = client.post("/reports/z", json={"counted": {"cash": 72000}})
    assert z.status_code == 200, z.text
    report = z.json()["data"]
    assert report["difference"] == 72000 - 73000 and report["document"]["kind"] == "closeShift"
    assert client.get("/shifts/current").json()["data"] is None
    types = [row[0] for row in fresh_edge.query("SELECT type FROM outbox ORDER BY seq")]
    assert types.count("cash.moved") == 2 and types[-1] == "shift.closed"
    assert [row[0] for row in fresh_edge.query("SELECT action FROM audit_log ORDER BY id")] == [
        "shift_open",
        "cash_in",
        "cash_out",
        "shift_close",
    ]
    client.close()


def test_shift_limit_and_ofd_backlog_warnings(tmp_path: Path) -> None:
    # warn from the first minute: a 24 h shift window and no OFD grace make every open shift and unsent
    # document a warning, read from the registrar's own shift and OFD state
    with running(tmp_path / "edge", shift_warning_minutes=24 * 60, ofd_warning_days=0) as server:
        client = server.client()
        assert client.get("/reports/x").json()["data"]["warnings"] == []
        client.post("/shifts/open", json={"float": 0})
        atol_admin(server, "faults", {"ofdDown": True})
        order = new_order(client, line(WATER))
        client.post(f"/orders/{order['id']}/pay", json={"method": "cash"})
        warnings = client.get("/reports/x").json()["data"]["warnings"]
        assert any(w.startswith("shift_expires_soon") for w in warnings)
        assert any(w.startswith("ofd_backlog") for w in client.get("/status").json()["data"]["warnings"])
        client.close()


def test_non_fiscal_mode_prints_an_escpos_receipt(tmp_path: Path) -> None:
    with running(tmp_path / "edge", fiscal=False) as server:
        client = server.client()
        client.post("/shifts/open", json={"float": 0})
        order = new_order(client, line(WATER))
        data = client.post(f"/orders/{order['id']}/pay", json={"method": "cash"}).json()["data"]["order"]
        assert data["status"] == "fiscalized" and data["fiscal_document"]["kind"] == "nonFiscal"
        assert data["receipt_printed"] is True
        assert [d for d in fiscal_documents(server.settings.data_dir) if d["task"] == "sell"] == []
        jobs = server.runtime.devices.emulators.printer.jobs
        assert len(jobs) >= 1
        client.close()


def test_repeated_refund_and_cash_move_keys_act_once(edge: EdgeServer, shift_cashier: httpx.Client) -> None:
    order = new_order(shift_cashier, line(WATER, "3"))
    paid = shift_cashier.post(f"/orders/{order['id']}/pay", json={"method": "cash"}).json()["data"]["order"]
    body = {"lines": [{"line_id": paid["lines"][0]["id"], "quantity": "1"}], "approval_pin": "2222"}
    headers = {"Idempotency-Key": f"refund-{order['id']}"}
    for _ in range(2):
        r = shift_cashier.post(f"/orders/{order['id']}/refund", json=body, headers=headers)
        assert r.status_code == 201, r.text
    assert r.json()["data"]["order"]["refunded_total"] == 9000
    assert edge.query("SELECT COUNT(*) FROM refunds WHERE order_id = ?", order["id"]) == [(1,)]
    moves = edge.count("cash_moves")
    ids = {
        shift_cashier.post("/cash/in", json={"amount": 700}, headers={"Idempotency-Key": f"in-{order['id']}"}).json()[
            "data"
        ]["id"]
        for _ in range(2)
    }
    assert len(ids) == 1 and edge.count("cash_moves") == moves + 1


def test_the_background_retry_leaves_a_sale_in_flight_to_its_saga(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While something is unresolved the agent retries every few seconds, beside live sales. A sale whose
    receipt is on the (slow) device meanwhile is recorded once, its journal row is settled by its own saga
    only, and its kitchen ticket and drawer are driven once."""
    monkeypatch.setattr(edge_app, "RECOVERY_RETRY_SECONDS", 0.02)
    with running(tmp_path / "edge") as server:
        client = server.client()
        assert client.post("/shifts/open", json={"float": 0}).status_code == 201
        order = new_order(client, line(CROISSANT))
        atol_admin(server, "faults", {"delay": 0.6})  # the registrar takes its time over each task
        answers: list[httpx.Response] = []
        paying = threading.Thread(
            target=lambda: answers.append(client.post(f"/orders/{order['id']}/pay", json={"method": "cash"}))
        )
        paying.start()
        sell = "SELECT state FROM device_journal WHERE order_id = ? AND kind = 'sell'"
        while not server.query(sell, order["id"]):
            time.sleep(0.005)
        touched: list[str] = []  # orders whose fiscal rows the retry set out to settle
        settle = recovery._fiscal

        async def spy(rt: Runtime, entry: Row, after: Planned, *, drawer: bool) -> None:
            touched.append(entry.order_id)
            await settle(rt, entry, after, drawer=drawer)

        monkeypatch.setattr(recovery, "_fiscal", spy)
        server.runtime.recovery_pending = 1  # as after a start-up that left something unresolved
        states = set()
        while paying.is_alive():
            states |= {row[0] for row in server.query(sell, order["id"])}
            time.sleep(0.005)
        atol_admin(server, "faults", {"delay": 0})
        [answer] = answers
        assert answer.status_code == 201 and answer.json()["data"]["order"]["status"] == "fiscalized", answer.text
        assert states <= {"pending", "done"}, states  # never settled by the retry while the saga drove it
        assert touched == []  # the retry waited for the order's lock, and then the saga had settled its row
        kinds = server.query("SELECT kind FROM device_journal WHERE order_id = ? AND device != 'fiscal'", order["id"])
        assert sorted(kinds) == [("drawerOpen",), ("kitchenTicket",)]
        client.close()
