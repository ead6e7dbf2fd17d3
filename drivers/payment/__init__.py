"""Card payment terminals. ``ZvtTerminal`` drives a ZVT (PA00P015) terminal over TCP or a serial line and
implements :class:`drivers.base.PaymentTerminal`."""

from drivers.payment.zvt.driver import SerialEndpoint, TcpEndpoint, ZvtTerminal

__all__ = ["SerialEndpoint", "TcpEndpoint", "ZvtTerminal"]
