"""USB bulk transport over pyusb for printers without a serial or network interface.

Thin on purpose: find by vendor/product id, detach the kernel's usblp, claim, bulk write and read.
"""

from __future__ import annotations

import contextlib
from typing import Any

from drivers.errors import DeviceTimeout, DeviceUnavailable
from drivers.transport._base import BlockingTransport


class UsbTransport(BlockingTransport):
    def __init__(
        self,
        vendor_id: int,
        product_id: int,
        *,
        interface: int = 0,
        in_endpoint: int = 0x82,
        out_endpoint: int = 0x01,
        serial_number: str | None = None,
    ) -> None:
        super().__init__()
        self.vendor_id = vendor_id
        self.product_id = product_id
        self.interface = interface
        self.in_endpoint = in_endpoint
        self.out_endpoint = out_endpoint
        self.serial_number = serial_number
        self._device: Any = None  # usb.core.Device; pyusb ships no type information

    @property
    def name(self) -> str:
        return f"usb://{self.vendor_id:04x}:{self.product_id:04x}"

    @property
    def is_open(self) -> bool:
        return self._device is not None

    def _open(self) -> None:
        import usb.core
        import usb.util

        try:
            criteria: dict[str, Any] = {"idVendor": self.vendor_id, "idProduct": self.product_id}
            if self.serial_number is not None:
                criteria["serial_number"] = self.serial_number
            device = usb.core.find(**criteria)
            if device is None:
                raise DeviceUnavailable(f"{self.name}: no such device")
            try:
                if device.is_kernel_driver_active(self.interface):
                    device.detach_kernel_driver(self.interface)
            except NotImplementedError:
                pass  # backends without kernel-driver control (not Linux)
            # already configured by an earlier open: re-configuring a claimed device fails harmlessly
            with contextlib.suppress(usb.core.USBError):
                device.set_configuration()
            usb.util.claim_interface(device, self.interface)
        except DeviceUnavailable:
            raise
        except (usb.core.USBError, usb.core.NoBackendError, ValueError, OSError) as exc:
            raise DeviceUnavailable(f"{self.name}: cannot open: {exc}") from exc
        self._device = device

    def _close(self) -> None:
        import usb.util

        device, self._device = self._device, None
        if device is not None:
            try:
                usb.util.release_interface(device, self.interface)
                usb.util.dispose_resources(device)
            except Exception:  # noqa: S110 - an unplugged device cannot be released; nothing to do
                pass

    def _write(self, data: bytes, timeout: float) -> None:
        import usb.core

        try:
            self._device.write(self.out_endpoint, data, timeout=max(1, int(timeout * 1000)))
        except usb.core.USBTimeoutError as exc:
            raise DeviceTimeout(f"{self.name}: write did not finish within {timeout:.3g}s") from exc
        except usb.core.USBError as exc:
            raise DeviceUnavailable(f"{self.name}: write failed: {exc}") from exc

    def _read(self, n: int, timeout: float) -> bytes:
        import usb.core

        try:
            return bytes(self._device.read(self.in_endpoint, n, timeout=max(1, int(timeout * 1000))))
        except usb.core.USBTimeoutError:
            return b""
        except usb.core.USBError as exc:
            raise DeviceUnavailable(f"{self.name}: read failed: {exc}") from exc

    def _reset_input(self) -> None:
        for _ in range(16):  # bounded: a chatty device must not hold us here
            if not self._read(64, 0.01):
                return
