from uuid import UUID

from domain.errors import ClassNotFound


def class_id_from_path(raw: str) -> UUID:
    """A path id that is not a UUID names no class."""
    try:
        return UUID(raw)
    except ValueError:
        raise ClassNotFound(raw) from None


def uuid_or_none(raw: str) -> UUID | None:
    """A path id checked after the class (a bad one then names nothing: 404)."""
    try:
        return UUID(raw)
    except ValueError:
        return None
