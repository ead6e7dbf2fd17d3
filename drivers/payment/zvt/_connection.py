"""The driver's hold on the terminal: where it is, the open link, registration (06 00) once per link,
reconnecting with backoff, and running an exchange whose failure becomes a :mod:`drivers.errors` error."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from drivers.errors import DeviceBusy, DeviceError, DeviceRejected, DeviceUnavailable
from drivers.payment.zvt import apdu as a
from drivers.payment.zvt import bmp as b
from drivers.payment.zvt._exchange import (
    CommandNotSent,
    CommandRefused,
    Exchange,
    ExchangeBroken,
    Handlers,
    run_exchange,
)
from drivers.payment.zvt._link import Link, SerialLink, TcpLink
from drivers.payment.zvt.apdu import Apdu
from drivers.payment.zvt.texts import BUSY_CODES, Language, result_text

# ECR prints payment (02) and administration (04) receipts, intermediate status on (08), ECR controls
# payment (10) and administration (20), receipts come as 06 D1/D3 (80)
CONFIG_BYTE = 0xBE
_ALLOW_TEXT_BLOCKS = b.tlv(0x26, [b.tlv(0x0A, bytes(a.TEXT_BLOCK))])


@dataclass(frozen=True, slots=True)
class TcpEndpoint:
    host: str
    port: int = 20007


@dataclass(frozen=True, slots=True)
class SerialEndpoint:
    device: str
    baudrate: int = 9600
    stopbits: int = 2  # 8N2 is the ZVT default; some terminals want 8N1


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkSettings:
    password: bytes
    currency: int
    device_id: str
    t3: float
    t4: float
    connect_timeout: float
    link_ack_timeout: float
    reconnect_attempts: int
    reconnect_backoff: float
    text_blocks: bool
    language: Language
    encoding: str


class Connection:
    def __init__(self, endpoint: TcpEndpoint | SerialEndpoint, settings: LinkSettings) -> None:
        self.endpoint = endpoint
        self.settings = settings
        self.link: Link | None = None
        self.terminal_id: str | None = None

    async def _open(self) -> Link:
        endpoint, settings = self.endpoint, self.settings
        try:
            if isinstance(endpoint, TcpEndpoint):
                return await TcpLink.open(endpoint.host, endpoint.port, settings.connect_timeout)
            return await SerialLink.open(
                endpoint.device,
                endpoint.baudrate,
                stopbits=endpoint.stopbits,
                link_ack_timeout=settings.link_ack_timeout,
            )
        except (OSError, TimeoutError) as exc:
            raise DeviceUnavailable(f"cannot reach the terminal: {exc}", device_id=settings.device_id) from exc

    async def connect(self, attempts: int | None = None) -> Link:
        """A registered link: the open one, or a new one after up to ``attempts`` tries with backoff."""
        if self.link is not None:
            await self.link.settle()
            if not self.link.closed:
                return self.link
        await self.drop()
        tries = attempts or self.settings.reconnect_attempts
        for attempt in range(1, tries + 1):
            try:
                link = await self._open()
                try:
                    await self._register(link)
                except BaseException:
                    await link.close()
                    raise
                self.link = link
                return link
            except (DeviceUnavailable, DeviceBusy):
                if attempt == tries:
                    raise
                await self.backoff(attempt)
        raise AssertionError("unreachable")

    async def backoff(self, attempt: int) -> None:
        await asyncio.sleep(self.settings.reconnect_backoff * 2 ** (attempt - 1))

    async def drop(self) -> None:
        link, self.link = self.link, None
        if link is not None:
            await link.close()

    async def forget(self, link: Link) -> None:
        if self.link is link:
            self.link = None
        await link.close()

    async def _register(self, link: Link) -> None:
        settings = self.settings
        data = settings.password + bytes([CONFIG_BYTE]) + b.encode_currency(settings.currency) + b"\x03\x00"
        if settings.text_blocks:
            data += b.encode_bmp(b.TLV_BMP, b.encode_tlv([_ALLOW_TEXT_BLOCKS]))
        exchange = await self.run(link, Apdu(*a.REGISTRATION, data), what="registration")
        if exchange.pt_abort is not None:
            code = exchange.pt_abort.result_code
            raise DeviceRejected(
                f"registration refused: {result_text(code, settings.language)}", code=code, device_id=settings.device_id
            )
        if exchange.completion is not None and exchange.completion.terminal_id:
            self.terminal_id = exchange.completion.terminal_id

    def refusal(self, what: str, code: int) -> DeviceError:
        text = f"{what}: {result_text(code, self.settings.language)}"
        if code in BUSY_CODES:
            return DeviceBusy(text, code=code, device_id=self.settings.device_id)
        return DeviceRejected(text, code=code, device_id=self.settings.device_id)

    async def run(
        self,
        link: Link,
        command: Apdu,
        *,
        what: str,
        handlers: Handlers | None = None,
        deadline: float | None = None,
    ) -> Exchange:
        """An exchange whose loss raises DeviceUnavailable (payments handle loss themselves)."""
        settings = self.settings
        try:
            return await run_exchange(
                link,
                command,
                t3=settings.t3,
                t4=settings.t4,
                deadline=deadline,
                handlers=handlers or Handlers(encoding=settings.encoding),
            )
        except CommandNotSent as exc:
            await self.forget(link)
            raise DeviceUnavailable(f"{what}: {exc}", device_id=settings.device_id) from exc
        except CommandRefused as exc:
            raise self.refusal(what, exc.code) from exc
        except ExchangeBroken as exc:
            await self.forget(link)
            raise DeviceUnavailable(f"{what}: {exc.reason}", device_id=settings.device_id) from exc

    async def query(self, command: Apdu, what: str, *, retries: int = 2) -> Exchange:
        """A command that changes nothing on the terminal, so it may be sent again: reconnects with
        backoff, and waits out a terminal that still reports itself busy."""
        for attempt in range(1, retries + 1):
            try:
                link = await self.connect(retries)
                return await self.run(link, command, what=what)
            except (DeviceBusy, DeviceUnavailable):
                if attempt == retries:
                    raise
                await self.backoff(attempt)
        raise AssertionError("unreachable")
