from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ApiLimits:
    """What one client may send; every figure is a setting (see the README)."""

    max_body_bytes: int = 64 * 1024
    max_import_bytes: int = 8 * 2**20  # an import's file
    max_frame_bytes: int = 64 * 1024
    messages_per_second: float = 50
    message_burst: int = 500
    flood_grace_seconds: float = 2
    sockets_per_user: int = 10


DEFAULT_LIMITS = ApiLimits()
