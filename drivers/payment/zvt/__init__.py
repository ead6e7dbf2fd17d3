"""ZVT ECR interface: the wire codec (APDUs, BMPs, TLV, serial framing) and the ECR-side driver."""

from drivers.payment.zvt.driver import SerialEndpoint, TcpEndpoint, ZvtTerminal

__all__ = ["SerialEndpoint", "TcpEndpoint", "ZvtTerminal"]
