"""ATOL fiscal registrar driver: JSON tasks (``tasks``), the Web Server client (``client``), recovery of
lost results (``recovery``) and the mapping of ATOL error codes (``errors``)."""

from drivers.fiscal.atol.client import AtolWebServerRegistrar

__all__ = ["AtolWebServerRegistrar"]
