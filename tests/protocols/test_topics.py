"""Topic grammar: every topic builds and parses back; injected levels and wildcards are refused."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocols.ids import uuid7
from protocols.topics import (
    CatalogTopic,
    Channel,
    RegisterTopic,
    TopicError,
    catalog_topic,
    parse_register_topic,
    parse_topic,
    register_filter,
    register_topic,
    shared_filter,
)

pytestmark = pytest.mark.unit

ident = st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9_.:-]{0,20}\Z")


@pytest.mark.parametrize("channel", list(Channel))
def test_every_register_channel_round_trips(channel: Channel) -> None:
    org, loc, reg = str(uuid7()), str(uuid7()), str(uuid7())
    topic = register_topic(org, loc, reg, channel)
    assert topic == f"yago/v1/{org}/{loc}/{reg}/{channel.value}"
    assert parse_topic(topic) == RegisterTopic(org=org, loc=loc, reg=reg, channel=channel)


@given(org=ident, loc=ident, reg=ident)
def test_round_trip_property(org: str, loc: str, reg: str) -> None:
    assert parse_register_topic(register_topic(org, loc, reg, Channel.EVT)).reg == reg
    assert parse_topic(catalog_topic(org, loc)) == CatalogTopic(org=org, loc=loc)


@pytest.mark.parametrize("bad", ["", "a/b", "+", "#", "a+b", "x#", " ", "a b", "$SYS", "a\x00b", "ü"])
def test_injecting_identifiers_are_refused(bad: str) -> None:
    with pytest.raises(TopicError):
        register_topic(bad, "loc", "reg", Channel.EVT)
    with pytest.raises(TopicError):
        register_topic("org", "loc", bad, Channel.ACK)
    with pytest.raises(TopicError):
        catalog_topic("org", bad)


@pytest.mark.parametrize(
    "bad",
    [
        "yago/v1/org/loc/reg",
        "yago/v2/org/loc/reg/evt",
        "other/v1/org/loc/reg/evt",
        "yago/v1/org//reg/evt",
        "yago/v1/org/+/reg/evt",
        "yago/v1/org/loc/#",
        "yago/v1/org/loc/reg/unknown",
        "yago/v1/org/loc/reg/cmd/res/extra",
        "yago/v1/org/loc/reg/evt/",
    ],
)
def test_malformed_topics_do_not_parse(bad: str) -> None:
    with pytest.raises(TopicError):
        parse_topic(bad)


def test_filters() -> None:
    assert register_filter("o", "l", "r") == "yago/v1/o/l/r/#"
    assert shared_filter(Channel.EVT) == "$share/yago-ingest/yago/v1/+/+/+/evt"
