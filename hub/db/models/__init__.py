"""Every hub model, imported here so the metadata is complete wherever the models are used."""

from hub.db.models import auth, catalog, ingest, tenancy

__all__ = ["auth", "catalog", "ingest", "tenancy"]
