"""The agent's side of the hub inbox (``edge.sync.InboxHandlers``): catalog snapshots and hub commands."""

from __future__ import annotations

import structlog

from drivers.errors import DeviceError
from edge.domain.catalog.services import apply_snapshot
from edge.domain.runtime import Runtime
from edge.domain.shifts.services import report_x
from protocols.catalog import CatalogSnapshot
from protocols.commands import (
    CatalogReload,
    Command,
    CommandResult,
    ConfigUpdate,
    ConfigValue,
    DeviceTestPrint,
    ReportX,
)
from protocols.ids import utcnow

log = structlog.get_logger("edge.inbox")


class EdgeInboxHandlers:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    async def apply_catalog(self, snapshot: CatalogSnapshot) -> tuple[bool, str]:
        return await apply_snapshot(self.rt, snapshot, source="hub")

    def _result(
        self, command: Command, status: str, detail: str = "", data: dict[str, ConfigValue] | None = None
    ) -> CommandResult:
        return CommandResult(
            command_id=command.command_id,
            register_id=command.register_id,
            status=status,  # type: ignore[arg-type]
            detail=detail[:2000],
            data=data or {},
            finished_at=utcnow(),
        )

    async def run_command(self, command: Command) -> CommandResult:
        rt = self.rt
        try:
            if isinstance(command, ReportX):
                report = await report_x(rt)
                data: dict[str, ConfigValue] = {"expected_cash": report.expected_cash, "orders": report.orders_count}
                for t in report.tenders:
                    data[f"{t.method}_sales"] = t.sales
                    data[f"{t.method}_refunds"] = t.refunds
                return self._result(command, "done", data=data)
            if isinstance(command, DeviceTestPrint):
                printer = rt.devices.printer
                if printer is None:
                    return self._result(command, "failed", "no printer configured")
                await printer.print_text(
                    f"test:{command.command_id}", [command.text or "Yago POS test print", str(utcnow())]
                )
                return self._result(command, "done")
            if isinstance(command, CatalogReload):
                if rt.sync is not None and await rt.sync.reapply_catalog():
                    return self._result(command, "done", data={"version": rt.catalog.version})
                return self._result(command, "failed", "no newer catalog received")
            if isinstance(command, ConfigUpdate):
                return self._result(command, "rejected", "settings are changed in the register's config file")
            return self._result(command, "rejected", f"{type(command).__name__} is not supported")
        except DeviceError as exc:
            return self._result(command, "failed", f"{exc.kind}: {exc.message}")
