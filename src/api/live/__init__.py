"""The live attendance WebSocket: frame protocol, the registry of connected sockets, and the
`/ws` endpoint."""
