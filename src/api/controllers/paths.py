from uuid import UUID

from domain.errors import ClassNotFound


def class_id_from_path(raw: str) -> UUID:
    """A path id that is not a UUID names no class."""
    try:
        return UUID(raw)
    except ValueError:
        raise ClassNotFound(raw) from None
