"""Every message round-trips; committed v1 fixtures keep decoding; malformed payloads raise DecodeError."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from protocols import codec
from protocols.catalog import verify_content_hash
from protocols.commands import COMMAND_TYPES
from protocols.events import EVENT_TYPES
from protocols.topics import Channel, catalog_topic, register_topic
from tests.protocols.samples import LOC, ORG, REG, all_commands, all_events, all_messages

pytestmark = pytest.mark.unit

FIXTURES = Path(__file__).parent / "fixtures" / "v1"

DECODERS = {
    "event_batch": codec.decode_batch,
    "ack": codec.decode_ack,
    "ack_with_gap": codec.decode_ack,
    "status_online": codec.decode_status,
    "status_offline": codec.decode_status,
    "command_result": codec.decode_command_result,
    "rpc_request": codec.decode_rpc_request,
    "rpc_response": codec.decode_rpc_response,
    "catalog": codec.decode_catalog,
}


def decoder_for(name: str) -> codec._Decoder[msgspec.Struct]:
    return DECODERS.get(name, codec.decode_command)  # type: ignore[return-value]


def test_samples_cover_every_event_and_command_type() -> None:
    assert {type(ev) for ev in all_events()} == set(EVENT_TYPES)
    assert {type(cmd) for cmd in all_commands()} == set(COMMAND_TYPES)


@pytest.mark.parametrize("name", sorted(all_messages()))
def test_round_trip(name: str) -> None:
    message = all_messages()[name]
    assert decoder_for(name)(codec.encode(message)) == message


@pytest.mark.parametrize("event", all_events(), ids=lambda ev: type(ev).__struct_config__.tag)
def test_each_event_round_trips_alone_with_its_dotted_tag(event: msgspec.Struct) -> None:
    raw = codec.encode(event)
    tag = type(event).__struct_config__.tag
    assert msgspec.json.decode(raw)["type"] == tag
    assert "." in str(tag)
    assert codec.decode_event(raw) == event


@pytest.mark.parametrize("name", sorted(all_messages()))
def test_committed_v1_fixture_still_decodes(name: str) -> None:
    path = FIXTURES / f"{name}.json"
    assert path.exists(), f"fixture {path.name} is missing: run `python -m tests.protocols.make_fixtures`"
    assert decoder_for(name)(path.read_bytes()) == all_messages()[name]


def test_catalog_fixture_hash_is_valid() -> None:
    assert verify_content_hash(codec.decode_catalog((FIXTURES / "catalog.json").read_bytes()))


def test_unknown_fields_are_ignored_for_forward_compatibility() -> None:
    raw = msgspec.json.decode((FIXTURES / "ack.json").read_bytes())
    raw["added_in_a_later_version"] = {"x": 1}
    assert codec.decode_ack(msgspec.json.encode(raw)).committed_seq == 13


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        (b"{not json", "malformed"),
        (b"[]", "Expected `object`"),
        (b'{"type": "order.unknown"}', "order.unknown"),
    ],
)
def test_malformed_or_unknown_event_raises_one_typed_error(payload: bytes, fragment: str) -> None:
    with pytest.raises(codec.DecodeError) as info:
        codec.decode_event(payload)
    assert fragment in str(info.value)
    assert info.value.message_type == "event"


def test_float_money_in_an_event_is_refused() -> None:
    raw = msgspec.json.decode(codec.encode(all_messages()["event_batch"]))
    raw["events"][2]["paid_total"] = 520.0
    with pytest.raises(codec.DecodeError, match="paid_total"):
        codec.decode_batch(msgspec.json.encode(raw))


def test_batch_with_wrong_sequence_is_refused() -> None:
    raw = msgspec.json.decode(codec.encode(all_messages()["event_batch"]))
    raw["last_seq"] = 99
    with pytest.raises(codec.DecodeError, match=r"first_seq\.\.last_seq"):
        codec.decode_batch(msgspec.json.encode(raw))
    raw = msgspec.json.decode(codec.encode(all_messages()["event_batch"]))
    raw["events"][1]["seq"] = 7
    with pytest.raises(codec.DecodeError, match="expected 2"):
        codec.decode_batch(msgspec.json.encode(raw))


def test_bad_quantity_in_a_line_is_refused() -> None:
    raw = msgspec.json.decode(codec.encode(all_messages()["event_batch"]))
    raw["events"][1]["lines"][0]["quantity"] = "0.0001"
    with pytest.raises(codec.DecodeError, match="decimal places"):
        codec.decode_batch(msgspec.json.encode(raw))


def test_decode_for_topic_picks_the_type_from_the_topic() -> None:
    messages = all_messages()
    evt = register_topic(str(ORG), str(LOC), str(REG), Channel.EVT)
    assert codec.decode_for_topic(evt, codec.encode(messages["event_batch"])) == messages["event_batch"]
    cat = catalog_topic(str(ORG), str(LOC))
    assert codec.decode_for_topic(cat, codec.encode(messages["catalog"])) == messages["catalog"]
    with pytest.raises(codec.DecodeError, match="ack"):
        codec.decode_for_topic(register_topic("o", "l", "r", Channel.ACK), codec.encode(messages["catalog"]))
    with pytest.raises(codec.DecodeError, match="topic"):
        codec.decode_for_topic("yago/v1/o/+/r/evt", b"{}")
