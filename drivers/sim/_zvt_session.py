"""The terminal's side of ZVT: one session per TCP connection (or one for the pty) running the commands
against a shared device whose counters and batch persist.

A payment commits to the journal before its Status-Information goes out, so a link lost afterwards
never undoes it; the repeat receipt (06 20) tells the ECR what happened. A declined payment follows what
real terminals do: a Status-Information with the result code, the receipt, then Abort (06 1E) with the
same code. An abort (06 B0) is honoured only while the terminal still waits for the card.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import datetime, tzinfo

from drivers.payment.zvt import apdu as a
from drivers.payment.zvt import bmp as b
from drivers.payment.zvt.apdu import ACK, Apdu, nak
from drivers.payment.zvt.messages import IntermediateStatus, TextBlock, encode_print_line
from drivers.sim import _zvt_receipts as r
from drivers.sim._zvt_knobs import KnobBox
from drivers.sim._zvt_link import LinkDown, PtLink
from drivers.sim._zvt_state import Closure, StateStore, Transaction

log = logging.getLogger(__name__)

SW_VERSION = "YAGO-ZVT 1.0"
DEFAULT_CONFIG = 0xBE
RC_ABORTED, RC_WRONG_CURRENCY, RC_IMPOSSIBLE = 0x6C, 0x6F, 0x83
RC_PROTOCOL, RC_BUSY, RC_REVERSED, RC_NO_REVERSAL = 0x9A, 0x9C, 0xB4, 0xB5
INSERT_CARD, ENTER_PIN, PLEASE_WAIT = 0x0A, 0x01, 0x0E
EOD_KEEPALIVE = 0.2  # seconds between "please wait" messages during a slow end-of-day


class Dropped(Exception):
    """The exchange ends here because the link went (or was made to go) down."""


class PtDevice:
    """What all sessions share: counters and batch on disk, knobs, the registered ECR configuration."""

    def __init__(
        self,
        store: StateStore,
        knobs: KnobBox,
        *,
        password: str,
        terminal_id: str,
        currency: int,
        encoding: str,
        t3: float,
        tz: tzinfo | None,
    ) -> None:
        self.store = store
        self.knobs = knobs
        self.password = bytes.fromhex(password)
        self.terminal_id = terminal_id
        self.currency = currency
        self.encoding = encoding
        self.t3 = t3
        self.tz = tz
        self.lock = asyncio.Lock()  # one operation at a time, whichever connection asks
        self.config = DEFAULT_CONFIG
        self.text_blocks = False
        self.rng = random.Random()  # not for security: card numbers and authorisation codes

    def now(self) -> datetime:
        return datetime.now(self.tz).astimezone(self.tz) if self.tz else datetime.now().astimezone()

    def commit(self, kind: str, amount: int, result_code: int, original: Transaction | None = None) -> Transaction:
        """Book a transaction (approved or declined) and save before anything is said about it."""
        with self.store.lock:
            state = self.store.state
            state.trace += 1
            card_type, pan = (original.card_type, original.pan) if original else r.read_card(state.trace, self.rng)
            txn = Transaction(
                kind=kind,
                amount=amount,
                result_code=result_code,
                trace=state.trace,
                batch=state.batch,
                at=self.now().isoformat(timespec="seconds"),
                card_type=card_type,
                pan=pan,
                original_receipt=original.receipt_number if original else None,
            )
            if result_code == 0:
                state.receipt += 1
                state.turnover += 1
                txn.receipt_number, txn.turnover = state.receipt, state.turnover
                txn.auth_code = f"{self.rng.randint(0, 999999):06d}"
                if original is not None:
                    original.reversed = True
            txn.receipt_lines = r.receipt_lines(txn, terminal_id=self.terminal_id, currency=self.currency)
            state.transactions.append(txn)
            state.last_trace = txn.trace
        self.store.save()
        return txn

    def close_batch(self) -> Closure:
        with self.store.lock:
            state = self.store.state
            state.trace += 1
            total, count, groups, first, last = r.close_batch_totals(state.open_batch())
            closure = Closure(
                batch=state.batch,
                trace=state.trace,
                at=self.now().isoformat(timespec="seconds"),
                total=total,
                count=count,
                receipt_from=first,
                receipt_to=last,
                groups=groups,
            )
            state.closures.append(closure)
            state.batch += 1
        self.store.save()
        return closure


Handler = Callable[["PtSession", Apdu], Awaitable[None]]


class PtSession:
    def __init__(self, device: PtDevice, link: PtLink) -> None:
        self.device = device
        self.link = link
        self.abort_requested = False

    async def serve(self) -> None:
        """Answer commands until the ECR goes away (TCP) or for ever (serial, cancelled at stop)."""
        while True:
            try:
                command = await self.link.receive(None)
            except LinkDown:
                return
            if command is None:
                continue
            try:
                await self.dispatch(command)
            except (Dropped, LinkDown) as exc:
                log.info("ZVT emulator: link down during %s: %s", command, exc)
                await self.link.drop()

    async def dispatch(self, command: Apdu) -> None:
        if command.is_acknowledgement:
            return  # a late ACK from an exchange that is over
        if command.command in (a.ABORT, a.LOG_OFF):
            await self.link.send(ACK)
            return
        handler = _HANDLERS.get(command.command)
        if handler is None:
            await self.link.send(nak(RC_IMPOSSIBLE))
            return
        if self.device.knobs.current.busy or self.device.lock.locked():
            await self.link.send(nak(RC_BUSY))
            return
        async with self.device.lock:
            self.abort_requested = False
            await handler(self, command)

    # ------------------------------------------------------------------------------ exchange

    async def tell(self, message: Apdu) -> None:
        """Send a PT message and wait T3 for the ECR's acknowledgement."""
        await self.link.send(message)
        while True:
            reply = await self.link.receive(self.device.t3)
            if reply is None:
                raise Dropped(f"no acknowledgement of {message}")
            if reply.is_acknowledgement:
                return
            await self.stray(reply)

    async def stray(self, message: Apdu) -> None:
        """Something the ECR sent while the terminal is master: only 06 B0 is allowed."""
        if message.command == a.ABORT:
            self.abort_requested = True
            await self.link.send(ACK)
        else:
            await self.link.send(nak(RC_BUSY))

    async def pause(self, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while (left := deadline - loop.time()) > 0:
            message = await self.link.receive(left)
            if message is not None and not message.is_acknowledgement:
                await self.stray(message)

    async def stage(self, code: int, seconds: float) -> None:
        if self.device.config & 0x08:
            await self.tell(Apdu(*a.INTERMEDIATE_STATUS, IntermediateStatus(code=code).encode()))
        await self.pause(seconds)

    async def print_receipt(self, lines: list[str], receipt_type: int) -> None:
        if self.device.text_blocks:
            block = TextBlock(lines=tuple(lines), receipt_type=receipt_type)
            await self.tell(Apdu(*a.TEXT_BLOCK, block.encode(self.device.encoding)))
            return
        for index, line in enumerate(lines):
            data = encode_print_line(line, self.device.encoding, last=index == len(lines) - 1)
            await self.tell(Apdu(*a.PRINT_LINE, data))

    async def finish(self, result_code: int) -> None:
        if result_code == 0:
            await self.tell(Apdu(*a.COMPLETION))
        else:
            await self.tell(Apdu(*a.PT_ABORT, bytes([result_code])))

    async def report(self, txn: Transaction) -> None:
        """Status-Information (with the armed faults), the receipt, then the verdict."""
        device = self.device
        info = r.status_information(txn, terminal_id=device.terminal_id, currency=device.currency)
        message = Apdu(*a.STATUS_INFORMATION, info.encode(device.encoding))
        if device.knobs.take("drop_before_status_ack"):
            await self.link.send_partial(message)
            raise Dropped("fault: drop before the Status-Information is acknowledged")
        await self.tell(message)
        if device.knobs.current.duplicate_status:
            await self.tell(message)
        if device.knobs.take("drop_after_status_ack"):
            raise Dropped("fault: drop after the Status-Information was acknowledged")
        if device.config & 0x02:
            await self.print_receipt(txn.receipt_lines, 0x02)
        await self.finish(txn.result_code)

    def password_ok(self, data: bytes) -> bool:
        return data[:3] == self.device.password

    # ------------------------------------------------------------------------------ commands

    async def registration(self, command: Apdu) -> None:
        data = command.data
        if len(data) < 4 or not self.password_ok(data):
            await self.link.send(nak(RC_IMPOSSIBLE))
            return
        # the currency is positional: present whenever anything follows the config byte
        try:
            currency = b.bcd_decode(data[4:6]) if len(data) >= 6 else None
        except b.BmpError:
            await self.link.send(nak(RC_PROTOCOL))
            return
        await self.link.send(ACK)
        if currency is not None and currency != self.device.currency:
            await self.tell(Apdu(*a.PT_ABORT, bytes([RC_WRONG_CURRENCY])))
            return
        text_blocks = False
        try:
            for bmp, value in b.decode_bmps(data, 6 if currency is not None else 4):
                if bmp == b.TLV_BMP:
                    allowed = b.find_tlv(b.decode_tlv(value), 0x26, 0x0A)
                    text_blocks = any(item.value == bytes(a.TEXT_BLOCK) for item in allowed)
        except b.BmpError as exc:
            log.info("ZVT emulator: registration BMPs ignored: %s", exc)
        self.device.config, self.device.text_blocks = data[3], text_blocks
        reply = b.encode_bmps(
            [
                (0x19, b"\x00"),
                (0x29, bytes.fromhex(self.device.terminal_id)),
                (0x49, b.encode_currency(self.device.currency)),
            ]
        )
        await self.tell(Apdu(*a.COMPLETION, reply))

    async def card_payment(self, command: Apdu) -> None:
        """06 01 authorisation and 06 31 refund: card, PIN, host, then the verdict."""
        kind = "sale" if command.command == a.AUTHORIZATION else "refund"
        data = command.data
        if kind == "refund":
            if not self.password_ok(data):
                await self.link.send(nak(RC_IMPOSSIBLE))
                return
            data = data[3:]
        try:
            fields = dict(b.decode_bmps(data))
            amount = b.bcd_decode(fields[0x04])
        except (b.BmpError, KeyError):
            await self.link.send(nak(RC_PROTOCOL))
            return
        knobs = self.device.knobs
        if knobs.take("drop_on_command"):
            raise Dropped("fault: drop as the command arrives")
        await self.link.send(ACK)
        if 0x49 in fields and b.bcd_decode(fields[0x49]) != self.device.currency:
            await self.tell(Apdu(*a.PT_ABORT, bytes([RC_WRONG_CURRENCY]) + fields[0x49]))
            return
        step = knobs.current.delay / 3
        await self.stage(INSERT_CARD, step)
        if self.abort_requested and not knobs.current.ignore_abort:
            await self.finish(RC_ABORTED)  # no card read yet: nothing booked, no trace used
            return
        await self.stage(ENTER_PIN, step)
        await self.stage(PLEASE_WAIT, step)
        txn = self.device.commit(kind, amount, knobs.decide(kind, amount))
        await self.report(txn)

    async def reversal(self, command: Apdu) -> None:
        if not self.password_ok(command.data):
            await self.link.send(nak(RC_IMPOSSIBLE))
            return
        try:
            receipt = b.bcd_decode(dict(b.decode_bmps(command.data, 3))[0x87])
        except (b.BmpError, KeyError):
            await self.link.send(nak(RC_PROTOCOL))
            return
        if self.device.knobs.take("drop_on_command"):
            raise Dropped("fault: drop as the command arrives")
        await self.link.send(ACK)
        await self.stage(PLEASE_WAIT, self.device.knobs.current.delay / 3)
        with self.device.store.lock:
            original = self.device.store.state.find_receipt(receipt)
        if original is None or not original.approved:
            await self.finish(RC_NO_REVERSAL)
            return
        if original.reversed:
            await self.finish(RC_REVERSED)
            return
        txn = self.device.commit("reversal", original.amount, 0, original)
        await self.report(txn)

    async def end_of_day(self, command: Apdu) -> None:
        if not self.password_ok(command.data):
            await self.link.send(nak(RC_IMPOSSIBLE))
            return
        await self.link.send(ACK)
        loop = asyncio.get_running_loop()
        until = loop.time() + self.device.knobs.current.eod_delay
        await self.stage(PLEASE_WAIT, 0)
        while (left := until - loop.time()) > 0:
            await self.pause(min(EOD_KEEPALIVE, left))
            await self.stage(PLEASE_WAIT, 0)  # each message restarts the ECR's T4
        closure = self.device.close_batch()
        at = datetime.fromisoformat(closure.at)
        info = r.end_of_day_information(closure, at)
        await self.tell(Apdu(*a.STATUS_INFORMATION, info.encode(self.device.encoding)))
        if self.device.config & 0x04:
            lines = r.end_of_day_lines(
                closure, terminal_id=self.device.terminal_id, currency=self.device.currency, at=at
            )
            await self.print_receipt(lines, 0x03)
        await self.finish(0)

    async def repeat_receipt(self, command: Apdu) -> None:
        if not self.password_ok(command.data):
            await self.link.send(nak(RC_IMPOSSIBLE))
            return
        await self.link.send(ACK)
        with self.device.store.lock:
            last = self.device.store.state.last()
        if last is not None:
            info = r.status_information(last, terminal_id=self.device.terminal_id, currency=self.device.currency)
            await self.tell(Apdu(*a.STATUS_INFORMATION, info.encode(self.device.encoding)))
            if self.device.config & 0x02:
                await self.print_receipt(["КОПИЯ", *last.receipt_lines], 0x02)
        await self.tell(Apdu(*a.COMPLETION))

    async def status_enquiry(self, command: Apdu) -> None:
        if command.data and not self.password_ok(command.data):
            await self.link.send(nak(RC_IMPOSSIBLE))
            return
        await self.link.send(ACK)
        info = b.tlv(
            0xE4,
            [
                b.tlv(0x1F40, b"Yago ZVT emulator"),
                b.tlv(0x1F41, SW_VERSION.encode("ascii")),
                b.tlv(0x1F44, bytes.fromhex(self.device.terminal_id)),
            ],
        )
        data = b.encode_var(SW_VERSION.encode("ascii"), 3) + b"\x00" + b.encode_bmp(b.TLV_BMP, b.encode_tlv([info]))
        await self.tell(Apdu(*a.COMPLETION, data))


_HANDLERS: dict[tuple[int, int], Handler] = {
    a.REGISTRATION: PtSession.registration,
    a.AUTHORIZATION: PtSession.card_payment,
    a.REFUND: PtSession.card_payment,
    a.REVERSAL: PtSession.reversal,
    a.END_OF_DAY: PtSession.end_of_day,
    a.REPEAT_RECEIPT: PtSession.repeat_receipt,
    a.STATUS_ENQUIRY: PtSession.status_enquiry,
}
