"""A sale whose receipt the devices cannot settle on their own (several documents in the FN match it) is
settled by a manager naming the FD on the customer's receipt; the FN is checked first, so a wrong number
changes nothing, and the shift can then be closed."""

from __future__ import annotations

from typing import Any

import httpx

from drivers.base import TaxationType
from tests.edge.support import CROISSANT, WATER, EdgeServer, atol_admin, fiscal_documents, line, new_order
from tests.support.atol import sell_on_the_device


def _sells(edge: EdgeServer) -> list[dict[str, Any]]:
    return [d for d in fiscal_documents(edge.settings.data_dir) if d["task"] == "sell"]


def _lock_with_two_matches(edge: EdgeServer, client: httpx.Client) -> tuple[dict[str, Any], int, int, int]:
    """A sale registered in the FN whose answer and Web Server record are lost while the FN cannot be read
    (the order is locked), then a sale of the same total rung up on the device itself: the order, the FD
    of a sale before it, its own FD and the device-only one."""
    first = new_order(client, line(CROISSANT))
    assert client.post(f"/orders/{first['id']}/pay", json={"method": "cash"}).status_code == 201
    before = max(d["number"] for d in _sells(edge))
    locked = new_order(client, line(WATER, "2"))
    atol_admin(
        edge,
        "faults",
        {"dropAfterCommit": True, "forgetRequest": True, "nextError": {"code": 2, "task": "getFnStatus"}},
    )
    r = client.post(f"/orders/{locked['id']}/pay", json={"method": "cash"})
    assert r.status_code == 503 and r.json()["code"] == "outcome_unknown", r.text
    mine = max(d["number"] for d in _sells(edge))
    assert mine > before  # the FN holds it
    taxation = TaxationType(edge.runtime.settings.app.taxation_type)
    sell_on_the_device(edge.runtime.devices.emulators.atol.url, locked["total"], taxation)
    return locked, before, mine, max(d["number"] for d in _sells(edge))


def test_a_manager_names_the_receipt_the_devices_cannot_tell_apart(fresh_edge: EdgeServer) -> None:
    client = fresh_edge.client()
    assert client.post("/shifts/open", json={"float": 0}).status_code == 201
    locked, before, mine, device_only = _lock_with_two_matches(fresh_edge, client)
    other = new_order(client, line(WATER, "2"))  # and a third, on another order
    paid = client.post(f"/orders/{other['id']}/pay", json={"method": "cash"}).json()["data"]["order"]
    theirs = paid["fiscal_document"]["document_number"]
    assert paid["status"] == "fiscalized" and theirs > device_only

    r = client.post(f"/orders/{locked['id']}/fiscalize")
    assert r.status_code == 503 and "several documents match" in r.json()["detail"], r.text
    r = client.post("/reports/z", json={"counted": {"cash": 0}})
    assert r.status_code == 409 and r.json()["code"] == "orders_in_checkout"

    r = client.post(f"/orders/{locked['id']}/fiscalize", json={"document_number": mine})
    assert r.status_code == 403 and r.json()["code"] == "approval_required"
    r = client.post(f"/orders/{locked['id']}/fiscalize", json={"document_number": mine, "approval_pin": "1111"})
    assert r.status_code == 403 and r.json()["code"] == "approval_denied"  # a cashier's PIN
    for bad in ({"document_number": 0, "approval_pin": "2222"}, {"document_number": "seven"}, {"fd": 7}):
        r = client.post(f"/orders/{locked['id']}/fiscalize", json=bad)
        assert r.status_code == 400 and r.headers["content-type"].startswith("application/problem+json"), r.text
    wrong = {
        before: ("issued_before", "before this receipt was sent"),
        theirs: ("another_operation", "another operation's"),
        device_only + 100: ("not_in_fn", "the FN has no FD"),
    }
    sells = len(_sells(fresh_edge))
    for number, (reason, why) in wrong.items():
        r = client.post(f"/orders/{locked['id']}/fiscalize", json={"document_number": number, "approval_pin": "2222"})
        assert r.status_code == 409 and r.json()["code"] == "document_mismatch", r.text
        assert r.json()["reason"] == reason and why in r.json()["detail"], r.text
        still = client.get(f"/orders/{locked['id']}").json()["data"]
        assert still["status"] == "fiscalizing" and still["fiscal_document"] is None
    assert fresh_edge.query("SELECT action FROM audit_log WHERE action = 'fiscal_document_named'") == []

    r = client.post(f"/orders/{locked['id']}/fiscalize", json={"document_number": mine, "approval_pin": "2222"})
    assert r.status_code == 200, r.text
    done = r.json()["data"]["order"]
    assert done["status"] == "fiscalized" and done["fiscal_document"]["document_number"] == mine
    assert len(_sells(fresh_edge)) == sells  # recorded, not issued again
    journal = fresh_edge.query("SELECT device, kind, state FROM device_journal WHERE order_id = ?", locked["id"])
    assert ("drawer", "drawerOpen", "done") in journal  # the cash goes into the drawer, as after any sale
    assert fresh_edge.query(
        "SELECT action, amount, detail FROM audit_log WHERE order_id = ? AND action = 'fiscal_document_named'",
        locked["id"],
    ) == [("fiscal_document_named", locked["total"], f"FD {mine}")]
    types = [row[0] for row in fresh_edge.query("SELECT type FROM outbox WHERE type = 'order.fiscalized'")]
    assert len(types) == 3

    # the same FD cannot then be named for any other order, and the shift closes
    z = client.post("/reports/z", json={"counted": {"cash": 0}})
    assert z.status_code == 200 and z.json()["data"]["warnings"] == [], z.text
    client.close()


