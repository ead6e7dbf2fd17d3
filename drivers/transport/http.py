"""A small HTTP/1.1 client for device web servers (ATOL Web Server): keep-alive connections on the event loop.

A device's web server is one known peer on the LAN or loopback, spoken to with small JSON requests; a
general-purpose client spends more per exchange than the device itself. What callers need to know about a
failure is whether the request can have reached the server: :class:`HttpNotSent` says it cannot (the
connection was never made), :class:`HttpLost` says it may have.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import select
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

_MAX_HEADER_BYTES = 64 * 1024


class HttpError(Exception):
    """A request that got no (complete) answer."""


class HttpNotSent(HttpError):
    """The connection could not be made: the request never left."""


class HttpLost(HttpError):
    """The link failed or went silent after the request may have been sent."""


class HttpTimeout(HttpLost):
    """No complete answer within the request timeout."""


@dataclass(frozen=True, slots=True)
class HttpResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @property
    def usable(self) -> bool:
        """Whether an idle kept-alive connection can carry the next request: the server has not closed it.

        Asked of the socket itself: the event loop may not have run since the server hung up (an idle
        connection has nothing to read, so anything readable is the end of it)."""
        if self.writer.is_closing() or self.reader.at_eof():
            return False
        sock = self.writer.get_extra_info("socket")
        if sock is None:
            return True
        try:
            readable, _, _ = select.select([sock], [], [], 0)
        except (OSError, ValueError):
            return False
        return not readable

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.close()


class HttpClient:
    """Requests to one ``http://`` or ``https://`` base URL over up to ``max_connections`` kept-alive connections.

    ``connect_timeout`` bounds opening a connection, ``request_timeout`` one whole exchange."""

    def __init__(
        self,
        base_url: str,
        *,
        connect_timeout: float = 3.0,
        request_timeout: float = 10.0,
        auth: tuple[str, str] | None = None,
        max_connections: int = 4,
    ) -> None:
        url = urlsplit(base_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ValueError(f"not an http(s) URL: {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self.host = url.hostname
        self.port = url.port or (443 if url.scheme == "https" else 80)
        self._ssl = ssl.create_default_context() if url.scheme == "https" else None
        self._prefix = url.path.rstrip("/")
        self.connect_timeout = connect_timeout
        self.request_timeout = request_timeout
        self._fixed_headers = f"Host: {url.netloc}\r\nUser-Agent: yago-pos\r\nAccept: application/json\r\n"
        if auth is not None:
            token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
            self._fixed_headers += f"Authorization: Basic {token}\r\n"
        self._idle: list[_Connection] = []
        self._slots = asyncio.Semaphore(max(1, max_connections))
        self.requests_sent = 0

    async def aclose(self) -> None:
        idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

    async def get(self, path: str) -> HttpResponse:
        return await self.request("GET", path)

    async def post(self, path: str, body: bytes, content_type: str = "application/json") -> HttpResponse:
        return await self.request("POST", path, body, content_type)

    async def request(
        self, method: str, path: str, body: bytes | None = None, content_type: str | None = None
    ) -> HttpResponse:
        async with self._slots:
            conn = await self._connection()
            try:
                async with asyncio.timeout(self.request_timeout):
                    response, keep = await self._exchange(conn, method, path, body, content_type)
            except TimeoutError as exc:
                conn.close()
                raise HttpTimeout(f"{method} {path}: no answer within {self.request_timeout:g}s") from exc
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
                conn.close()
                raise HttpLost(f"{method} {path}: {exc!r}") from exc
            except BaseException:
                conn.close()  # cancelled mid-exchange: the connection's state is unknown
                raise
            if keep:
                self._idle.append(conn)
            else:
                conn.close()
            return response

    async def _connection(self) -> _Connection:
        while self._idle:
            conn = self._idle.pop()
            if conn.usable:
                return conn
            conn.close()
        try:
            async with asyncio.timeout(self.connect_timeout):
                reader, writer = await asyncio.open_connection(self.host, self.port, ssl=self._ssl)
        except (OSError, TimeoutError) as exc:
            raise HttpNotSent(f"cannot connect to {self.base_url}: {exc!r}") from exc
        return _Connection(reader, writer)

    async def _exchange(
        self, conn: _Connection, method: str, path: str, body: bytes | None, content_type: str | None
    ) -> tuple[HttpResponse, bool]:
        head = f"{method} {self._prefix}{path} HTTP/1.1\r\n{self._fixed_headers}"
        if body is not None:
            head += f"Content-Type: {content_type or 'application/octet-stream'}\r\nContent-Length: {len(body)}\r\n"
        conn.writer.write((head + "\r\n").encode("latin-1") + (body or b""))
        self.requests_sent += 1
        await conn.writer.drain()
        raw_head = await conn.reader.readuntil(b"\r\n\r\n")
        if len(raw_head) > _MAX_HEADER_BYTES:
            raise ValueError("response header too large")
        status_line, *header_lines = raw_head[:-4].decode("latin-1").split("\r\n")
        version, _, rest = status_line.partition(" ")
        if not version.startswith("HTTP/1."):
            raise ValueError(f"not an HTTP/1 response: {status_line!r}")
        status = int(rest.split(" ", 1)[0])
        headers: dict[str, str] = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        keep = version != "HTTP/1.0" and headers.get("connection", "").lower() != "close"
        if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
            data = b""
        elif "chunked" in headers.get("transfer-encoding", "").lower():
            data = await self._chunked(conn.reader)
        elif "content-length" in headers:
            data = await conn.reader.readexactly(int(headers["content-length"]))
        else:
            data = await conn.reader.read()  # delimited by the server closing the connection
            keep = False
        return HttpResponse(status=status, headers=headers, body=data), keep

    @staticmethod
    async def _chunked(reader: asyncio.StreamReader) -> bytes:
        parts: list[bytes] = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";", 1)[0].strip(), 16)
            if size == 0:
                while (await reader.readuntil(b"\r\n")) != b"\r\n":  # trailers
                    pass
                return b"".join(parts)
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)
