"""The register pages without a browser: translations, device problems in words, money formatting, and the
pages served by a bare app (no agent running) with only local assets."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from litestar import Litestar
from litestar.testing import TestClient

from edge.web import STATIC_DIR, TEMPLATES_DIR, create_web_router, static_files_router, template_config
from edge.web._i18n import I18N_DIR, pick_language, translations
from edge.web._kitchen import bump_steps
from edge.web._pages import format_money
from edge.web._words import device_notices, warning_notices

pytestmark = pytest.mark.unit
_PLACEHOLDER = re.compile(r"%\(\w+\)s")


def test_every_message_has_a_russian_translation_with_the_same_placeholders() -> None:
    with (I18N_DIR / "messages.pot").open("rb") as fh:
        template = {m.id for m in read_po(fh) if m.id}
    with (I18N_DIR / "ru" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        russian = {m.id: m.string for m in read_po(fh) if m.id}
    assert template, "the template catalog is empty"
    assert template <= set(russian), f"missing in ru: {sorted(template - set(russian))}"
    for msgid in template:
        assert russian[msgid], f"untranslated: {msgid!r}"
        assert sorted(_PLACEHOLDER.findall(str(msgid))) == sorted(_PLACEHOLDER.findall(str(russian[msgid]))), msgid


def test_russian_is_the_default_and_english_is_the_source() -> None:
    assert pick_language(None, None) == "ru"
    assert pick_language("en", "ru") == "en"
    assert pick_language(None, "en") == "en"
    assert pick_language("xx", None) == "ru"
    assert translations("ru").gettext("Hub offline") == "Нет связи с офисом"
    assert translations("en").gettext("Hub offline") == "Hub offline"


def test_device_problems_read_as_plain_words() -> None:
    _ = translations("ru").gettext
    notices = device_notices(
        [
            {"device_id": "printer-1", "kind": "printer", "online": True, "problems": ["paper_out"], "detail": ""},
            {"device_id": "zvt-1", "kind": "terminal", "online": False, "problems": [], "detail": ""},
            {"device_id": "atol-1", "kind": "fiscal", "online": True, "problems": ["ofd_backlog"], "detail": "4 days"},
        ],
        _,
    )
    texts = [n.text for n in notices]
    assert "В принтере закончилась бумага: вставьте новый рулон" in texts
    assert "Платёжный терминал не отвечает: проверьте кабель и питание" in texts
    assert any("4 дн." in t for t in texts)
    assert [n.level for n in notices][:2] == ["bad", "bad"]  # the worst come first


def test_fiscal_warnings_give_hours_and_days() -> None:
    _ = translations("en").gettext
    status = {
        "warnings": [
            "shift_expires_soon: the fiscal shift expires in 90 min; close it (Z report)",
            "ofd_backlog: 12 documents unsent to the OFD for 5 days (the FN blocks at 30)",
            "something_else: ignored",
        ]
    }
    texts = [n.text for n in warning_notices(status, _, set())]
    assert texts == [
        "The fiscal shift closes in 2 h: close the shift (Z report) in time",
        "Receipts not sent to the tax service for 5 days: check the internet",
    ]
    assert warning_notices(status, _, {"shift_expires_soon", "ofd_backlog"}) == []


def test_money_is_shown_in_rubles_and_kopecks() -> None:
    assert format_money(0) == "0,00"
    assert format_money(12345) == "123,45"
    assert format_money(123456789) == "1\u00a0234\u00a0567,89"
    assert format_money(-500) == "−5,00"


@pytest.fixture(scope="module")
def client() -> TestClient[Litestar]:
    app = Litestar(route_handlers=[create_web_router(), static_files_router()], template_config=template_config())
    with TestClient(app) as test_client:
        yield test_client


def test_pages_render_in_russian_and_english(client: TestClient[Litestar]) -> None:
    pos = client.get("/pos?lang=ru")
    assert pos.status_code == 200
    assert "Сменить кассира" in pos.text and 'lang="ru"' in pos.text
    english = client.get("/pos?lang=en")
    assert "Switch cashier" in english.text
    assert english.cookies.get("yago_lang") == "en"
    for path in ("/kds", "/ready"):
        assert client.get(path).status_code == 200


def test_status_strip_says_when_the_agent_does_not_answer(client: TestClient[Litestar]) -> None:
    answer = client.get("/ui/status?lang=ru")
    assert answer.status_code == 200
    assert "Кассовая программа не отвечает" in answer.text
    assert 'hx-swap-oob="true"' in answer.text


def test_assets_are_local_and_served(client: TestClient[Litestar]) -> None:
    page = client.get("/pos?lang=ru").text
    for url in re.findall(r'(?:src|href)="([^"]+)"', page):
        assert not url.startswith(("http:", "https:", "//")), url
        if url.startswith("/ui/static/"):
            assert client.get(url).status_code == 200, url
    htmx = client.get("/ui/static/vendor/htmx.min.js")
    assert htmx.status_code == 200 and "htmx" in htmx.text
    for path in [*TEMPLATES_DIR.rglob("*.html"), *STATIC_DIR.rglob("*.js"), *STATIC_DIR.rglob("*.css")]:
        if "vendor" in path.parts:
            continue
        assert not re.search(r"https?://(?!127\.0\.0\.1)", path.read_text()), f"{path} loads something remote"


def test_vendored_htmx_carries_its_license() -> None:
    vendor = Path(STATIC_DIR) / "vendor"
    assert (vendor / "htmx.LICENSE").read_text().startswith("Zero-Clause BSD")
    assert (vendor / "htmx-ext-sse.LICENSE").exists()


@pytest.mark.parametrize(
    ("shown", "current", "order_type", "steps"),
    [
        ("created", "created", "takeaway", ["confirmed", "cooking"]),
        ("created", "confirmed", "takeaway", ["cooking"]),  # paid meanwhile: the payment confirmed it
        ("cooking", "cooking", "dine_in", ["ready"]),
        ("ready", "ready", "dine_in", ["served"]),
        ("ready", "ready", "delivery", ["delivered"]),
        ("cooking", "ready", "takeaway", []),  # another screen was quicker: no double bump
        ("ready", "served", "takeaway", []),
        ("served", "served", "takeaway", []),
    ],
)
def test_a_bump_moves_a_ticket_one_column_whatever_the_screen_missed(
    shown: str, current: str, order_type: str, steps: list[str]
) -> None:
    assert bump_steps(shown, current, order_type) == steps
