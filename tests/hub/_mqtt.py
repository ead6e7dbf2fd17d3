"""A paho MQTT client for tests: its network loop runs in paho's own thread, and waiting is done with
``asyncio.sleep`` so the hub running in the test's event loop keeps publishing meanwhile."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion


@dataclass(frozen=True)
class Received:
    topic: str
    payload: bytes
    retain: bool


class TestClient:
    __test__ = False

    def __init__(self, host: str, port: int, username: str | None = None, password: str | None = None) -> None:
        self.host, self.port = host, port
        self.messages: list[Received] = []
        self._lock = threading.Lock()
        self._connected = threading.Event()
        self.connect_rc: int | None = None
        self.suback: list[int] = []
        self._client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=f"test-{uuid.uuid4().hex[:8]}", protocol=mqtt.MQTTv311
        )
        if username is not None:
            self._client.username_pw_set(username, password)
        self._client.on_connect = self._on_connect
        self._client.on_message = self._on_message
        self._client.on_subscribe = self._on_subscribe

    def _on_connect(self, client: mqtt.Client, userdata: object, flags: object, rc: object, props: object) -> None:
        self.connect_rc = int(getattr(rc, "value", rc))  # type: ignore[call-overload]
        self._connected.set()

    def _on_message(self, client: mqtt.Client, userdata: object, msg: mqtt.MQTTMessage) -> None:
        with self._lock:
            self.messages.append(Received(msg.topic, bytes(msg.payload), bool(msg.retain)))

    def _on_subscribe(
        self, client: mqtt.Client, userdata: object, mid: int, codes: list[object], props: object
    ) -> None:
        self.suback = [int(getattr(c, "value", c)) for c in codes]  # type: ignore[call-overload]

    async def connect(self) -> int:
        self._client.connect(self.host, self.port, keepalive=30)
        self._client.loop_start()
        deadline = time.monotonic() + 10
        while not self._connected.is_set() and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        assert self.connect_rc is not None, "no CONNACK"
        return self.connect_rc

    async def subscribe(self, topic: str) -> None:
        self.suback = []
        self._client.subscribe(topic, qos=1)
        deadline = time.monotonic() + 5
        while not self.suback and time.monotonic() < deadline:
            await asyncio.sleep(0.02)

    async def publish(self, topic: str, payload: bytes) -> None:
        info = self._client.publish(topic, payload, qos=1)
        deadline = time.monotonic() + 5
        while not info.is_published() and time.monotonic() < deadline:
            await asyncio.sleep(0.02)

    async def wait_for(self, predicate: Callable[[Received], bool], timeout: float = 10.0) -> Received:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                for message in self.messages:
                    if predicate(message):
                        return message
            await asyncio.sleep(0.02)
        raise TimeoutError("no matching message arrived")

    def received(self, topic: str) -> list[Received]:
        with self._lock:
            return [m for m in self.messages if m.topic == topic]

    def close(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()


async def connected(host: str, port: int, username: str, password: str, timeout: float = 5.0) -> TestClient:
    """A connected client; retried briefly because the broker applies a reload (SIGHUP) asynchronously."""
    deadline = time.monotonic() + timeout
    while True:
        client = TestClient(host, port, username, password)
        rc = await client.connect()
        if rc == 0:
            return client
        client.close()
        if time.monotonic() > deadline:
            raise AssertionError(f"{username} cannot connect (CONNACK {rc})")
        await asyncio.sleep(0.1)


async def refused(host: str, port: int, username: str, password: str, timeout: float = 5.0) -> bool:
    """True once the broker refuses these credentials (after it has applied a reload)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        client = TestClient(host, port, username, password)
        try:
            if await client.connect() != 0:
                return True
        finally:
            client.close()
        await asyncio.sleep(0.1)
    return False
