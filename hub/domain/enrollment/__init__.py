"""Register enrollment: one-time codes issued by admins, traded by a register box for its identity,
broker credentials and the location's staff."""
