"""One request/response exchange with the ATOL Web Server: POST a task under a uuid, poll the uuid until done.

Transport failures are classified by whether the request may have reached the device: a mutating task
that might have run is :class:`OutcomeUnknown`, never retried here.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass

import msgspec

from drivers.errors import (
    DeviceError,
    DeviceRejected,
    DeviceTimeout,
    DeviceUnavailable,
    OutcomeUnknown,
    ProtocolError,
)
from drivers.fiscal.atol.errors import error_for
from drivers.fiscal.atol.tasks import MUTATING_TASKS, Task, encode_request
from drivers.transport.http import HttpClient, HttpLost, HttpNotSent, HttpTimeout

_QUICK = 0.005
"""A task done within this long is polled at once, then 2 ms later: waiting first would only add latency."""
TERMINAL_STATUSES = frozenset({"ready", "error", "interrupted", "canceled"})
PENDING_STATUSES = frozenset({"wait", "inProgress", "blocked"})


class _TaskResultJson(msgspec.Struct, rename="camel", kw_only=True):
    status: str
    error_code: int = 0
    error_description: str = ""
    result: msgspec.Raw = msgspec.Raw(b"null")  # msgspec.Raw cannot sit in a union with None


class _ResultsJson(msgspec.Struct, kw_only=True):
    results: list[_TaskResultJson]


_RESULTS = msgspec.json.Decoder(_ResultsJson)


@dataclass(frozen=True, slots=True)
class TaskState:
    """The Web Server's view of one task of a request."""

    status: str
    error_code: int
    error_description: str
    result: bytes | None

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL_STATUSES


