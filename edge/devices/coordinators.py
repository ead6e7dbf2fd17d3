"""One coordinator per device: it polls status off the request path, translates driver errors into
availability and cashier-readable problems, and everything else reads its typed :class:`DeviceState`.

Coordinators only ever ask for status; they never repeat an operation a cashier started.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import ClassVar

import structlog

from drivers.base import FiscalRegistrar, PaperState, PaymentTerminal, ReceiptPrinter, ShiftState
from drivers.errors import DeviceBusy, DeviceError, DeviceTimeout, DeviceUnavailable
from edge.devices import problems as p
from edge.devices.problems import DeviceKind, DeviceProblem
from protocols.events import DeviceHealth

log = structlog.get_logger("edge.devices")

Fact = str | int | bool | None
_SHORT = 200
_LONG = 2000


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True, kw_only=True)
class DeviceState:
    """What a coordinator last learned. ``online`` is None until the first poll answers or fails."""

    device_id: str
    kind: DeviceKind
    online: bool | None = None
    problems: tuple[DeviceProblem, ...] = ()
    facts: dict[str, Fact] = field(default_factory=dict)
    checked_at: datetime | None = None
    error: str = ""

    @property
    def ready(self) -> bool:
        return bool(self.online) and not any(problem.severity == "error" for problem in self.problems)

    def health(self) -> DeviceHealth:
        detail = "; ".join(problem.message for problem in self.problems) or self.error
        return DeviceHealth(
            device_id=self.device_id[:_SHORT],
            kind=self.kind,
            online=self.online,
            problems=[problem.code[:_SHORT] for problem in self.problems],
            detail=detail[:_LONG],
        )


@dataclass(frozen=True, slots=True)
class _Poll:
    online: bool | None
    problems: list[DeviceProblem]
    facts: dict[str, Fact]


StateListener = Callable[[DeviceState], None]


class DeviceCoordinator(ABC):
    """Polls one device every ``poll_seconds``; while it does not answer, the pause doubles up to ``max_backoff``."""

    kind: ClassVar[DeviceKind]

    def __init__(self, device_id: str, *, poll_seconds: float = 5.0, max_backoff: float = 60.0) -> None:
        self.device_id = device_id
        self.poll_seconds = poll_seconds
        self.max_backoff = max(max_backoff, poll_seconds)
        self._state = DeviceState(device_id=device_id, kind=self.kind)
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()
        self._listeners: list[StateListener] = []
        self._failures = 0
        self.first_poll_done = asyncio.Event()

    @property
    def state(self) -> DeviceState:
        return self._state

    def health(self) -> DeviceHealth:
        return self._state.health()

    def add_listener(self, listener: StateListener) -> None:
        """Called with the new state whenever availability or the set of problems changes."""
        self._listeners.append(listener)

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"device-poll-{self.device_id}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def wake(self) -> None:
        """Poll again now (after an operation failed, or a technician asked)."""
        self._wake.set()

    def note_error(self, error: DeviceError) -> None:
        """An operation on the device just failed with ``error``: show it now, and poll again soon."""
        if isinstance(error, DeviceUnavailable | DeviceTimeout):
            problems: tuple[DeviceProblem, ...] = (p.unavailable(self.kind),)
            self._set_state(replace(self._state, online=False, problems=problems, error=error.message))
        elif error.kind in p.STATE_CODES:
            problem = p.device_problem(error.kind, self.kind)
            if problem not in self._state.problems:
                self._set_state(replace(self._state, problems=(*self._state.problems, problem), error=error.message))
        self.wake()

    def _set_state(self, state: DeviceState) -> None:
        previous, self._state = self._state, state
        if (previous.online, previous.problems) == (state.online, state.problems):
            return
        log.info(
            "device.state", device_id=self.device_id, online=state.online, problems=[x.code for x in state.problems]
        )
        for listener in self._listeners:
            try:
                listener(state)
            except Exception:
                log.exception("device.listener_failed", device_id=self.device_id)

    async def refresh(self, *, full: bool = True) -> DeviceState:
        """Poll once now and return the new state; ``full`` includes what is otherwise read only now and then."""
        async with self._lock:
            self._set_state(await self._poll_safely(self._state, full))
        return self._state

    async def _poll_safely(self, previous: DeviceState, full: bool) -> DeviceState:
        now = _utcnow()
        try:
            result = await self._poll(full)
        except DeviceBusy:
            # an operation holds the device; its own result decides, the last state stands
            return previous
        except (DeviceUnavailable, DeviceTimeout) as exc:
            self._failures += 1
            return DeviceState(
                device_id=self.device_id,
                kind=self.kind,
                online=False,
                problems=(p.unavailable(self.kind),),
                facts=previous.facts,
                checked_at=now,
                error=exc.message,
            )
        except DeviceError as exc:
            self._failures = 0
            return DeviceState(
                device_id=self.device_id,
                kind=self.kind,
                online=True,
                problems=(p.device_problem(exc.kind, self.kind),),
                facts=previous.facts,
                checked_at=now,
                error=exc.message,
            )
        except Exception as exc:
            # a driver bug must not kill the poller; the device's state is unknown until it answers
            log.exception("device.poll_failed", device_id=self.device_id)
            self._failures += 1
            return DeviceState(
                device_id=self.device_id,
                kind=self.kind,
                online=None,
                problems=(p.device_problem("protocol_error", self.kind),),
                facts=previous.facts,
                checked_at=now,
                error=type(exc).__name__,
            )
        self._failures = 0 if result.online is not False else self._failures + 1
        return DeviceState(
            device_id=self.device_id,
            kind=self.kind,
            online=result.online,
            problems=tuple(result.problems),
            facts=result.facts,
            checked_at=now,
        )

    def _next_pause(self) -> float:
        if self._failures == 0:
            return self.poll_seconds
        return float(min(self.poll_seconds * 2 ** min(self._failures, 10), self.max_backoff))

    async def _run(self) -> None:
        while True:
            await self.refresh(full=not self.first_poll_done.is_set())
            self.first_poll_done.set()
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._next_pause())

    @abstractmethod
    async def _poll(self, full: bool) -> _Poll: ...


class FiscalCoordinator(DeviceCoordinator):
    """Paper, cover, FN state and the fiscal shift every poll; OFD queue and FN info every ``slow_seconds``."""

    kind = "fiscal"

    def __init__(
        self,
        device: FiscalRegistrar,
        *,
        poll_seconds: float = 5.0,
        slow_seconds: float = 60.0,
        shift_warning: timedelta = timedelta(hours=2),
        ofd_warning: timedelta = timedelta(days=3),
        max_backoff: float = 60.0,
    ) -> None:
        super().__init__(device.device_id, poll_seconds=poll_seconds, max_backoff=max_backoff)
        self.device = device
        self.slow_seconds = slow_seconds
        self.shift_warning = shift_warning
        self.ofd_warning = ofd_warning
        self._slow_at: datetime | None = None
        self._slow_problems: list[DeviceProblem] = []
        self._slow_facts: dict[str, Fact] = {}

    async def _poll(self, full: bool) -> _Poll:
        now = _utcnow()
        status = await self.device.device_status()
        shift = await self.device.shift_status()
        found: list[DeviceProblem] = []
        if not status.fn_present:
            found.append(p.device_problem("fn_missing"))
        if status.blocked:
            found.append(p.device_problem("fn_blocked"))
        if not status.paper_present:
            found.append(p.device_problem("paper_out"))
        if status.cover_open:
            found.append(p.device_problem("cover_open"))
        if shift.state is ShiftState.EXPIRED:
            found.append(p.device_problem("shift_expired"))
        elif shift.state is ShiftState.OPENED and shift.expires_at is not None:
            left = shift.expires_at - now
            if left <= timedelta(0):
                found.append(p.device_problem("shift_expired"))
            elif left <= self.shift_warning:
                found.append(p.shift_expires_soon(max(1, math.ceil(left.total_seconds() / 3600))))
        if full or self._slow_at is None or (now - self._slow_at).total_seconds() >= self.slow_seconds:
            await self._poll_slow(now)
            self._slow_at = now
        facts: dict[str, Fact] = {
            "shift_state": shift.state.value,
            "shift_number": shift.number,
            "shift_expires_at": shift.expires_at.isoformat() if shift.expires_at else None,
            "paper_present": status.paper_present,
            "cover_open": status.cover_open,
            "fiscal": status.fiscal,
            **self._slow_facts,
        }
        return _Poll(online=True, problems=found + self._slow_problems, facts=facts)

    async def _poll_slow(self, now: datetime) -> None:
        found: list[DeviceProblem] = []
        ofd = await self.device.ofd_status()
        facts: dict[str, Fact] = {
            "ofd_unsent": ofd.unsent_count,
            "ofd_first_unsent_at": ofd.first_unsent_at.isoformat() if ofd.first_unsent_at else None,
        }
        if ofd.unsent_count and ofd.first_unsent_at is not None:
            age = now - ofd.first_unsent_at
            if age >= self.ofd_warning:
                # the FN blocks at 30 days; five days before that it stops being a warning
                found.append(p.ofd_backlog(age.days, ofd.unsent_count, blocking_soon=age >= timedelta(days=25)))
        fn = await self.device.fn_info()
        facts["fn_serial"] = fn.serial
        facts["fn_valid_until"] = fn.validity_date.isoformat() if fn.validity_date else None
        if fn.warnings:
            found.append(p.fn_warning(", ".join(fn.warnings)))
        if fn.validity_date is not None:
            left = fn.validity_date - now
            if left <= timedelta(0):
                found.append(p.device_problem("fn_expired"))
            elif left <= timedelta(days=30):
                found.append(p.fn_expires_soon(left.days))
        self._slow_problems = found
        self._slow_facts = facts


class PrinterCoordinator(DeviceCoordinator):
    kind = "printer"

    def __init__(self, device: ReceiptPrinter, *, poll_seconds: float = 5.0, max_backoff: float = 60.0) -> None:
        super().__init__(device.device_id, poll_seconds=poll_seconds, max_backoff=max_backoff)
        self.device = device

    async def _poll(self, full: bool) -> _Poll:
        status = await self.device.status()
        facts: dict[str, Fact] = {
            "paper": status.paper.value,
            "cover_open": status.cover_open,
            "drawer_open": status.drawer_open,
        }
        if status.online is None:
            return _Poll(online=False, problems=[p.unavailable(self.kind)], facts=facts)
        found: list[DeviceProblem] = []
        if status.paper is PaperState.OUT:
            found.append(p.device_problem("paper_out"))
        elif status.paper is PaperState.NEAR_END:
            found.append(p.device_problem("paper_near_end"))
        if status.cover_open:
            found.append(p.device_problem("cover_open"))
        if not status.online and not any(x.severity == "error" for x in found):
            found.append(p.device_problem("printer_offline"))
        return _Poll(online=True, problems=found, facts=facts)


class TerminalCoordinator(DeviceCoordinator):
    kind = "terminal"

    def __init__(self, device: PaymentTerminal, *, poll_seconds: float = 15.0, max_backoff: float = 60.0) -> None:
        super().__init__(device.device_id, poll_seconds=poll_seconds, max_backoff=max_backoff)
        self.device = device

    async def _poll(self, full: bool) -> _Poll:
        status = await self.device.status()
        facts: dict[str, Fact] = {"terminal_id": status.terminal_id, "message": status.message}
        found = [] if status.ready else [p.terminal_not_ready(status.message)]
        return _Poll(online=True, problems=found, facts=facts)
