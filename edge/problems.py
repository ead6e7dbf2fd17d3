"""RFC 9457 Problem Details: the domain error type services raise, and the one place that maps every error
(domain, device, validation, routing, unexpected) to ``application/problem+json`` with a ``code`` extension.
"""

from __future__ import annotations

from typing import Any

import msgspec
import structlog
from litestar import Request, Response
from litestar.exceptions import HTTPException, SerializationException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from drivers.errors import DeviceError

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://yago.dev/problems/"

log = structlog.get_logger("edge.problems")

_DEVICE_STATUS: dict[str, int] = {
    "unavailable": 503,
    "timeout": 504,
    "busy": 409,
    "outcome_unknown": 503,
    "rejected": 422,
    "insufficient_cash": 409,
}

_DEVICE_TITLES: dict[str, str] = {
    "paper_out": "The printer is out of paper",
    "cover_open": "The printer cover is open",
    "shift_expired": "The fiscal shift is older than 24 hours: close it (Z report)",
    "shift_closed": "The fiscal shift is closed: open a shift",
    "shift_open": "The fiscal shift is already open",
    "fn_blocked": "The fiscal storage is blocked: documents unsent to the OFD for 30 days",
    "fn_expired": "The fiscal storage must be replaced",
    "insufficient_cash": "Not enough cash in the drawer",
    "unavailable": "The device does not answer",
    "timeout": "The device did not answer in time",
    "busy": "The device is busy",
    "rejected": "The device refused the request",
    "outcome_unknown": "The device outcome is unknown; it will be resolved with the device",
}


class Problem(Exception):
    """A domain error with everything a Problem Details body needs."""

    def __init__(
        self,
        status: int,
        code: str,
        title: str,
        detail: str = "",
        *,
        headers: dict[str, str] | None = None,
        extra: dict[str, object] | None = None,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.code = code
        self.title = title
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra or {}


def not_found(what: str, ident: object) -> Problem:
    return Problem(404, "not_found", f"{what} not found", f"{what} {ident} does not exist")


def conflict(code: str, title: str, detail: str = "", **extra: object) -> Problem:
    return Problem(409, code, title, detail, extra=dict(extra))


def invalid(code: str, title: str, detail: str = "", **extra: object) -> Problem:
    return Problem(422, code, title, detail, extra=dict(extra))


def device_problem(exc: DeviceError, what: str = "") -> Problem:
    """A driver error as a problem the cashier can read; ``code`` is the driver's error kind."""
    kind = exc.kind
    title = _DEVICE_TITLES.get(kind, "Device error")
    detail = f"{what}: {exc.message}" if what else exc.message
    extra: dict[str, object] = {"device_id": exc.device_id} if exc.device_id else {}
    return Problem(_DEVICE_STATUS.get(kind, 409), kind, title, detail, extra=extra)


def _body(request: Request[Any, Any, Any], status: int, code: str, title: str, detail: str) -> dict[str, object]:
    return {
        "type": f"{TYPE_BASE}{code.replace('_', '-')}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        "code": code,
    }


def _response(body: dict[str, object], status: int, headers: dict[str, str] | None = None) -> Response[Any]:
    return Response(content=body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def handle_problem(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    assert isinstance(exc, Problem)
    body = _body(request, exc.status, exc.code, exc.title, exc.detail or exc.title)
    body.update(exc.extra)
    return _response(body, exc.status, exc.headers)


def handle_device_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    assert isinstance(exc, DeviceError)
    return handle_problem(request, device_problem(exc))


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
}


def _is_malformed_body(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    for _ in range(6):
        if seen is None:
            return False
        if isinstance(seen, msgspec.DecodeError) and not isinstance(seen, msgspec.ValidationError):
            return True
        if isinstance(seen, SerializationException) and "malformed" in str(seen).lower():
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def handle_http_exception(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    if isinstance(exc, ValidationException):
        body = _body(request, 400, "validation_error", "The request is not valid", exc.detail)
        if exc.extra:
            body["errors"] = exc.extra
        return _response(body, 400)
    if status == 400 and _is_malformed_body(exc):
        body = _body(request, 400, "malformed_json", "The request body is not valid JSON", exc.detail)
        return _response(body, 400)
    code = _HTTP_CODES.get(status, "http_error")
    title = {404: "Not found", 405: "Method not allowed"}.get(status, exc.detail)
    return _response(_body(request, status, code, title, exc.detail), status, dict(exc.headers or {}))


def handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.error("unhandled_error", path=request.url.path, error=repr(exc), exc_info=exc)
    status = HTTP_500_INTERNAL_SERVER_ERROR
    return _response(
        _body(request, status, "internal_error", "Internal error", "The request failed; see the log"), status
    )


EXCEPTION_HANDLERS = {
    Problem: handle_problem,
    DeviceError: handle_device_error,
    HTTPException: handle_http_exception,
    Exception: handle_unexpected,
}
