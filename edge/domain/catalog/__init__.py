"""The catalog cache: the last good location snapshot, kept in tables and in memory, applied atomically."""
