"""What the hub sends a register: commands on ``cmd`` (each ``command_id`` applied at most once, every
delivery answered with the same stored result) and the retained location catalog (applied once per
version and content hash; a rejected snapshot is not retried until a new one arrives).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Literal, Protocol

import msgspec
import structlog

from edge.sync._store import SyncStore
from protocols.catalog import CatalogSnapshot, verify_content_hash
from protocols.codec import DecodeError, decode_catalog, decode_command, decode_command_result, encode
from protocols.commands import Command, CommandResult

log = structlog.get_logger("edge.sync.inbox")

_DETAIL_MAX = 2000


class InboxHandlers(Protocol):
    """Implemented by the register core: what a catalog snapshot and a command actually do."""

    async def apply_catalog(self, snapshot: CatalogSnapshot) -> tuple[bool, str]:
        """Apply atomically; ``(False, reason)`` keeps the last good catalog serving."""
        ...

    async def run_command(self, command: Command) -> CommandResult: ...


class _CommandHead(msgspec.Struct, kw_only=True):
    """Enough of a malformed command to answer it as rejected."""

    command_id: uuid.UUID
    register_id: uuid.UUID | None = None
    type: str = ""


_decode_head = msgspec.json.Decoder(_CommandHead)

ResultStatus = Literal["done", "failed", "rejected", "expired"]
PublishResult = Callable[[CommandResult], Awaitable[None]]


def _now() -> datetime:
    return datetime.now(UTC)


class Inbox:
    def __init__(
        self,
        store: SyncStore,
        handlers: InboxHandlers,
        *,
        org_id: uuid.UUID,
        location_id: uuid.UUID,
        register_id: uuid.UUID,
        publish_result: PublishResult,
    ) -> None:
        self.store = store
        self.handlers = handlers
        self.org_id = org_id
        self.location_id = location_id
        self.register_id = register_id
        self.publish_result = publish_result
        self.catalog_version: int | None = None
        self.last_catalog: CatalogSnapshot | None = None
        self.last_error = ""

    async def load(self) -> None:
        version = await self.store.get("catalog_version")
        self.catalog_version = int(version) if version else None

    # ------------------------------------------------------------------------------------ commands

    async def handle_command(self, payload: bytes) -> None:
        try:
            command = decode_command(payload)
        except DecodeError as exc:
            await self._reject_malformed(payload, exc)
            return
        command_id = str(command.command_id)
        command_type = str(type(command).__struct_config__.tag)
        stored = await self.store.command(command_id)
        if stored is not None:
            await self._answer_again(command, stored.status, stored.result)
            return
        now = _now()
        if command.register_id != self.register_id:
            await self._finish(
                command_id, command_type, self._result(command.command_id, "rejected", "not this register")
            )
            return
        if command.expires_at is not None and command.expires_at <= now:
            await self._finish(
                command_id, command_type, self._result(command.command_id, "expired", "expired before it arrived")
            )
            return
        # recorded before it runs: a crash mid-run must not run it a second time on redelivery
        await self.store.begin_command(command_id, command_type, now)
        log.info("sync.command", command_id=command_id, type=command_type)
        try:
            result = await self.handlers.run_command(command)
        except Exception as exc:
            log.exception("sync.command_failed", command_id=command_id, type=command_type)
            result = self._result(command.command_id, "failed", f"{type(exc).__name__}: {exc}")
        if result.command_id != command.command_id:
            result = msgspec.structs.replace(result, command_id=command.command_id)
        await self._finish(command_id, command_type, result)

    async def _answer_again(self, command: Command, status: str, stored: bytes | None) -> None:
        if stored is not None:
            try:
                result = decode_command_result(stored)
            except DecodeError:
                log.warning("sync.stored_result_unreadable", command_id=str(command.command_id))
            else:
                await self.publish_result(result)
                return
        if status == "running":
            # the previous delivery is still running here; it answers when it ends
            return
        await self.publish_result(self._result(command.command_id, "failed", "interrupted before completion"))

    async def _reject_malformed(self, payload: bytes, exc: DecodeError) -> None:
        try:
            head = _decode_head.decode(payload)
        except (msgspec.DecodeError, msgspec.ValidationError):
            log.warning("sync.command_unreadable", error=exc.reason[:200])
            return
        await self._finish(
            str(head.command_id), head.type[:64] or "unknown", self._result(head.command_id, "rejected", str(exc))
        )

    async def _finish(self, command_id: str, command_type: str, result: CommandResult) -> None:
        await self.store.finish_command(command_id, command_type, _now(), result.status, encode(result))
        await self.publish_result(result)

    def _result(self, command_id: uuid.UUID, status: ResultStatus, detail: str) -> CommandResult:
        return CommandResult(
            command_id=command_id,
            register_id=self.register_id,
            status=status,
            detail=detail[:_DETAIL_MAX],
            finished_at=_now(),
        )

    # ------------------------------------------------------------------------------------- catalog

    async def handle_catalog(self, payload: bytes) -> bool:
        """Apply a snapshot unless this version and hash were applied (or rejected) before; True if applied."""
        if not payload:
            return False  # a cleared retained message
        try:
            snapshot = decode_catalog(payload)
        except DecodeError as exc:
            self.last_error = f"catalog unreadable: {exc.reason}"[:_DETAIL_MAX]
            log.warning("sync.catalog_unreadable", error=exc.reason[:200])
            return False
        self.last_catalog = snapshot
        marker = f"{snapshot.version}:{snapshot.content_hash}"
        if snapshot.org_id != self.org_id or snapshot.location_id != self.location_id:
            log.warning("sync.catalog_foreign", version=snapshot.version)
            return False
        applied_version = await self.store.get("catalog_version")
        applied_hash = await self.store.get("catalog_hash")
        if applied_version is not None:
            if snapshot.version < int(applied_version):
                return False
            if snapshot.version == int(applied_version) and snapshot.content_hash == applied_hash:
                return False
        if await self.store.get("catalog_rejected") == marker:
            return False
        if not verify_content_hash(snapshot):
            return await self._catalog_rejected(marker, snapshot, "content hash does not match the content")
        try:
            ok, reason = await self.handlers.apply_catalog(snapshot)
        except Exception as exc:
            log.exception("sync.catalog_apply_failed", version=snapshot.version)
            ok, reason = False, f"{type(exc).__name__}: {exc}"
        if not ok:
            return await self._catalog_rejected(marker, snapshot, reason)
        await self.store.put({"catalog_version": str(snapshot.version), "catalog_hash": snapshot.content_hash})
        self.catalog_version = snapshot.version
        log.info("sync.catalog_applied", version=snapshot.version)
        return True

    async def _catalog_rejected(self, marker: str, snapshot: CatalogSnapshot, reason: str) -> bool:
        self.last_error = f"catalog {snapshot.version} rejected: {reason}"[:_DETAIL_MAX]
        await self.store.put({"catalog_rejected": marker, "last_error": self.last_error})
        log.warning("sync.catalog_rejected", version=snapshot.version, reason=reason[:200])
        return False
