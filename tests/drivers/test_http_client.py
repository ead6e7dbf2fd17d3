"""The device web-server client against a real socket server: keep-alive reuse, bodies by length, chunks or
close, a server that hung up on an idle connection, and the split between "never sent" and "may have been
sent" failures."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from drivers.transport.http import HttpClient, HttpLost, HttpNotSent, HttpTimeout

pytestmark = pytest.mark.integration

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class Server:
    """A loopback server whose per-connection behaviour the test sets; counts connections and requests."""

    def __init__(self) -> None:
        self.connections = 0
        self.requests: list[bytes] = []
        self.answer: Callable[[bytes], bytes | None] = lambda _: ok(b'{"ok":true}')
        self._writers: list[asyncio.StreamWriter] = []
        self.port = 0
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.append(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    (int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")),
                    0,
                )  # fmt: skip
                request = head + (await reader.readexactly(length) if length else b"")
                self.requests.append(request)
                reply = self.answer(request)
                if reply is None:  # hang up without answering
                    writer.close()
                    return
                writer.write(reply)
                await writer.drain()
                if b"Connection: close" in reply:
                    writer.close()
                    return
        except (asyncio.IncompleteReadError, ConnectionError):
            return

    def hang_up_everyone(self) -> None:
        for writer in self._writers:
            writer.close()

    async def stop(self) -> None:
        self.hang_up_everyone()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()


def ok(body: bytes, extra: str = "") -> bytes:
    return f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n{extra}\r\n".encode() + body


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    srv = Server()
    await srv.start()
    yield srv
    await srv.stop()


@pytest.fixture
async def client(server: Server) -> AsyncIterator[HttpClient]:
    http = HttpClient(f"http://127.0.0.1:{server.port}", connect_timeout=1.0, request_timeout=0.5, auth=("u", "p"))
    yield http
    await http.aclose()


async def test_requests_share_one_kept_alive_connection(server: Server, client: HttpClient) -> None:
    first = await client.post("/api/v2/requests", b'{"uuid":"1"}')
    second = await client.get("/api/v2/requests/1")
    assert (first.status, first.body, second.body) == (200, b'{"ok":true}', b'{"ok":true}')
    assert server.connections == 1
    assert server.requests[0].startswith(b"POST /api/v2/requests HTTP/1.1\r\n")
    assert b"Content-Type: application/json\r\n" in server.requests[0]
    assert server.requests[0].endswith(b'\r\n\r\n{"uuid":"1"}')
    assert b"Authorization: Basic dTpw\r\n" in server.requests[1]
    assert client.requests_sent == 2


async def test_a_chunked_body_is_joined(server: Server, client: HttpClient) -> None:
    server.answer = lambda _: (
        b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n2\r\nef\r\n0\r\n\r\n"
    )
    response = await client.get("/x")
    assert (response.status, response.body) == (201, b"abcdef")
    assert (await client.get("/y")).body == b"abcdef"
    assert server.connections == 1


async def test_connection_close_opens_a_new_connection_next_time(server: Server, client: HttpClient) -> None:
    server.answer = lambda _: ok(b"bye", "Connection: close\r\n")
    assert (await client.get("/a")).text == "bye"
    assert (await client.get("/b")).text == "bye"
    assert server.connections == 2


async def test_an_idle_connection_the_server_closed_is_not_reused(server: Server, client: HttpClient) -> None:
    await client.get("/a")
    server.hang_up_everyone()
    await asyncio.sleep(0.05)
    assert (await client.get("/b")).status == 200
    assert server.connections == 2


async def test_a_refused_connection_was_never_sent() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    http = HttpClient(f"http://127.0.0.1:{port}", connect_timeout=0.5)
    with pytest.raises(HttpNotSent):
        await http.post("/api/v2/requests", b"{}")
    assert http.requests_sent == 0


async def test_a_hang_up_after_the_request_may_have_been_sent(server: Server, client: HttpClient) -> None:
    server.answer = lambda _: None
    with pytest.raises(HttpLost) as err:
        await client.post("/api/v2/requests", b"{}")
    assert not isinstance(err.value, HttpNotSent)
    assert len(server.requests) == 1


async def test_silence_is_a_timeout_and_the_next_request_goes_on_a_new_connection(
    server: Server, client: HttpClient
) -> None:
    answers = iter([b"", ok(b"late but fine")])

    def answer(_: bytes) -> bytes:
        reply = next(answers)
        return reply

    server.answer = answer
    with pytest.raises(HttpTimeout):
        await client.get("/slow")
    assert (await client.get("/again")).text == "late but fine"
    assert server.connections == 2


def test_only_http_urls_are_accepted() -> None:
    with pytest.raises(ValueError):
        HttpClient("ftp://device")
