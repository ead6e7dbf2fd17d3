"""Checkout endpoints: pay (cash, card, points; split), payment progress, fiscalize/resolve, print, refund."""

from __future__ import annotations

import dataclasses
from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from drivers.errors import DeviceError
from edge.domain.auth.services import SELLERS, Actor, approve, require
from edge.domain.checkout import journal
from edge.domain.checkout._common import device_failed, remember_problem
from edge.domain.checkout.fiscal import fiscalize, settle_named_document
from edge.domain.checkout.receipts import printable_receipt
from edge.domain.checkout.recovery import resolve_open_entries
from edge.domain.checkout.refunds import finish_refund, refund
from edge.domain.checkout.schemas import FiscalizeIn, PayIn, PayOut, RefundIn, StepOut
from edge.domain.checkout.tenders import pay
from edge.domain.deps import CurrentActor, IdempotencyKey, Rt, approval_pin
from edge.domain.envelope import Data
from edge.domain.orders.repo import fetch_order, fiscal_info, order_out, payment_out
from edge.domain.orders.schemas import PaymentOut
from edge.domain.orders.services import get_order
from edge.domain.runtime import Runtime
from edge.problems import Problem, conflict, not_found
from protocols.ids import uuid7


class CheckoutController(Controller):
    path = "/orders/{order_id:str}"
    tags = ("checkout",)

    @post("/pay", operation_id="payOrder", status_code=HTTP_201_CREATED)
    async def pay(
        self,
        rt: Rt,
        actor: CurrentActor,
        order_id: FromPath[str],
        data: JSONBody[PayIn],
        idempotency_key: IdempotencyKey = None,
    ) -> Data[PayOut]:
        """Take one tender. Cash returns the change; a card runs on the terminal (poll
        ``GET /orders/{id}/payments/{payment_id}`` for its prompts, passing your own ``payment_id``).
        When the order is paid in full it is fiscalized, printed, sent to the kitchen and the drawer opens."""
        require(actor, SELLERS, "taking payments")
        return Data(await pay(rt, actor, order_id, data, idempotency_key))

    @get("/payments", operation_id="listPayments")
    async def payments(self, rt: Rt, actor: CurrentActor, order_id: FromPath[str]) -> Data[list[PaymentOut]]:
        """Every payment of the order with its status and the terminal's prompts."""
        async with rt.db.read() as conn:
            rec = fetch_order(conn, order_id)
        return Data([payment_out(p, rt.card_prompts.get(p.id)) for p in rec.payments])

    @get("/payments/{payment_id:str}", operation_id="getPayment")
    async def payment(
        self, rt: Rt, actor: CurrentActor, order_id: FromPath[str], payment_id: FromPath[str]
    ) -> Data[PaymentOut]:
        """One payment; while ``pending`` its ``messages`` are the terminal's live prompts."""
        async with rt.db.read() as conn:
            rec = fetch_order(conn, order_id)
        for p in rec.payments:
            if p.id == payment_id:
                return Data(payment_out(p, rt.card_prompts.get(p.id)))
        prompts = rt.card_prompts.get(payment_id)
        if prompts is not None:
            raise Problem(404, "not_found", "Payment not started yet", "the payment is not recorded yet")
        raise not_found("Payment", payment_id)

    @post("/fiscalize", operation_id="fiscalizeOrder", status_code=HTTP_200_OK)
    async def fiscalize(
        self,
        request: Request[Any, Any, Any],
        rt: Rt,
        actor: CurrentActor,
        order_id: FromPath[str],
        data: JSONBody[FiscalizeIn | None] = None,
    ) -> Data[StepOut]:
        """Resolve the order's unknown device outcomes through the devices, then fiscalize it if it is paid, or
        issue the return receipt of a refund whose card leg went through while the receipt failed.

        ``document_number`` (manager PIN): where the devices cannot tell which fiscal document is this sale's,
        the FD on the customer's receipt, checked against the fiscal storage (409 ``document_mismatch`` if it
        cannot be this sale's, its ``reason`` one of ``issued_before``, ``not_in_fn``, ``another_operation``,
        ``different_sale``, ``request_became``, ``request_refused``; nothing changes)."""
        require(actor, SELLERS, "fiscalizing")
        number = data.document_number if data is not None else None
        approver = None
        if data is not None and number is not None:
            approver = await approve(rt, actor, approval_pin(request, data.approval_pin), "naming a receipt's FD")
        warnings: list[str] = []
        async with rt.order_lock(order_id):
            left = await resolve_open_entries(rt, order_id, warnings=warnings)
            if left and approver is not None and number is not None:
                warnings += await self._name_document(rt, actor, approver, order_id, number)
                left = await resolve_open_entries(rt, order_id, warnings=warnings)
            if left:
                raise Problem(503, "outcome_unknown", "Still unresolved", await _unresolved_detail(rt, order_id))
            if not await finish_refund(rt, actor, order_id):
                async with rt.db.begin() as conn:
                    rec = fetch_order(conn, order_id)
                if rec.status == "paid":
                    warnings += await fiscalize(rt, order_id)
                elif rec.status not in ("fiscalized", "draft", "paying"):
                    raise conflict("not_paid", "Nothing to fiscalize", f"the order is {rec.status}")
        await rt.notify_sync()
        order = await get_order(rt, order_id)
        got = order.fiscal_document.document_number if order.fiscal_document is not None else None
        if number is not None and got != number:
            warnings.append(f"The devices settled the sale themselves (FD {got or 'none'}); FD {number} was not used")
        return Data(StepOut(order=order, warnings=warnings))

    @staticmethod
    async def _name_document(rt: Runtime, actor: Actor, approver: Actor, order_id: str, number: int) -> list[str]:
        async with rt.db.read() as conn:
            sells = [e for e in journal.open_entries(conn, order_id) if e.device == "fiscal" and e.kind == "sell"]
        fiscal = rt.devices.fiscal
        if not sells or fiscal is None:
            raise conflict("nothing_to_name", "No unsettled receipt", "the order has no sale receipt left unknown")
        return await settle_named_document(rt, fiscal, sells[-1], order_id, number, actor, approver)

    @post("/print", operation_id="printReceipt", status_code=HTTP_200_OK)
    async def print_receipt(self, rt: Rt, actor: CurrentActor, order_id: FromPath[str]) -> Data[StepOut]:
        """Finish a receipt the fiscal registrar did not print (continue_print), or print a copy."""
        require(actor, SELLERS, "printing")
        async with rt.db.begin() as conn:
            rec = fetch_order(conn, order_id)
        info = fiscal_info(rec.row.fiscal_document)
        if info is None:
            raise conflict("not_fiscalized", "No receipt yet", "the order has no receipt to print")
        warnings: list[str] = []
        try:
            if info.kind != "nonFiscal" and rt.devices.fiscal is not None:
                if rec.row.receipt_printed:
                    await rt.devices.fiscal.print_last_receipt_copy()
                else:
                    await rt.devices.fiscal.continue_print()
            elif rt.devices.printer is not None:
                receipt = printable_receipt(rec, rt.settings.app.location_name, info, open_drawer=False)
                copy = dataclasses.replace(receipt, job_id=f"{receipt.job_id}:copy:{uuid7()}", title="КОПИЯ ЧЕКА")
                await rt.devices.printer.print_receipt(copy)
            else:
                raise Problem(503, "unavailable", "No printer", "The register has no printer configured")
        except DeviceError as exc:
            problem = device_failed(rt, "printer" if info.kind == "nonFiscal" else "fiscal", exc, "printing")
            await remember_problem(rt, order_id, problem)
            raise problem from exc
        await remember_problem(rt, order_id, None, receipt_printed=True)
        async with rt.db.begin() as conn:
            rec = fetch_order(conn, order_id)
        return Data(StepOut(order=order_out(rec), warnings=warnings))

    @post("/refund", operation_id="refundOrder", status_code=HTTP_201_CREATED)
    async def refund(
        self,
        request: Request[Any, Any, Any],
        rt: Rt,
        actor: CurrentActor,
        order_id: FromPath[str],
        data: JSONBody[RefundIn],
        idempotency_key: IdempotencyKey = None,
    ) -> Data[StepOut]:
        """Refund all or some lines (manager PIN): card back to the card, cash out of the drawer, a sellReturn receipt."""
        require(actor, SELLERS, "refunds")
        approver = await approve(rt, actor, approval_pin(request, data.approval_pin), "a refund")
        await refund(rt, actor, approver, order_id, data, idempotency_key)
        return Data(StepOut(order=await get_order(rt, order_id), warnings=[]))


async def _unresolved_detail(rt: Runtime, order_id: str) -> str:
    """Why the order's device outcomes are still unknown, as the devices last said."""
    async with rt.db.read() as conn:
        why = "; ".join(e.error for e in journal.open_entries(conn, order_id) if e.error)
    said = f" ({why})" if why else ""
    return (
        f"The device could not say what happened yet{said}. Try again, or a manager enters the FD printed on the "
        "customer's receipt"
    )
