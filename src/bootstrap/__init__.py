"""The composition root: the one place that sees services and adapters together, builds them
(container), serves them (the ASGI entry point) and runs them (the CLI)."""
