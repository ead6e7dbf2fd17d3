"""A kitchen tablet on the LAN is paired with the register in the browser: it opens on the pairing form with no
device token, the cashier gets a code under Shift → Pair a screen with a manager's PIN, and the tablet, once the
code is entered, opens the kitchen display and keeps it after a reload."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.edge.web import _pos as pos
from tests.edge.web.conftest import PINS, TOKEN, Agent, screenshot

pytestmark = [pytest.mark.integration, pytest.mark.browser]


def test_a_lan_kitchen_screen_is_paired_by_a_code_from_the_register(agent: Agent, new_page: Callable[..., Any]) -> None:
    tablet = new_page(agent, "/kds", width=1280, height=800, lan=True)
    tablet.locator("#pair-code").wait_for()
    assert TOKEN not in tablet.content()
    tablet.fill("#pair-code", "123456")
    tablet.click("#pair-submit")
    assert "Код неверный или просрочен" in tablet.locator("#pair-error").inner_text()
    screenshot(tablet, "pair-screen")

    cashier = new_page(agent, "/pos")
    pos.login(cashier, PINS["cashier"])
    cashier.click("#btn-shift")
    cashier.click("#shift-pair")
    pos.manager_pin(cashier, PINS["manager"])
    report = cashier.locator("#shift-report")
    report.wait_for(state="visible")
    found = re.search(r"\b(\d{6})\b", report.inner_text())
    assert found, report.inner_text()

    tablet.fill("#pair-code", found.group(1))
    tablet.click("#pair-submit")
    tablet.wait_for_url(re.compile(r"/kds$"))
    tablet.fill("#login-pin", PINS["kitchen"])
    tablet.press("#login-pin", "Enter")
    tablet.locator("#login").wait_for(state="hidden")
    tablet.locator("[data-column=new]").wait_for()
    screenshot(tablet, "pair-kds-paired")
    tablet.reload()  # the pairing is the tablet's cookie, not this page's memory
    tablet.locator("[data-column=new]").wait_for()
    assert tablet.locator("#pair-code").count() == 0
