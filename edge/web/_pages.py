"""Template contexts: the page language and its gettext, the page's script configuration, the status strip
(hub link, backlog, device problems in words) and rendering a partial to a string for event streams.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from litestar import Request

from edge.web._api import ApiError, LocalApi, device_token, runtime_of, settings_of
from edge.web._i18n import LANG_COOKIE, LANGUAGES, pick_language, translations
from edge.web._words import Gettext, Notice, device_notices, js_strings, warning_notices

STATIC_DIR = Path(__file__).parent / "static"
STATUS_POLL_SECONDS = 3
"""How often every page asks for the hub link and device health."""


def language_of(request: Request[Any, Any, Any]) -> str:
    return pick_language(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE))


def translator_for(request: Request[Any, Any, Any]) -> Gettext:
    return translations(language_of(request)).gettext


@cache
def static_version() -> str:
    """A digest of the static files: the URLs change with the files, so a day-long cache never serves old code."""
    digest = hashlib.sha256()
    for file in sorted(STATIC_DIR.rglob("*")):
        if file.is_file():
            digest.update(file.relative_to(STATIC_DIR).as_posix().encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:12]


def static_url(path: str) -> str:
    return f"/ui/static/{path}?v={static_version()}"


def format_money(kopecks: object) -> str:
    """12345 → "123,45" (Russian style, non-breaking thousands) — the pages show kopecks only this way."""
    if not isinstance(kopecks, int):
        return ""
    sign = "−" if kopecks < 0 else ""
    rub, kop = divmod(abs(kopecks), 100)
    return f"{sign}{rub:,}".replace(",", "\u00a0") + f",{kop:02d}"


def base_context(request: Request[Any, Any, Any]) -> dict[str, object]:
    lang = language_of(request)
    settings = settings_of(request)
    return {
        "lang": lang,
        "_": translations(lang).gettext,
        "languages": LANGUAGES,
        "static": static_url,
        "money": format_money,
        "location_name": settings.app.location_name if settings else "Yago",
        "register_name": settings.app.register_name if settings else "",
        "status_poll_seconds": STATUS_POLL_SECONDS,
    }


def page_context(request: Request[Any, Any, Any], page: str) -> dict[str, object]:
    context = base_context(request)
    settings = settings_of(request)
    # The customer-facing board gets no token: it only reads, through the page's own server side. Other
    # pages get it only on a trusted screen (the box's own, or one paired with the register).
    token = device_token(request) if page != "ready" else ""
    gettext = translations(str(context["lang"])).gettext
    context["page"] = page
    context["page_config"] = {
        "page": page,
        "lang": context["lang"],
        "deviceToken": token,
        "currency": settings.app.currency if settings else "RUB",
        "discountThreshold": settings.app.manager_approval_discount_threshold_percent if settings else 10,
        "strings": js_strings(gettext),
    }
    return context


def render_partial(request: Request[Any, Any, Any], name: str, extra: Mapping[str, object]) -> str:
    engine = request.app.template_engine
    if engine is None:
        raise RuntimeError("template_config() is not mounted on the app")
    context = base_context(request)
    context.update(extra)
    rendered: str = engine.get_template(name).render(**context)
    return rendered


def _hub(status: Mapping[str, object] | None, _: Gettext) -> tuple[Notice, str]:
    """The hub link as (pill, detail): online/offline and how many events wait to be sent."""
    if status is None:
        return Notice("bad", _("Register agent not answering")), ""
    hub = status.get("hub")
    hub = hub if isinstance(hub, Mapping) else {}
    backlog = status.get("backlog")
    count = backlog.get("count", 0) if isinstance(backlog, Mapping) else 0
    waiting = count if isinstance(count, int) else 0
    if not hub.get("enrolled") and not hub.get("connected"):
        return Notice("warn", _("Standalone: not linked to the hub")), ""
    if hub.get("connected"):
        return Notice("ok", _("Hub online")), _("%(n)s to send") % {"n": waiting} if waiting else ""
    return Notice("bad", _("Hub offline")), _("%(n)s waiting to send") % {"n": waiting}


STATUS_TTL_SECONDS = 2.0
_STATUS_CACHE = "web_status_cache"


async def _agent_status(request: Request[Any, Any, Any]) -> Mapping[str, object] | None:
    """GET /api/v1/status, shared for a moment between the screens polling it (it asks the fiscal registrar)."""
    if runtime_of(request) is None:
        return None
    cached = request.app.state.get(_STATUS_CACHE)
    now = time.monotonic()
    if isinstance(cached, tuple) and now - cached[0] < STATUS_TTL_SECONDS:
        return cached[1]  # type: ignore[no-any-return]
    status: Mapping[str, object] | None = None
    try:
        async with LocalApi(request, timeout=3.0) as api:
            answer = await api.get("/status")
        if isinstance(answer, Mapping):
            inner = answer.get("data", answer)
            status = inner if isinstance(inner, Mapping) else None
    except (ApiError, OSError):
        status = None
    request.app.state[_STATUS_CACHE] = (now, status)
    return status


async def status_context(request: Request[Any, Any, Any]) -> dict[str, object]:
    _ = translator_for(request)
    status = await _agent_status(request)
    hub, hub_detail = _hub(status, _)
    devices = device_notices(status.get("devices") if status else None, _)
    devices += warning_notices(status, _, {n.code for n in devices})
    banner: Notice | None = None
    if status is None:
        banner = hub
    elif hub.level == "bad":
        banner = Notice("bad", _("No link to the hub: keep selling, everything will be sent when the link is back"))
    bad = [n for n in devices if n.level == "bad"]
    if bad:
        banner = bad[0]
    context = base_context(request)
    context.update(
        {
            "hub": hub,
            "hub_detail": hub_detail,
            "devices": devices,
            "banner": banner,
            "status": status or {},
        }
    )
    return context
