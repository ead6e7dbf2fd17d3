"""The register's SQLite database: engine and sessions, tables, the outbox writer and migrations."""
