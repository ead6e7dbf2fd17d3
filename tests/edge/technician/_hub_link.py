"""A demo agent enrolled to a private broker with nobody acknowledging, and a watcher of the event batches
it publishes — enough to see a technician's resend leave the box."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from edge.settings import load_settings
from protocols.ids import uuid7
from protocols.topics import Channel, register_topic
from tests.edge.support import EdgeServer
from tests.support.mosquitto import MosquittoBroker
from tests.support.net import free_port


class BatchWatcher:
    """Collects ``first_seq`` of every batch on the register's evt topic."""

    def __init__(self, broker: MosquittoBroker, topic: str) -> None:
        self.first_seqs: list[int] = []
        self._changed = threading.Condition()
        self._client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"watch-{uuid7()}")
        self._client.on_message = self._on_message
        self._client.connect(broker.host, broker.port)
        self._client.subscribe(topic, qos=1)
        self._client.loop_start()

    def _on_message(self, _client: mqtt.Client, _userdata: object, message: mqtt.MQTTMessage) -> None:
        with self._changed:
            self.first_seqs.append(int(json.loads(message.payload)["first_seq"]))
            self._changed.notify_all()

    def wait_for(self, count: int, timeout: float = 15.0) -> list[int]:
        """Wait until ``count`` batches starting at seq 1 arrived."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self.first_seqs.count(1) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"batches so far: {self.first_seqs}")
                self._changed.wait(left)
            return list(self.first_seqs)

    def close(self) -> None:
        self._client.loop_stop()
        self._client.disconnect()


@contextmanager
def enrolled_agent(data_dir: Path, broker: MosquittoBroker) -> Iterator[tuple[EdgeServer, BatchWatcher]]:
    """The agent publishes its start-up events once and, with no hub acking, waits; resends are ours alone."""
    org, loc, reg = str(uuid7()), str(uuid7()), str(uuid7())
    settings = load_settings(
        None,
        environ={},
        overrides={
            "app": {"demo": True, "data_dir": str(data_dir), "port": free_port()},
            "sync": {
                "broker_host": broker.host,
                "broker_port": broker.port,
                "org_id": org,
                "location_id": loc,
                "register_id": reg,
                "resend_after_seconds": 600,
            },
        },
    )
    watcher = BatchWatcher(broker, register_topic(org, loc, reg, Channel.EVT))
    server = EdgeServer(settings)
    server.start()
    try:
        watcher.wait_for(1)
        yield server, watcher
    finally:
        server.stop()
        watcher.close()
