"""The register's domains (catalog, auth, orders, checkout, shifts, ops): services hold the logic and
all database access, controllers are thin Litestar routers over them."""
