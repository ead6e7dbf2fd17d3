"""The register agent: API, pages, checkout saga, shift, SQLite, MQTT sync and the technician console."""