def test_the_shift_closes_past_a_locked_receipt_with_a_manager_and_the_sale_is_finished_later(
    fresh_edge: EdgeServer,
) -> None:
    client = fresh_edge.client()
    assert client.post("/shifts/open", json={"float": 0}).status_code == 201
    locked, _, mine, _ = _lock_with_two_matches(fresh_edge, client)
    paying = new_order(client, line(WATER))
    assert client.post(f"/orders/{paying['id']}/pay", json={"method": "cash", "amount": 100}).status_code == 201

    r = client.post("/reports/z", json={"close_unresolved": True, "approval_pin": "2222"})
    assert r.status_code == 409 and r.json()["orders"] == [paying["number"]], r.text  # mid-payment: never
    assert r.json()["locked_orders"] == [locked["number"]]
    assert (
        client.post(f"/orders/{paying['id']}/cancel", json={"reason": "left", "approval_pin": "2222"}).status_code
        == 200
    )

    r = client.post("/reports/z", json={})
    assert r.status_code == 409 and r.json()["orders"] == [locked["number"]]
    r = client.post("/reports/z", json={"close_unresolved": True})
    assert r.status_code == 403 and r.json()["code"] == "approval_required"
    assert client.get("/shifts/current").json()["data"] is not None  # nothing closed
    r = client.post("/reports/z", json={"close_unresolved": True, "approval_pin": "2222"})
    assert r.status_code == 200, r.text
    z = r.json()["data"]
    [warning] = z["warnings"]
    assert warning.startswith("order_unresolved:") and locked["number"] in warning
    assert z["unresolved_orders"] == [locked["number"]] and z["document"]["kind"] == "closeShift"
    assert fresh_edge.query("SELECT action, order_id FROM audit_log WHERE action = 'shift_close_unresolved'") == [
        ("shift_close_unresolved", locked["id"])
    ]
    still = client.get(f"/orders/{locked['id']}").json()["data"]
    assert still["status"] == "fiscalizing" and still["locked"]

    assert client.post("/shifts/open", json={"float": 0}).status_code == 201  # the next shift
    r = client.post(f"/orders/{locked['id']}/fiscalize", json={"document_number": mine, "approval_pin": "2222"})
    assert r.status_code == 200, r.text
    assert r.json()["data"]["order"]["fiscal_document"]["document_number"] == mine
    client.close()
