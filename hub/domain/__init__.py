"""The hub's domains; each has its own router, services, schemas and dependencies."""
