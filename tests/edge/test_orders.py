"""Order drafts over HTTP: lines validated against the catalog, modifier rules, exact totals with VAT,
discounts and promo codes, idempotent creation, kitchen status, listing; bad input writes nothing."""

from __future__ import annotations

import httpx
import pytest

from tests.edge.support import (
    BEANS,
    CAPPUCCINO,
    CROISSANT,
    ESPRESSO,
    HEAT_WARM,
    MILK_ALMOND,
    MILK_OAT,
    SIZE_L,
    SIZE_M,
    SYRUP_CARAMEL,
    SYRUP_HAZELNUT,
    SYRUP_VANILLA,
    WATER,
    EdgeServer,
    line,
    new_order,
)

pytestmark = pytest.mark.integration


def test_draft_prices_modifiers_and_vat(cashier: httpx.Client) -> None:
    order = new_order(cashier, line(CAPPUCCINO, "2", [SIZE_L, MILK_OAT]), line(CROISSANT, "1", [HEAT_WARM]))
    cap, croissant = order["lines"]
    assert cap["unit_price"] == 22000 + 7000 + 6000 and cap["amount"] == 70000
    assert croissant["amount"] == 16000
    assert order["total"] == 86000 and order["status"] == "draft" and order["kitchen_status"] == "created"
    # VAT included in price: amount × rate / (100 + rate), half up
    assert cap["vat_amount"] == 12623 and croissant["vat_amount"] == 1455
    assert {v["rate"]: v["amount"] for v in order["vat"]} == {"vat22": 12623, "vat10": 1455}


def test_required_single_choice_takes_its_default(cashier: httpx.Client) -> None:
    order = new_order(cashier, line(ESPRESSO))
    assert [m["name"] for m in order["lines"][0]["modifiers"]] == ["0,25 л"]


def test_weight_products_take_fractional_quantities(cashier: httpx.Client) -> None:
    order = new_order(cashier, line(BEANS, "0.255"))
    assert order["lines"][0]["amount"] == 45900  # 1800.00 ₽/kg × 0.255 kg
    r = cashier.post("/orders", json={"items": [line(WATER, "1.5")]})
    assert r.status_code == 422 and r.json()["code"] == "bad_quantity"


@pytest.mark.parametrize(
    ("lines", "code"),
    [
        ([line("019a0000-0001-7000-8000-000000000999")], "unknown_product"),
        ([line(CAPPUCCINO, "1", [SIZE_L, SIZE_M])], "modifier_rules"),  # single-choice group, two options
        ([line(CAPPUCCINO, "1", [MILK_OAT, MILK_ALMOND])], "modifier_rules"),
        ([line(CAPPUCCINO, "1", [SYRUP_VANILLA, SYRUP_CARAMEL, SYRUP_HAZELNUT])], "modifier_rules"),  # multi max 2
        ([line(ESPRESSO, "1", [MILK_OAT])], "modifier_rules"),  # espresso offers no milk
        ([line(CAPPUCCINO, "1", ["019a0000-0001-7000-8000-000000000998"])], "unknown_modifier"),
        ([line(CAPPUCCINO, "0")], "bad_quantity"),
    ],
)
def test_bad_lines_are_refused_and_nothing_is_written(
    edge: EdgeServer, cashier: httpx.Client, lines: list[dict[str, object]], code: str
) -> None:
    before = (edge.count("orders"), edge.count("outbox"), edge.count("order_lines"))
    r = cashier.post("/orders", json={"items": lines})
    assert r.status_code == 422, r.text
    assert r.json()["code"] == code
    assert (edge.count("orders"), edge.count("outbox"), edge.count("order_lines")) == before


def test_replacing_lines_with_a_bad_one_keeps_the_old_lines(edge: EdgeServer, cashier: httpx.Client) -> None:
    order = new_order(cashier, line(WATER, "2"))
    outbox = edge.count("outbox")
    r = cashier.put(f"/orders/{order['id']}/items", json={"items": [line(CAPPUCCINO, "1", [SIZE_L, SIZE_M])]})
    assert r.status_code == 422
    assert edge.count("outbox") == outbox
    assert cashier.get(f"/orders/{order['id']}").json()["data"]["total"] == 18000


def test_replace_items_writes_one_update_event(edge: EdgeServer, cashier: httpx.Client) -> None:
    order = new_order(cashier)
    before = edge.count("outbox")
    r = cashier.put(f"/orders/{order['id']}/items", json={"items": [line(WATER, "3")]})
    assert r.status_code == 200 and r.json()["data"]["total"] == 27000
    assert edge.query("SELECT type FROM outbox WHERE seq > ? ORDER BY seq", before) == [("order.updated",)]


def test_write_responses_match_a_fresh_read(cashier: httpx.Client) -> None:
    """Create, replace lines and patch answer with the order as stored, lines in position order."""
    created = new_order(cashier, line(WATER, "2"), line(CAPPUCCINO, "1", [SIZE_M]), promo_code="welcome10")
    assert created == cashier.get(f"/orders/{created['id']}").json()["data"]
    replaced = cashier.put(
        f"/orders/{created['id']}/items", json={"items": [line(CROISSANT), line(WATER, "3"), line(ESPRESSO)]}
    ).json()["data"]
    assert [x["product_id"] for x in replaced["lines"]] == [CROISSANT, WATER, ESPRESSO]
    assert replaced == cashier.get(f"/orders/{created['id']}").json()["data"]
    patched = cashier.patch(f"/orders/{created['id']}", json={"promo_code": None, "comment": "to go"}).json()["data"]
    assert patched["promo_code"] is None and patched["discount_total"] == 0 and patched["comment"] == "to go"
    assert patched == cashier.get(f"/orders/{created['id']}").json()["data"]


