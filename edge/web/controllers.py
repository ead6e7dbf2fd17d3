"""Page routes: /pos, /kds and /ready; pairing a LAN screen (/ui/pair); the status strip every page polls
(/ui/status); the kitchen and ready boards as HTMX partials and server-sent event streams; bump and recall,
which go through the order API. /pos and /kds open only on a trusted screen: the box's own (loopback) or
one paired with the register; any other browser gets the pairing form and no device token.
"""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator
from typing import Any

import structlog
from litestar import Controller, MediaType, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.params import FromPath
from litestar.plugins.htmx import HTMXTemplate
from litestar.response import Redirect, ServerSentEvent, Template
from litestar.response.sse import ServerSentEventMessage

from edge.domain.auth.services import audit, authenticate
from edge.domain.deps import DEVICE_TOKEN_HEADER, SESSION_COOKIE, SESSION_HEADER
from edge.domain.screens.services import SCREEN_COOKIE, new_screen_cookie
from edge.problems import Problem
from edge.web import _kitchen as kitchen
from edge.web._api import ApiError, LocalApi, runtime_of, trusted_screen
from edge.web._i18n import LANG_COOKIE
from edge.web._pages import page_context, render_partial, status_context, translator_for
from edge.web._words import JS_STRINGS

STREAM_KEEPALIVE_SECONDS = 15.0
SCREEN_COOKIE_DAYS = 400  # the longest a browser keeps a cookie; every page load renews it
PAIRED_PAGES = frozenset({"/pos", "/kds"})
log = structlog.get_logger("edge.web")


def _page(request: Request[Any, Any, Any], name: str, page: str) -> Template:
    context = page_context(request, page)
    cookies = []
    wanted = request.query_params.get("lang")
    if wanted and wanted == context["lang"]:
        cookies.append(Cookie(key=LANG_COOKIE, value=wanted, path="/", max_age=365 * 86400, samesite="strict"))
    if page != "ready" and runtime_of(request) is not None and not trusted_screen(request):
        # A browser on the LAN the register does not know: no token, only the form to pair it.
        context["next"] = f"/{page}"
        return Template(template_name="pair.html", context=context, cookies=cookies)
    screen = request.cookies.get(SCREEN_COOKIE)
    if screen and trusted_screen(request):  # a paired screen: keep its cookie from running out
        cookies.append(_screen_cookie(screen))
    return Template(template_name=name, context=context, cookies=cookies)


def _screen_cookie(value: str) -> Cookie:
    return Cookie(
        key=SCREEN_COOKIE, value=value, path="/", max_age=SCREEN_COOKIE_DAYS * 86400, httponly=True, samesite="strict"
    )


class PagesController(Controller):
    path = "/"
    include_in_schema = False

    @get("/pos", operation_id="pagePos")
    async def pos(self, request: Request[Any, Any, Any]) -> Template:
        """The cashier touchscreen."""
        return _page(request, "pos.html", "pos")

    @get("/kds", operation_id="pageKds")
    async def kds(self, request: Request[Any, Any, Any]) -> Template:
        """The kitchen display."""
        return _page(request, "kds.html", "kds")

    @get("/ready", operation_id="pageReady")
    async def ready(self, request: Request[Any, Any, Any]) -> Template:
        """The board customers watch for their number."""
        return _page(request, "ready.html", "ready")


class PairController(Controller):
    path = "/ui/pair"
    include_in_schema = False

    @post("/", operation_id="uiPair", status_code=200)
    async def pair(self, request: Request[Any, Any, Any]) -> Response[Any] | Template:
        """Pair this browser with the register by a code a manager or technician issued."""
        rt = runtime_of(request)
        if rt is None:
            raise Problem(503, "starting", "The register is starting", "Try again in a moment")
        form = await request.form()
        code, target = str(form.get("code") or ""), str(form.get("next") or "/pos")
        target = target if target in PAIRED_PAGES else "/pos"
        client = request.client.host if request.client else ""
        if not rt.pairing.redeem(code):
            log.warning("screen_pairing_refused", client=client)
            _ = translator_for(request)
            context = page_context(request, target.lstrip("/"))
            context.update(next=target, error=_("This code is wrong or has expired: ask for a new one"))
            return Template(template_name="pair.html", context=context, status_code=403)
        screen_id, cookie = new_screen_cookie(rt.settings.app.device_token)
        agent = request.headers.get("user-agent", "")[:200]
        async with rt.db.begin() as conn:
            audit(conn, "screen_paired", None, detail=f"screen {screen_id} at {client} ({agent})")
        log.info("screen_paired", screen=screen_id, client=client)
        return Redirect(path=target, status_code=303, cookies=[_screen_cookie(cookie)])


class StatusController(Controller):
    path = "/ui"
    include_in_schema = False

    @get("/status", operation_id="uiStatus")
    async def status(self, request: Request[Any, Any, Any]) -> Template:
        """Hub link, backlog and device problems in words; the banner is swapped out of band."""
        return HTMXTemplate(template_name="partials/status.html", context=await status_context(request))


async def _board_html(request: Request[Any, Any, Any], template: str) -> str:
    rt = runtime_of(request)
    tickets = await kitchen.tickets(rt) if rt is not None else []
    served = await kitchen.recent_served(rt) if rt is not None and template == "partials/kds_board.html" else []
    return render_partial(
        request,
        template,
        {"columns": _columns(tickets), "served": served, "tickets": tickets},
    )