class WebServerSession:
    """POST/GET against ``/api/v2/requests`` for one device; one task per request."""

    def __init__(
        self,
        client: HttpClient,
        *,
        device_id: str,
        result_timeout: float,
        poll_interval: float,
    ) -> None:
        self.client = client
        self.device_id = device_id
        self.result_timeout = result_timeout
        self.poll_interval = poll_interval
        self._expected: dict[str, float] = {}
        """Per task type, how long after the POST the device was last found done: the first poll waits that long."""

    # -------------------------------------------------------------------------------------- errors

    def _lost(self, what: str, exc: Exception, mutating: bool) -> DeviceError:
        if mutating:
            return OutcomeUnknown(f"{what}: link lost after the request was sent ({exc!r})", device_id=self.device_id)
        if isinstance(exc, HttpTimeout):
            return DeviceTimeout(f"{what}: no answer ({exc!r})", device_id=self.device_id)
        return DeviceUnavailable(f"{what}: link lost ({exc!r})", device_id=self.device_id)

    def _unreachable(self, what: str, exc: Exception) -> DeviceError:
        return DeviceUnavailable(f"{what}: Web Server unreachable ({exc!r})", device_id=self.device_id)

    # ------------------------------------------------------------------------------------ exchange

    async def submit(self, request_id: uuid.UUID, task: Task) -> None:
        """POST the task. A uuid the server already holds (409) is not an error: its result is polled."""
        mutating = task.type in MUTATING_TASKS
        body = encode_request(str(request_id), [task])
        try:
            response = await self.client.post("/api/v2/requests", body)
        except HttpNotSent as exc:
            raise self._unreachable(task.type, exc) from exc
        except HttpLost as exc:
            raise self._lost(task.type, exc, mutating) from exc
        if response.status in (200, 201, 409):
            return
        detail = f"{task.type}: Web Server answered HTTP {response.status}: {response.text[:200]}"
        if response.status >= 500:
            cls: type[DeviceError] = OutcomeUnknown if mutating else DeviceUnavailable
            raise cls(detail, code=response.status, device_id=self.device_id)
        raise DeviceRejected(detail, code=response.status, device_id=self.device_id)

    async def fetch(self, request_id: uuid.UUID, *, what: str, mutating: bool) -> TaskState | None:
        """The request's (last) task state, or None when the server does not know the uuid (HTTP 404)."""
        try:
            response = await self.client.get(f"/api/v2/requests/{request_id}")
        except HttpNotSent as exc:
            # no connection now; the request was accepted before, so a mutating task may still run
            raise self._lost(what, exc, mutating) from exc
        except HttpLost as exc:
            # The request was accepted before this poll: a mutating task may run whether or not we can ask.
            raise self._lost(what, exc, mutating) from exc
        if response.status == 404:
            return None
        # A poll we cannot read says nothing about whether a mutating task ran.
        garbled: type[DeviceError] = OutcomeUnknown if mutating else ProtocolError
        if response.status != 200:
            raise garbled(
                f"{what}: Web Server answered HTTP {response.status} to a poll",
                code=response.status,
                device_id=self.device_id,
            )
        try:
            results = _RESULTS.decode(response.body).results
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            raise garbled(f"{what}: unreadable poll answer: {exc}", device_id=self.device_id) from exc
        if not results:
            raise garbled(f"{what}: poll answer has no results", device_id=self.device_id)
        # The driver sends one task per request; for a longer one the last task is the document
        # (e.g. [openShift, sell]), and it is "interrupted" when an earlier one failed.
        last = results[-1]
        return TaskState(
            status=last.status,
            error_code=last.error_code,
            error_description=last.error_description,
            result=None if bytes(last.result) in (b"", b"null") else bytes(last.result),
        )

    async def wait(
        self,
        request_id: uuid.UUID,
        *,
        what: str,
        mutating: bool,
        patience: float | None = None,
        learn: str | None = None,
    ) -> TaskState | None:
        """Poll until the task finishes, the uuid is unknown (None) or ``patience`` seconds pass (last state).

        ``learn``: the task type just POSTed. The first poll then waits as long as that type last took, so a
        receipt that prints for a second and a half costs a couple of polls, not a dozen, and is seen done
        within a few milliseconds rather than up to ``poll_interval`` late."""
        started = time.monotonic()
        deadline = started + (self.result_timeout if patience is None else patience)
        expected = self._expected.get(learn, 0.0) if learn is not None else 0.0
        if expected:
            await asyncio.sleep(min(expected, max(0.0, deadline - started)))
        pause = min(0.002, self.poll_interval)
        polls = 0
        while True:
            state = await self.fetch(request_id, what=what, mutating=mutating)
            polls += 1
            if state is None or state.finished:
                if learn is not None and state is not None:
                    self._learn(learn, time.monotonic() - started, first_poll_found_it=polls == 1)
                return state
            if state.status not in PENDING_STATUSES:
                raise ProtocolError(f"{what}: unknown task status {state.status!r}", device_id=self.device_id)
            if time.monotonic() + pause > deadline:
                return state
            await asyncio.sleep(pause)
            # Fast first polls keep a quick device quick; later ones back off to the configured interval.
            pause = min(pause * 2, self.poll_interval)

    def _learn(self, task_type: str, took: float, *, first_poll_found_it: bool) -> None:
        # Done at the first poll: it may have been done sooner, so aim a little earlier next time. Done only
        # after more polls: it takes about this long.
        expected = self._expected.get(task_type, 0.0) * 0.8 if first_poll_found_it else took
        expected = min(expected, self.result_timeout / 4)
        self._expected[task_type] = expected if expected >= _QUICK else 0.0

    async def execute(self, task: Task, request_id: uuid.UUID | None = None) -> bytes | None:
        """Run one task and return its raw ``result`` JSON, raising the mapped error when it failed."""
        mutating = task.type in MUTATING_TASKS
        request_id = request_id or uuid.uuid4()
        await self.submit(request_id, task)
        state = await self.wait(request_id, what=task.type, mutating=mutating, learn=task.type)
        if state is None:
            cls: type[DeviceError] = OutcomeUnknown if mutating else ProtocolError
            raise cls(f"{task.type}: the Web Server forgot request {request_id}", device_id=self.device_id)
        if not state.finished:
            if mutating:
                raise OutcomeUnknown(
                    f"{task.type}: still {state.status} after {self.result_timeout}s", device_id=self.device_id
                )
            raise DeviceTimeout(
                f"{task.type}: still {state.status} after {self.result_timeout}s", device_id=self.device_id
            )
        return self.result_of(task.type, state, mutating=mutating)

    def result_of(self, what: str, state: TaskState, *, mutating: bool) -> bytes | None:
        if state.status == "ready":
            return state.result
        if state.status == "canceled":
            raise DeviceRejected(f"{what}: canceled before it ran", code="canceled", device_id=self.device_id)
        if state.error_code == 0:
            garbled: type[DeviceError] = OutcomeUnknown if mutating else ProtocolError
            raise garbled(f"{what}: status {state.status} without an error code", device_id=self.device_id)
        raise error_for(state.error_code, state.error_description, mutating=mutating, device_id=self.device_id)
