"""Fleet health: each register's presence, software and catalog versions, backlog and devices."""
