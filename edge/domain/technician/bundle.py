"""The support bundle: one gzip tarball a technician sends to support — the config without secrets, recent
logs, the SQLite integrity check, what each device reports, the status JSON, recent audit rows and the version.
"""

from __future__ import annotations

import asyncio
import io
import json
import platform
import tarfile
import time
from collections.abc import Awaitable

import msgspec
from sqlalchemy import select, text

from drivers.errors import DeviceError
from edge.db import models as m
from edge.domain.auth.services import Actor
from edge.domain.ops.status import status
from edge.domain.runtime import Runtime
from edge.domain.technician import services
from edge.domain.technician._config import config_path, masked_settings
from edge.domain.technician.logbuffer import BUFFER
from edge.problems import Problem

DEVICE_TIMEOUT = 10.0


async def integrity_check(rt: Runtime) -> list[str]:
    """``PRAGMA integrity_check``: ``["ok"]`` for a healthy database."""
    async with rt.db.read() as conn:
        rows = (await conn.execute(text("PRAGMA integrity_check"))).all()
    return [str(row[0]) for row in rows]


async def _probe(call: Awaitable[dict[str, object]]) -> dict[str, object]:
    try:
        return await asyncio.wait_for(call, timeout=DEVICE_TIMEOUT)
    except DeviceError as exc:
        return {"error": exc.kind, "message": exc.message}
    except Problem as exc:
        return {"error": exc.code, "message": exc.detail or exc.title}
    except TimeoutError:
        return {"error": "timeout", "message": f"no answer in {DEVICE_TIMEOUT:g} s"}


async def device_report(rt: Runtime, actor: Actor) -> dict[str, object]:
    out: dict[str, object] = {"health": services.plain(list(rt.devices.health()))}
    if rt.devices.fiscal is not None:
        out["fiscal"] = await _probe(services.fiscal_info(rt, actor))
    if rt.devices.printer is not None:
        out["printer"] = await _probe(services.printer_status(rt, actor))
    if rt.devices.terminal is not None:
        out["terminal"] = await _probe(services.terminal_status(rt, actor))
    return out


async def _audit_rows(rt: Runtime, limit: int = 200) -> list[dict[str, object]]:
    query = select(m.audit_log).order_by(m.audit_log.c.id.desc()).limit(limit)
    async with rt.db.read() as conn:
        rows = (await conn.execute(query)).all()
    return [{k: services.plain(v) for k, v in row._mapping.items()} for row in rows]


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=2, default=str).encode() + b"\n"


def pack(files: dict[str, bytes], prefix: str) -> bytes:
    buffer = io.BytesIO()
    now = time.time()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(f"{prefix}/{name}")
            info.size = len(data)
            info.mtime = int(now)
            info.mode = 0o600
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


async def support_bundle(rt: Runtime, actor: Actor) -> tuple[str, bytes]:
    """``(file name, gzip tarball)``; a part that cannot be collected says why instead of failing the bundle."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    prefix = f"yago-support-{stamp}"
    files: dict[str, bytes] = {
        "version.txt": f"yago-pos {rt.version}\npython {platform.python_version()}\n{platform.platform()}\n".encode(),
        "config.json": _json({"config_file": str(config_path(rt)), "settings": masked_settings(rt.settings)}),
    }
    try:
        files["status.json"] = msgspec.json.format(msgspec.json.encode(await status(rt))) + b"\n"
    except Exception as exc:
        files["status.json"] = _json({"error": repr(exc)})
    try:
        files["integrity_check.txt"] = ("\n".join(await integrity_check(rt)) + "\n").encode()
    except Exception as exc:
        files["integrity_check.txt"] = f"failed: {exc!r}\n".encode()
    files["devices.json"] = _json(await device_report(rt, actor))
    try:
        files["audit.json"] = _json(await _audit_rows(rt))
    except Exception as exc:
        files["audit.json"] = _json({"error": repr(exc)})
    records = BUFFER.query(limit=BUFFER.capacity)
    files["logs.jsonl"] = b"".join(msgspec.json.encode(r) + b"\n" for r in records)
    return f"{prefix}.tar.gz", await asyncio.to_thread(pack, files, prefix)
