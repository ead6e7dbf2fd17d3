"""Page routes: /pos, /kds and /ready; the status strip every page polls (/ui/status); the kitchen and ready
boards as HTMX partials and server-sent event streams; bump and recall, which go through the order API.
"""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator
from typing import Any

from litestar import Controller, MediaType, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.params import FromPath
from litestar.plugins.htmx import HTMXTemplate
from litestar.response import ServerSentEvent, Template
from litestar.response.sse import ServerSentEventMessage

from edge.domain.auth.services import authenticate
from edge.domain.deps import DEVICE_TOKEN_HEADER, SESSION_COOKIE, SESSION_HEADER
from edge.problems import Problem
from edge.web import _kitchen as kitchen
from edge.web._api import ApiError, LocalApi, runtime_of
from edge.web._i18n import LANG_COOKIE
from edge.web._pages import page_context, render_partial, status_context, translator_for
from edge.web._words import JS_STRINGS

STREAM_KEEPALIVE_SECONDS = 15.0


def _page(request: Request[Any, Any, Any], name: str, page: str) -> Template:
    context = page_context(request, page)
    cookies = []
    wanted = request.query_params.get("lang")
    if wanted and wanted == context["lang"]:
        cookies.append(Cookie(key=LANG_COOKIE, value=wanted, path="/", max_age=365 * 86400, samesite="strict"))
    return Template(template_name=name, context=context, cookies=cookies)


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


__all__ = ["KitchenController", "PagesController", "PosController", "ReadyController", "StatusController"]
