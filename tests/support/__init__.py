"""Test infrastructure shared by every suite: free ports, private Mosquitto brokers, fresh PostgreSQL databases."""
