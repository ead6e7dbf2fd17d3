"""One master/slave turn: the ECR sends a command, the PT acknowledges within T3, then talks (intermediate
status, Status-Information, receipts) until Completion or Abort, each message acknowledged by the ECR.

T4 restarts with every message. Acknowledgements that arrive while the PT is master answer an abort the
ECR sent meanwhile and are not acknowledged back.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from drivers.payment.zvt import apdu as a
from drivers.payment.zvt._link import FrameRefused, Link, LinkLost, LinkTimeout
from drivers.payment.zvt.apdu import ACK, Apdu
from drivers.payment.zvt.messages import (
    Completion,
    IntermediateStatus,
    PtAbort,
    StatusInformation,
    TextBlock,
    parse_print_line,
)

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Exchange:
    """Everything the PT said in one turn."""

    command: Apdu
    accepted: bool = False
    statuses: list[StatusInformation] = field(default_factory=list)
    duplicates: int = 0
    receipt_lines: list[str] = field(default_factory=list)
    intermediate: list[IntermediateStatus] = field(default_factory=list)
    completion: Completion | None = None
    pt_abort: PtAbort | None = None

    @property
    def status(self) -> StatusInformation | None:
        return self.statuses[0] if self.statuses else None

    @property
    def finished(self) -> bool:
        return self.completion is not None or self.pt_abort is not None


class CommandNotSent(Exception):
    """The command never reached the PT (the link refused it): nothing was carried out."""


class CommandRefused(Exception):
    """The PT answered the command with ``84 code``: it was not carried out and the ECR stays master."""

    def __init__(self, code: int) -> None:
        super().__init__(f"refused with {code:02X}")
        self.code = code


class ExchangeBroken(Exception):
    """The link failed after the command went out: what the PT did is unknown."""

    def __init__(self, exchange: Exchange, reason: str) -> None:
        super().__init__(reason)
        self.exchange = exchange
        self.reason = reason


@dataclass(slots=True, kw_only=True)
class Handlers:
    encoding: str = "cp866"
    on_intermediate: Callable[[IntermediateStatus], None] | None = None
    on_status_information: Callable[[StatusInformation], None] | None = None
    """Called before the ACK goes out, so a journal holds the result before the PT considers it delivered."""


async def run_exchange(
    link: Link,
    command: Apdu,
    *,
    t3: float,
    t4: float,
    deadline: float | None = None,
    handlers: Handlers | None = None,
    ends_on_ack: bool = False,
) -> Exchange:
    """Send ``command`` and follow the PT until it hands mastery back. ``deadline`` is a monotonic bound."""
    handlers = handlers or Handlers()
    exchange = Exchange(command)
    for stale in link.drain():
        log.info("ZVT: dropped a stale message %s", stale)
    try:
        await link.send(command)
    except FrameRefused as exc:
        raise CommandNotSent(str(exc)) from exc
    except LinkLost as exc:
        raise ExchangeBroken(exchange, f"sending {command}: {exc}") from exc

    first = await _receive(link, exchange, t3, None, "the acknowledgement")
    if first.is_nak:
        raise CommandRefused(first.instr)
    exchange.accepted = True
    pending: Apdu | None = None
    if first.is_ack:
        if ends_on_ack:
            return exchange
    else:
        pending = first  # some PTs start talking without acknowledging first
    while not exchange.finished:
        message = pending or await _receive(link, exchange, t4, deadline, "the terminal's next message")
        pending = None
        await _handle(link, exchange, message, handlers)
    return exchange


async def _receive(link: Link, exchange: Exchange, wait: float, deadline: float | None, what: str) -> Apdu:
    if deadline is not None:
        wait = min(wait, max(0.0, deadline - time.monotonic()))
    try:
        return await link.receive(wait)
    except LinkTimeout as exc:
        raise ExchangeBroken(exchange, f"no {what} within {wait:g}s") from exc
    except LinkLost as exc:
        raise ExchangeBroken(exchange, f"link lost waiting for {what}: {exc}") from exc


async def _acknowledge(link: Link, exchange: Exchange, message: Apdu) -> None:
    try:
        await link.send(ACK)
    except LinkLost as exc:
        if exchange.finished:
            # the verdict is in; the PT is done whether or not it heard this last ACK
            log.info("ZVT: the ACK to %s was lost: %s", message, exc)
            return
        raise ExchangeBroken(exchange, f"acknowledging {message}: {exc}") from exc


async def _handle(link: Link, exchange: Exchange, message: Apdu, handlers: Handlers) -> None:
    command = message.command
    if message.is_acknowledgement:
        log.info("ZVT: the terminal answered an abort request with %s", message)
        return
    if command == a.INTERMEDIATE_STATUS:
        status = IntermediateStatus.parse(message.data, handlers.encoding)
        exchange.intermediate.append(status)
        if handlers.on_intermediate is not None:
            handlers.on_intermediate(status)
    elif command == a.STATUS_INFORMATION:
        info = StatusInformation.parse(message.data, handlers.encoding)
        if any(seen.identity == info.identity for seen in exchange.statuses):
            exchange.duplicates += 1
            log.info("ZVT: duplicate Status-Information for trace %s ignored", info.trace)
        else:
            exchange.statuses.append(info)
            if handlers.on_status_information is not None:
                handlers.on_status_information(info)
    elif command == a.PRINT_LINE:
        exchange.receipt_lines += parse_print_line(message.data, handlers.encoding)
    elif command == a.TEXT_BLOCK:
        exchange.receipt_lines += TextBlock.parse(message.data, handlers.encoding).lines
    elif command == a.COMPLETION:
        exchange.completion = Completion.parse(message.data)
    elif command == a.PT_ABORT:
        exchange.pt_abort = PtAbort.parse(message.data, handlers.encoding)
    else:
        log.info("ZVT: unexpected message %s acknowledged", message)
    await _acknowledge(link, exchange, message)
