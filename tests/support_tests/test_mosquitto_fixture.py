"""The private-broker fixture really enforces passwords and ACLs, so later suites can rely on it."""

from __future__ import annotations

import queue
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from protocols.topics import Channel, register_topic
from tests.support.mosquitto import MosquittoBroker

pytestmark = pytest.mark.integration

ACL = """
user hub
topic readwrite yago/v1/#

pattern readwrite yago/v1/org/loc/%u/#
"""


@contextmanager
def client(
    broker: MosquittoBroker, user: str, password: str
) -> Iterator[tuple[mqtt.Client, queue.Queue[mqtt.MQTTMessage]]]:
    received: queue.Queue[mqtt.MQTTMessage] = queue.Queue()
    connected: queue.Queue[int] = queue.Queue()
    c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"{user}-{uuid.uuid4().hex[:6]}")
    c.username_pw_set(user, password)
    c.on_message = lambda _c, _u, msg: received.put(msg)
    c.on_connect = lambda _c, _u, _f, rc, _p: connected.put(rc.value)
    c.connect(broker.host, broker.port)
    c.loop_start()
    try:
        assert connected.get(timeout=5) == 0
        yield c, received
    finally:
        c.loop_stop()
        c.disconnect()


def subscribe(c: mqtt.Client, topic: str) -> int:
    granted: queue.Queue[int] = queue.Queue()
    c.on_subscribe = lambda _c, _u, _mid, codes, _p: granted.put(codes[0].value)
    c.subscribe(topic, qos=1)
    return granted.get(timeout=5)


def publish(c: mqtt.Client, topic: str, payload: bytes) -> None:
    c.publish(topic, payload, qos=1).wait_for_publish(timeout=5)


@pytest.fixture
def acl_broker(make_mosquitto: Callable[..., MosquittoBroker]) -> MosquittoBroker:
    return make_mosquitto(users={"hub": "hub-pw", "reg-a": "a-pw", "reg-b": "b-pw"}, acl=ACL)


def test_a_register_publishing_outside_its_topics_is_not_delivered(acl_broker: MosquittoBroker) -> None:
    own_evt = register_topic("org", "loc", "reg-a", Channel.EVT)
    foreign_evt = register_topic("org", "loc", "reg-b", Channel.EVT)
    with client(acl_broker, "hub", "hub-pw") as (hub, inbox), client(acl_broker, "reg-a", "a-pw") as (reg_a, _):
        assert subscribe(hub, "yago/v1/#") == 1
        publish(reg_a, foreign_evt, b"forged")
        publish(reg_a, own_evt, b"genuine")
        message = inbox.get(timeout=5)
        assert (message.topic, message.payload) == (own_evt, b"genuine")
        with pytest.raises(queue.Empty):
            inbox.get(timeout=0.5)


def test_a_register_cannot_subscribe_to_another_registers_topics(acl_broker: MosquittoBroker) -> None:
    foreign_cmd = register_topic("org", "loc", "reg-b", Channel.CMD)
    with client(acl_broker, "reg-a", "a-pw") as (reg_a, inbox), client(acl_broker, "hub", "hub-pw") as (hub, _):
        # Mosquitto may refuse the SUBACK (0x80) or grant it and then deliver nothing; either way no data flows.
        assert subscribe(reg_a, foreign_cmd) in (0x80, 1)
        assert subscribe(reg_a, register_topic("org", "loc", "reg-a", Channel.CMD)) == 1
        publish(hub, foreign_cmd, b"for b only")
        publish(hub, register_topic("org", "loc", "reg-a", Channel.CMD), b"for a")
        assert inbox.get(timeout=5).payload == b"for a"
        with pytest.raises(queue.Empty):
            inbox.get(timeout=0.5)


def test_wrong_password_is_refused(acl_broker: MosquittoBroker) -> None:
    rc: queue.Queue[int] = queue.Queue()
    c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="intruder")
    c.username_pw_set("reg-a", "wrong")
    c.on_connect = lambda _c, _u, _f, code, _p: rc.put(code.value)
    c.connect(acl_broker.host, acl_broker.port)
    c.loop_start()
    try:
        assert rc.get(timeout=5) != 0
    finally:
        c.loop_stop()
        c.disconnect()


def test_broker_can_be_stopped_and_started_on_the_same_port(mosquitto: MosquittoBroker) -> None:
    port = mosquitto.port
    mosquitto.stop()
    assert not mosquitto.running
    mosquitto.start()
    assert mosquitto.running and mosquitto.port == port
