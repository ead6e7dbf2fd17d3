"""Byte-pipe transports for devices: TCP (raw 9100, ZVT), serial (pyserial, also a pty) and USB (pyusb).

Each one opens, closes, writes and reads with an explicit timeout; blocking calls run off the event loop.
Protocols (ESC/POS, ZVT framing) live above them and only see :class:`Transport` and :mod:`drivers.errors`.
"""

from drivers.transport._base import BlockingTransport, Transport
from drivers.transport.serial import SerialTransport
from drivers.transport.tcp import TcpTransport
from drivers.transport.usb import UsbTransport

__all__ = ["BlockingTransport", "SerialTransport", "TcpTransport", "Transport", "UsbTransport"]