def test_same_idempotency_key_returns_the_same_order(edge: EdgeServer, cashier: httpx.Client) -> None:
    body = {"items": [line(WATER)]}
    first = cashier.post("/orders", json=body, headers={"Idempotency-Key": "tablet-7-order-1"})
    count = edge.count("orders")
    second = cashier.post("/orders", json=body, headers={"Idempotency-Key": "tablet-7-order-1"})
    assert first.json()["data"]["id"] == second.json()["data"]["id"]
    assert edge.count("orders") == count


def test_discounts_are_allocated_so_lines_sum_to_the_total(cashier: httpx.Client) -> None:
    order = new_order(cashier, line(WATER), line(WATER), line(CROISSANT), discount={"kind": "amount", "value": 1000})
    assert order["discount_total"] == 1000 and order["total"] == 34000 - 1000
    assert sum(x["amount"] for x in order["lines"]) == order["total"]
    assert sum(x["discount"] for x in order["lines"]) == 1000


def test_promo_code_applies_and_unknown_is_refused(cashier: httpx.Client) -> None:
    order = new_order(cashier, line(WATER, "3"), promo_code="welcome10")
    assert order["promo_code"] == "WELCOME10" and order["discount_total"] == 2700 and order["total"] == 24300
    r = cashier.post("/orders", json={"items": [line(WATER)], "promo_code": "NOPE"})
    assert r.status_code == 422 and r.json()["code"] == "unknown_promo"


def test_large_discount_needs_a_manager_and_is_audited(edge: EdgeServer, cashier: httpx.Client) -> None:
    order = new_order(cashier, line(WATER, "2"))
    r = cashier.patch(f"/orders/{order['id']}", json={"discount": {"kind": "percent", "value": 50}})
    assert r.status_code == 403 and r.json()["code"] == "approval_required"
    r = cashier.patch(
        f"/orders/{order['id']}",
        json={"discount": {"kind": "percent", "value": 50}},
        headers={"X-Approval-Pin": "2222"},
    )
    assert r.status_code == 200 and r.json()["data"]["total"] == 9000
    rows = edge.query("SELECT action, approver_id, amount FROM audit_log WHERE order_id = ?", order["id"])
    assert rows == [("discount", "019a0000-0001-7000-8000-000000000071", 50)]


def test_order_type_and_delivery_address(cashier: httpx.Client) -> None:
    r = cashier.post("/orders", json={"order_type": "delivery", "items": [line(WATER)]})
    assert r.status_code == 422 and r.json()["code"] == "delivery_address_required"
    order = new_order(cashier, line(WATER), order_type="dine_in", table="12")
    assert order["order_type"] == "dine_in" and order["table"] == "12"


def test_kitchen_status_follows_its_transitions(cashier: httpx.Client) -> None:
    order = new_order(cashier, line(CROISSANT), order_type="dine_in", table="3")
    path = f"/orders/{order['id']}/kitchen-status"
    assert cashier.post(path, json={"status": "ready"}).json()["code"] == "kitchen_transition"
    for status in ("confirmed", "cooking", "ready"):
        assert cashier.post(path, json={"status": status}).status_code == 200
    assert cashier.patch(path, json={"status": "delivered"}).status_code == 409  # not a delivery
    assert cashier.patch(path, json={"status": "served"}).json()["data"]["kitchen_status"] == "served"
    # a recall moves one step back only
    assert cashier.post(path, json={"status": "cooking"}).json()["code"] == "kitchen_transition"
    assert cashier.post(path, json={"status": "ready"}).json()["data"]["kitchen_status"] == "ready"
    assert cashier.post(path, json={"status": "cooking"}).json()["data"]["kitchen_status"] == "cooking"


def test_kitchen_staff_cannot_create_orders(edge: EdgeServer) -> None:
    kitchen = edge.client("3333")
    r = kitchen.post("/orders", json={})
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    kitchen.close()


def test_cancel_a_draft(edge: EdgeServer, cashier: httpx.Client) -> None:
    order = new_order(cashier, line(WATER))
    r = cashier.post(f"/orders/{order['id']}/cancel", json={"reason": "changed mind"})
    assert r.status_code == 200 and r.json()["data"]["status"] == "cancelled"
    assert r.json()["data"]["kitchen_status"] == "cancelled"
    assert cashier.put(f"/orders/{order['id']}/items", json={"items": [line(WATER)]}).status_code == 409


def test_list_filters_pages_and_sorts(cashier: httpx.Client) -> None:
    ids = [new_order(cashier, line(WATER, str(n)))["id"] for n in (1, 2, 3)]
    page = cashier.get("/orders", params={"status": "draft", "limit": 2, "sort": "-created_at"}).json()
    assert page["meta"]["limit"] == 2 and page["meta"]["total"] >= 3
    assert [o["id"] for o in page["data"]] == ids[::-1][:2]
    totals = [o["total"] for o in cashier.get("/orders", params={"sort": "total", "limit": 500}).json()["data"]]
    assert totals == sorted(totals)
    assert cashier.get("/orders", params={"sort": "secret"}).status_code == 400
    assert (
        cashier.get("/orders", params={"dateFrom": "2000-01-01", "dateTo": "2000-01-02"}).json()["meta"]["total"] == 0
    )


def test_outbox_sequence_is_gap_free(edge: EdgeServer, cashier: httpx.Client) -> None:
    new_order(cashier, line(WATER))
    seqs = [row[0] for row in edge.query("SELECT seq FROM outbox ORDER BY seq")]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
