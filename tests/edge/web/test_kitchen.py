"""The kitchen display and the ready board follow orders live: a sale on the register appears on the display
without a reload, bumps move it through the columns, and the ready board shows its number when it is ready."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.edge.web import _pos as pos
from tests.edge.web.conftest import PINS, Agent, screenshot

pytestmark = [pytest.mark.integration, pytest.mark.browser]


def test_kitchen_bump_flow_seen_live(agent: Agent, new_page: Callable[..., Any]) -> None:
    kds = new_page(agent, "/kds", width=1920, height=1080)
    kds.fill("#login-pin", PINS["kitchen"])
    kds.press("#login-pin", "Enter")
    kds.locator("#login").wait_for(state="hidden")
    kds.locator("[data-column=new]").wait_for()
    board = new_page(agent, "/ready", width=1920, height=1080)
    board.locator(".ready-col").wait_for()

    cashier = new_page(agent, "/pos")
    pos.login(cashier, PINS["cashier"])
    pos.tap_product(cashier, "Круассан")
    pos.choose(cashier, "Подогреть", "Подогреть")
    pos.add_from_dialog(cashier)
    cashier.click(".ordertype button[data-type=dine_in]")
    cashier.fill("#table-no", "7")
    cashier.locator("#table-no").blur()
    pos.wait_total(cashier, "160,00 ₽")
    pos.pay_cash(cashier, "200")
    cashier.click("#cash-pay")
    pos.wait_status(cashier, "fiscalized")
    number = pos.current_order(cashier)["number"]

    # no reload: the ticket arrives over the event stream
    ticket = kds.locator(f"[data-column=new] .ticket[data-order='{number}']")
    ticket.wait_for()
    assert "Подогреть" in ticket.inner_text()
    assert "стол 7" in ticket.inner_text()
    board.locator(".cooking-col .num", has_text=number).wait_for()
    screenshot(kds, "kds")

    ticket.locator("button.bump").click()
    kds.locator(f"[data-column=cooking] .ticket[data-order='{number}']").wait_for()
    kds.locator(f"[data-column=cooking] .ticket[data-order='{number}'] button.bump").click()
    kds.locator(f"[data-column=ready] .ticket[data-order='{number}']").wait_for()
    board.locator("#ready-numbers .num", has_text=number).wait_for()
    screenshot(board, "ready-board")

    kds.locator(f"[data-column=ready] .ticket[data-order='{number}'][data-status=ready] button.bump").click()
    kds.locator(f".ticket[data-order='{number}'][data-status=served]").wait_for()
    board.locator("#ready-numbers .num", has_text=number).wait_for(state="detached")

    # served by mistake: recall brings it back to "ready", and the board shows the number again
    kds.locator(f".ticket[data-order='{number}'][data-status=served] button.recall").click()
    kds.locator(f"[data-column=ready] .ticket[data-order='{number}'][data-status=ready]").wait_for()
    board.locator("#ready-numbers .num", has_text=number).wait_for()
    kds.locator(f"[data-column=ready] .ticket[data-order='{number}'][data-status=ready] button.bump").click()
    kds.locator(f".ticket[data-order='{number}'][data-status=served]").wait_for()
    with agent.api(agent.login("manager")) as client:
        order = client.get(f"/orders/{pos.current_order(cashier)['id']}").json()["data"]
    assert order["kitchen_status"] == "served"