def _columns(tickets: list[kitchen.Ticket]) -> list[tuple[str, list[kitchen.Ticket]]]:
    return [(name, [t for t in tickets if t.kitchen_status in statuses]) for name, statuses in kitchen.COLUMNS]


def _feed(request: Request[Any, Any, Any]) -> kitchen.KitchenFeed | None:
    rt = runtime_of(request)
    if rt is None:
        return None
    feed = request.app.state.get("web_kitchen_feed")
    if not isinstance(feed, kitchen.KitchenFeed):
        feed = kitchen.KitchenFeed(rt)
        request.app.state["web_kitchen_feed"] = feed
    return feed


async def _board_stream(request: Request[Any, Any, Any], template: str) -> AsyncIterator[ServerSentEventMessage]:
    feed = _feed(request)
    if feed is None:
        yield ServerSentEventMessage(data=await _board_html(request, template), event="board")
        return
    async with feed.listening():
        seen = -1
        last_html = ""
        while True:
            version = await feed.wait_change(seen, STREAM_KEEPALIVE_SECONDS) if seen >= 0 else feed.version
            html = await _board_html(request, template)
            if html != last_html or seen < 0:
                last_html = html
                yield ServerSentEventMessage(data=html, event="board")
            elif version == seen:
                # nothing changed for a while: a comment keeps proxies and the browser from dropping the stream
                yield ServerSentEventMessage(comment="keep-alive")
            seen = version


class KitchenController(Controller):
    path = "/ui/kds"
    include_in_schema = False

    @get("/board", operation_id="uiKdsBoard", media_type=MediaType.HTML)
    async def board(self, request: Request[Any, Any, Any]) -> str:
        """The board once (first paint and a fallback when the stream drops)."""
        return await _board_html(request, "partials/kds_board.html")

    @get("/stream", operation_id="uiKdsStream")
    async def stream(self, request: Request[Any, Any, Any]) -> ServerSentEvent:
        """The board again each time today's orders change."""
        return ServerSentEvent(_board_stream(request, "partials/kds_board.html"))

    @post("/{order_id:str}/{action:str}", operation_id="uiKdsAction", media_type=MediaType.HTML, status_code=200)
    async def action(
        self, request: Request[Any, Any, Any], order_id: FromPath[str], action: FromPath[str]
    ) -> Response[str]:
        """Bump (to the next kitchen status) or recall (one step back), through the order API."""
        rt = runtime_of(request)
        _ = translator_for(request)
        shown = request.query_params.get("from", "")
        error = ""
        if rt is None:
            error = _("This ticket cannot move from here")
        else:
            try:
                async with LocalApi(request) as api:
                    order = await api.get(f"/orders/{order_id}")
                    data = order.get("data", {}) if isinstance(order, dict) else {}
                    current, order_type = str(data.get("kitchen_status", "")), str(data.get("order_type", ""))
                    # the screen may be a step behind the order (payment confirms it, another screen bumps it)
                    steps = kitchen.bump_steps(shown, current, order_type) if action == "bump" else []
                    if action == "recall" and current == shown:
                        steps = kitchen.recall_steps(current)
                    for target in steps:
                        await api.post(f"/orders/{order_id}/kitchen-status", {"status": target})
            except ApiError as exc:
                if exc.status == 401:
                    return Response("", status_code=401, media_type=MediaType.HTML)
                known = JS_STRINGS.get(f"p_{exc.code}")
                error = _(known) if known else exc.title
            feed = _feed(request)
            if feed is not None:
                feed.poke()
        html = await _board_html(request, "partials/kds_board.html")
        if error:
            html = render_partial(request, "partials/error.html", {"message": error}) + html
        return Response(html, media_type=MediaType.HTML)


class PosController(Controller):
    path = "/ui/pos"
    include_in_schema = False

    @post("/card-abort", operation_id="uiCardAbort", status_code=202)
    async def card_abort(self, request: Request[Any, Any, Any]) -> None:
        """Ask the card terminal to abort the running sale; the pay call still reports what the terminal decided."""
        rt = runtime_of(request)
        if rt is None:
            raise Problem(503, "starting", "The register is starting", "Try again in a moment")
        expected = rt.settings.app.device_token
        given = request.headers.get(DEVICE_TOKEN_HEADER, "")
        if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
            raise Problem(401, "device_token", "Unknown device", f"{DEVICE_TOKEN_HEADER} is missing or wrong")
        await authenticate(rt, request.headers.get(SESSION_HEADER) or request.cookies.get(SESSION_COOKIE))
        terminal = rt.devices.terminal
        if terminal is None:
            raise Problem(409, "no_terminal", "No card terminal", "The register has no card terminal configured")
        await terminal.abort()


class ReadyController(Controller):
    path = "/ui/ready"
    include_in_schema = False

    @get("/board", operation_id="uiReadyBoard", media_type=MediaType.HTML)
    async def board(self, request: Request[Any, Any, Any]) -> str:
        return await _board_html(request, "partials/ready_board.html")

    @get("/stream", operation_id="uiReadyStream")
    async def stream(self, request: Request[Any, Any, Any]) -> ServerSentEvent:
        return ServerSentEvent(_board_stream(request, "partials/ready_board.html"))


__all__ = [
    "KitchenController",
    "PagesController",
    "PairController",
    "PosController",
    "ReadyController",
    "StatusController",
]
