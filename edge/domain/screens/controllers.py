"""``/api/v1/screens/pairing-codes``: a one-time code that pairs another screen on the LAN with this register
(see :mod:`edge.domain.screens.services`). Managers and technicians issue it; a cashier needs a manager's PIN."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from litestar import Request, post
from litestar.params import JSONBody
from litestar.status_codes import HTTP_201_CREATED

from edge.domain.auth.services import SELLERS, TECHNICIANS, approve, audit, require
from edge.domain.deps import CurrentActor, Rt, approval_pin
from edge.domain.envelope import Data
from edge.domain.screens.services import CODE_TTL


class PairingCodeIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    approval_pin: str | None = None


class PairingCodeOut(msgspec.Struct, kw_only=True):
    code: str
    expires_at: datetime
    valid_seconds: int


@post("/screens/pairing-codes", operation_id="screenPairingCode", status_code=HTTP_201_CREATED, tags=["screens"])
async def pairing_code_handler(
    request: Request[Any, Any, Any], rt: Rt, actor: CurrentActor, data: JSONBody[PairingCodeIn]
) -> Data[PairingCodeOut]:
    """Issue a six-digit code (ten minutes, one use) to enter on the screen being paired."""
    require(actor, SELLERS | TECHNICIANS, "pairing a screen")
    approver = (
        actor
        if actor.role in TECHNICIANS
        else await approve(rt, actor, approval_pin(request, data.approval_pin), "pairing a screen")
    )
    code, expires_at = rt.pairing.issue()
    async with rt.db.begin() as conn:
        audit(conn, "screen_pairing_code", actor, approver=approver if approver is not actor else None)
    return Data(PairingCodeOut(code=code, expires_at=expires_at, valid_seconds=int(CODE_TTL.total_seconds())))
