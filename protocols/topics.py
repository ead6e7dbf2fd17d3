"""The MQTT topic grammar (ARCHITECTURE.md §5): the only place topics are built or parsed.

``yago/v1/{org}/{loc}/{reg}/{evt|ack|status|cmd|cmd/res|rpc|rpc/res}`` and ``yago/v1/{org}/{loc}/catalog``.
Identifiers are UUID strings or short slugs; anything that could inject a level separator, a wildcard
or an empty level is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

PREFIX = "yago"
VERSION = "v1"
SHARED_INGEST_GROUP = "yago-ingest"

_IDENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")


class TopicError(ValueError):
    """Raised for an identifier or topic string outside the grammar."""


class Channel(StrEnum):
    """Per-register channels under ``yago/v1/{org}/{loc}/{reg}/``."""

    EVT = "evt"
    ACK = "ack"
    STATUS = "status"
    CMD = "cmd"
    CMD_RES = "cmd/res"
    RPC = "rpc"
    RPC_RES = "rpc/res"


CATALOG = "catalog"


def check_ident(value: str, what: str = "identifier") -> str:
    if not isinstance(value, str) or not _IDENT.match(value):
        raise TopicError(f"{what} {value!r} is not a valid topic level (letters, digits, _ . : - only)")
    return value


@dataclass(frozen=True, slots=True)
class RegisterTopic:
    org: str
    loc: str
    reg: str
    channel: Channel

    def __str__(self) -> str:
        return register_topic(self.org, self.loc, self.reg, self.channel)


@dataclass(frozen=True, slots=True)
class CatalogTopic:
    org: str
    loc: str

    def __str__(self) -> str:
        return catalog_topic(self.org, self.loc)


def register_topic(org: str, loc: str, reg: str, channel: Channel | str) -> str:
    ch = Channel(channel)
    levels = [check_ident(org, "org"), check_ident(loc, "location"), check_ident(reg, "register")]
    return "/".join([PREFIX, VERSION, *levels, ch.value])


def catalog_topic(org: str, loc: str) -> str:
    return "/".join([PREFIX, VERSION, check_ident(org, "org"), check_ident(loc, "location"), CATALOG])


def register_filter(org: str, loc: str, reg: str) -> str:
    """``yago/v1/{org}/{loc}/{reg}/#``: everything a register may use (its ACL pattern)."""
    return "/".join([PREFIX, VERSION, check_ident(org), check_ident(loc), check_ident(reg), "#"])


def all_registers_filter(channel: Channel | str) -> str:
    """Subscription filter for one channel of every register of every organization."""
    return "/".join([PREFIX, VERSION, "+", "+", "+", Channel(channel).value])


def shared_filter(channel: Channel | str, group: str = SHARED_INGEST_GROUP) -> str:
    """A shared subscription (``$share/group/...``) so ingest workers split the load."""
    return f"$share/{check_ident(group, 'group')}/{all_registers_filter(channel)}"


def all_catalogs_filter() -> str:
    return "/".join([PREFIX, VERSION, "+", "+", CATALOG])


def parse_topic(topic: str) -> RegisterTopic | CatalogTopic:
    """Parse a concrete topic (no wildcards) into its parts, or raise :class:`TopicError`."""
    if not isinstance(topic, str):
        raise TopicError("topic must be a string")
    levels = topic.split("/")
    if len(levels) < 5 or levels[0] != PREFIX or levels[1] != VERSION:
        raise TopicError(f"{topic!r} is not a {PREFIX}/{VERSION} topic")
    for level in levels[2:]:
        if level in ("", "+", "#"):
            raise TopicError(f"{topic!r} has an empty or wildcard level")
    if len(levels) == 5 and levels[4] == CATALOG:
        return CatalogTopic(org=check_ident(levels[2], "org"), loc=check_ident(levels[3], "location"))
    if len(levels) not in (6, 7):
        raise TopicError(f"{topic!r} has the wrong number of levels")
    org, loc, reg = (check_ident(x) for x in levels[2:5])
    try:
        channel = Channel("/".join(levels[5:]))
    except ValueError as exc:
        raise TopicError(f"{topic!r} names no known channel") from exc
    return RegisterTopic(org=org, loc=loc, reg=reg, channel=channel)


def parse_register_topic(topic: str) -> RegisterTopic:
    parsed = parse_topic(topic)
    if not isinstance(parsed, RegisterTopic):
        raise TopicError(f"{topic!r} is not a register topic")
    return parsed
