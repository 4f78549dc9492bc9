"""The cross-process event bus: PostgreSQL LISTEN/NOTIFY."""
