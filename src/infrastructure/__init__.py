"""Adapters for the domain's ports (PostgreSQL, bcrypt, JWT, clock), configuration, the embedded
PostgreSQL launcher, the command line, and the composition root (container.py)."""
