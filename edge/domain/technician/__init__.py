"""The technician's API under ``/api/v1/tech``: device actions, sync and resend, recent logs, settings and
re-enrollment, the support bundle. The ``yago console`` app is its client; nothing else talks to it.
"""

from __future__ import annotations

from litestar import Router

from edge.domain.technician import logbuffer


def technician_router() -> Router:
    """The routes to mount under the API router; hooks the in-memory log buffer into logging as well."""
    from edge.domain.technician.controllers import TechnicianController

    logbuffer.install()
    return Router(path="/", route_handlers=[TechnicianController])


__all__ = ["technician_router"]
