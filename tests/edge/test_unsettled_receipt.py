"""A sale whose receipt the devices cannot settle on their own (several documents in the FN match it) is
settled by a manager naming the FD on the customer's receipt; the FN is checked first, so a wrong number
changes nothing, and the shift can then be closed."""

from __future__ import annotations

from typing import Any

from drivers.base import TaxationType
from tests.edge.support import CROISSANT, WATER, EdgeServer, atol_admin, fiscal_documents, line, new_order
from tests.support.atol import sell_on_the_device


def _sells(edge: EdgeServer) -> list[dict[str, Any]]:
    return [d for d in fiscal_documents(edge.settings.data_dir) if d["task"] == "sell"]


def test_a_manager_names_the_receipt_the_devices_cannot_tell_apart(fresh_edge: EdgeServer) -> None:
    client = fresh_edge.client()
    assert client.post("/shifts/open", json={"float": 0}).status_code == 201
    first = new_order(client, line(CROISSANT))
    assert client.post(f"/orders/{first['id']}/pay", json={"method": "cash"}).status_code == 201
    before = max(d["number"] for d in _sells(fresh_edge))

    locked = new_order(client, line(WATER, "2"))
    # the receipt is registered but its answer is lost, the Web Server forgets it and the FN cannot be read
    atol_admin(
        fresh_edge,
        "faults",
        {"dropAfterCommit": True, "forgetRequest": True, "nextError": {"code": 2, "task": "getFnStatus"}},
    )
    r = client.post(f"/orders/{locked['id']}/pay", json={"method": "cash"})
    assert r.status_code == 503 and r.json()["code"] == "outcome_unknown", r.text
    mine = max(d["number"] for d in _sells(fresh_edge))
    assert mine > before  # the FN holds it

    sell_on_the_device(
        fresh_edge.runtime.devices.emulators.atol.url,
        locked["total"],
        TaxationType(fresh_edge.runtime.settings.app.taxation_type),
    )  # a second document of the same total, on no order
    device_only = max(d["number"] for d in _sells(fresh_edge))
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
        before: "before this receipt was sent",
        theirs: "another operation's",
        device_only + 100: "the FN has no FD",
    }
    sells = len(_sells(fresh_edge))
    for number, why in wrong.items():
        r = client.post(f"/orders/{locked['id']}/fiscalize", json={"document_number": number, "approval_pin": "2222"})
        assert r.status_code == 409 and r.json()["code"] == "document_mismatch", r.text
        assert why in r.json()["detail"], r.text
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
    z = client.post("/reports/z", json={"counted": {"cash": first["total"] + 2 * locked["total"]}})
    assert z.status_code == 200, z.text
    client.close()
