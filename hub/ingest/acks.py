"""Acknowledgements to registers: the highest committed sequence, and the gap when one is seen."""

from __future__ import annotations

from datetime import datetime

import aiomqtt

from hub.ingest._rows import RegisterScope
from protocols.codec import encode
from protocols.envelope import Ack, Gap
from protocols.topics import Channel, register_topic


def ack_topic(scope: RegisterScope) -> str:
    return register_topic(str(scope.org_id), str(scope.location_id), str(scope.register_id), Channel.ACK)


def build_ack(scope: RegisterScope, committed_seq: int, gap: Gap | None, now: datetime) -> Ack:
    return Ack(register_id=scope.register_id, committed_seq=committed_seq, gap=gap, acked_at=now)


PUBLISH_TIMEOUT = 10.0


async def publish_ack(client: aiomqtt.Client, scope: RegisterScope, ack: Ack) -> None:
    """Publish at QoS 1; the edge deletes events from its outbox only after reading this."""
    await client.publish(ack_topic(scope), encode(ack), qos=1, timeout=PUBLISH_TIMEOUT)
