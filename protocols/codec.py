"""Encoders and decoders built once; every malformed or unknown payload raises :class:`DecodeError`.

``decode_for_topic`` picks the message type from the topic, so a consumer needs one call per message.
"""

from __future__ import annotations

from typing import Any, Final, Generic, TypeVar

import msgspec

from protocols.catalog import CatalogSnapshot
from protocols.commands import Command, CommandResult, RpcRequest, RpcResponse
from protocols.envelope import Ack, EventBatch, RegisterStatus
from protocols.events import Event
from protocols.topics import CatalogTopic, Channel, TopicError, parse_topic

T = TypeVar("T")


class DecodeError(ValueError):
    """A payload that is not valid JSON, not the expected message, or breaks a message rule."""

    def __init__(self, message_type: str, reason: str) -> None:
        super().__init__(f"invalid {message_type}: {reason}")
        self.message_type = message_type
        self.reason = reason


_encoder: Final = msgspec.json.Encoder()


def encode(message: msgspec.Struct) -> bytes:
    return _encoder.encode(message)


class _Decoder(Generic[T]):
    def __init__(self, message_type: str, target: Any) -> None:
        self._name = message_type
        self._decoder: msgspec.json.Decoder[T] = msgspec.json.Decoder(target)

    def __call__(self, payload: bytes | bytearray | memoryview | str) -> T:
        try:
            return self._decoder.decode(payload)
        except (msgspec.DecodeError, msgspec.ValidationError, ValueError) as exc:
            raise DecodeError(self._name, str(exc)) from exc


decode_batch: Final = _Decoder[EventBatch]("event batch", EventBatch)
decode_event: Final = _Decoder[Event]("event", Event)
decode_ack: Final = _Decoder[Ack]("ack", Ack)
decode_status: Final = _Decoder[RegisterStatus]("register status", RegisterStatus)
decode_command: Final = _Decoder[Command]("command", Command)
decode_command_result: Final = _Decoder[CommandResult]("command result", CommandResult)
decode_catalog: Final = _Decoder[CatalogSnapshot]("catalog snapshot", CatalogSnapshot)
decode_rpc_request: Final = _Decoder[RpcRequest]("rpc request", RpcRequest)
decode_rpc_response: Final = _Decoder[RpcResponse]("rpc response", RpcResponse)

_BY_CHANNEL: Final[dict[Channel, _Decoder[Any]]] = {
    Channel.EVT: decode_batch,
    Channel.ACK: decode_ack,
    Channel.STATUS: decode_status,
    Channel.CMD: decode_command,
    Channel.CMD_RES: decode_command_result,
    Channel.RPC: decode_rpc_request,
    Channel.RPC_RES: decode_rpc_response,
}

Message = EventBatch | Ack | RegisterStatus | Command | CommandResult | CatalogSnapshot | RpcRequest | RpcResponse


def decode_for_topic(topic: str, payload: bytes | bytearray | memoryview | str) -> Message:
    """Decode ``payload`` as the message type its topic carries."""
    try:
        parsed = parse_topic(topic)
    except TopicError as exc:
        raise DecodeError("topic", str(exc)) from exc
    if isinstance(parsed, CatalogTopic):
        result: Message = decode_catalog(payload)
        return result
    decoded: Message = _BY_CHANNEL[parsed.channel](payload)
    return decoded
