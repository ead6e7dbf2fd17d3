"""Fiscal registrars: the ATOL driver over its Web Server, behind :class:`drivers.base.FiscalRegistrar`."""

from drivers.fiscal.atol import AtolWebServerRegistrar

__all__ = ["AtolWebServerRegistrar"]
