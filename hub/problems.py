"""RFC 9457 Problem Details: the hub's error types and the one place that maps every exception
(domain errors, Litestar's HTTP and validation errors, integrity conflicts, crashes) to a problem response.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import msgspec
from litestar import Request, Response
from litestar.datastructures import State
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import ExceptionHandlersMap
from sqlalchemy.exc import IntegrityError

log = logging.getLogger("hub.problems")

PROBLEM_MEDIA_TYPE = "application/problem+json"
_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    410: "Gone",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
_SLUGS = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    410: "gone",
    429: "too-many-requests",
    500: "internal",
    503: "unavailable",
}


def problem_type(slug: str) -> str:
    return f"urn:yago:problem:{slug}"


class ProblemError(Exception):
    """A domain error the API reports as a problem; subclasses fix the status and kind."""

    status = 400
    slug = "bad-request"

    def __init__(
        self,
        detail: str = "",
        *,
        slug: str | None = None,
        extra: Mapping[str, object] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if slug is not None:
            self.slug = slug
        self.extra = dict(extra or {})
        self.headers = dict(headers or {})


class BadRequest(ProblemError):
    status, slug = 400, "bad-request"


class Unauthorized(ProblemError):
    status, slug = 401, "unauthorized"


class Forbidden(ProblemError):
    status, slug = 403, "forbidden"


class NotFound(ProblemError):
    status, slug = 404, "not-found"


class Conflict(ProblemError):
    status, slug = 409, "conflict"


class Gone(ProblemError):
    status, slug = 410, "gone"


class TooManyRequests(ProblemError):
    status, slug = 429, "too-many-requests"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail, headers={"Retry-After": str(max(1, retry_after))}, extra={"retry_after": retry_after})


class Unavailable(ProblemError):
    status, slug = 503, "unavailable"


def problem_body(status: int, slug: str, detail: str, instance: str | None, extra: Mapping[str, object]) -> bytes:
    body: dict[str, object] = {
        "type": problem_type(slug),
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail or _TITLES.get(status, "Error"),
    }
    if instance:
        body["instance"] = instance
    body.update(extra)
    return msgspec.json.encode(body)


def problem_response(
    status: int,
    slug: str,
    detail: str,
    *,
    instance: str | None = None,
    extra: Mapping[str, object] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response[bytes]:
    return Response(
        content=problem_body(status, slug, detail, instance, extra or {}),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=dict(headers or {}),
    )


def _on_problem(request: Request[object, object, State], exc: ProblemError) -> Response[bytes]:
    return problem_response(
        exc.status, exc.slug, exc.detail, instance=request.url.path, extra=exc.extra, headers=exc.headers
    )


def _validation_errors(exc: ValidationException) -> list[dict[str, object]]:
    items = exc.extra if isinstance(exc.extra, list) else []
    errors: list[dict[str, object]] = []
    for item in items:
        if isinstance(item, dict):
            key = str(item.get("key") or "")
            errors.append({"pointer": f"#/{key.replace('.', '/')}" if key else "#", "detail": str(item.get("message"))})
    return errors


def _on_http(request: Request[object, object, State], exc: HTTPException) -> Response[bytes]:
    status = exc.status_code
    headers = dict(exc.headers or {})
    extra: dict[str, object] = {}
    slug = _SLUGS.get(status, "http-error")
    if isinstance(exc, ValidationException):
        slug = "validation"
        extra["errors"] = _validation_errors(exc)
    if status >= 500:
        log.error("server error", extra={"path": request.url.path, "status": status})
        detail = _TITLES.get(status, "Error")
    else:
        detail = exc.detail
    return problem_response(status, slug, detail, instance=request.url.path, extra=extra, headers=headers)


def _on_integrity(request: Request[object, object, State], exc: IntegrityError) -> Response[bytes]:
    log.info("integrity conflict", extra={"path": request.url.path})
    return problem_response(409, "conflict", "the change conflicts with existing data", instance=request.url.path)


def _on_crash(request: Request[object, object, State], exc: Exception) -> Response[bytes]:
    log.exception("unhandled error", extra={"path": request.url.path})
    return problem_response(HTTP_500_INTERNAL_SERVER_ERROR, "internal", "internal error", instance=request.url.path)


def exception_handlers() -> ExceptionHandlersMap:
    return {
        ProblemError: _on_problem,
        HTTPException: _on_http,
        IntegrityError: _on_integrity,
        Exception: _on_crash,
    }
