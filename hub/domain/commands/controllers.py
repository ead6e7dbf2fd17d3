"""``POST /api/v1/registers/{id}/commands``: send one command to a register's ``cmd`` topic.

The register applies each ``command_id`` once and answers on ``cmd/res``. Commands are not queued
while the broker is unreachable (503): a command is an operator's action in the moment.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated, Literal

import msgspec
from litestar import Controller, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_202_ACCEPTED
from sqlalchemy.ext.asyncio import AsyncSession

from hub.broker.publisher import PendingCommand
from hub.domain.auth.deps import requires
from hub.domain.auth.security import MANAGERS, Principal
from hub.domain.tenants.services import get_register
from hub.problems import BadRequest, Unavailable
from hub.state import hub_state
from protocols.codec import encode
from protocols.commands import Command
from protocols.ids import utcnow, uuid7
from protocols.topics import Channel, register_topic

ConfigValue = str | int | bool | None


class CommandIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    type: Literal["catalog.reload", "report.x", "device.test_print", "config.update", "upgrade.hint"]
    ttl_seconds: Annotated[int, msgspec.Meta(ge=1, le=7 * 24 * 3600)] = 600
    min_version: int | None = None
    device_id: str | None = None
    text: str | None = None
    settings: dict[str, ConfigValue] | None = None
    version: str | None = None
    url: str | None = None


class CommandSent(msgspec.Struct, kw_only=True):
    command_id: uuid.UUID
    register_id: uuid.UUID
    topic: str


class RegisterCommandController(Controller):
    path = "/api/v1/registers/{register_id:uuid}/commands"
    tags = ["commands"]
    guards = [requires(*MANAGERS, "technician")]

    @post("/", operation_id="sendRegisterCommand", status_code=HTTP_202_ACCEPTED)
    async def send(
        self,
        state: State,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        register_id: FromPath[uuid.UUID],
        data: JSONBody[CommandIn],
    ) -> CommandSent:
        """Send a command; the answer arrives on the register's ``cmd/res`` topic."""
        hub = hub_state(state)
        register = await get_register(session, principal.org_id, register_id)
        now = utcnow()
        fields = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not None and k != "ttl_seconds"}
        raw = {
            **fields,
            "command_id": str(uuid7()),
            "register_id": str(register.id),
            "issued_at": now.isoformat(),
            "expires_at": (now + timedelta(seconds=data.ttl_seconds)).isoformat(),
        }
        try:
            command: Command = msgspec.convert(raw, Command)
        except msgspec.ValidationError as exc:
            raise BadRequest(f"not a valid {data.type} command: {exc}", slug="invalid-command") from exc
        topic = register_topic(str(register.org_id), str(register.location_id), str(register.id), Channel.CMD)
        if not hub.publisher.submit_command(PendingCommand(topic=topic, payload=encode(command))):
            raise Unavailable("the broker is not connected; try again shortly")
        return CommandSent(command_id=command.command_id, register_id=register.id, topic=topic)
