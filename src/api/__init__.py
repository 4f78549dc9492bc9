"""The HTTP and WebSocket front: translates requests into service calls and results into the
contract's envelope. It decides nothing a service should decide."""
