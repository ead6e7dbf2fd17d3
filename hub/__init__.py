"""The central hub: tenancy, auth, catalog publishing, enrollment, idempotent MQTT ingest, fleet, orders."""
