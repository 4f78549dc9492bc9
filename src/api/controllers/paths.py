import re
from uuid import UUID

from api.schemas import UUID_PATTERN
from domain.errors import ClassNotFound

# Only the canonical spelling (any letter case): Python's UUID() also takes braces, no dashes
# and a "urn:uuid:" prefix, which the contract does not count as UUIDs.
_CANONICAL_UUID = re.compile(UUID_PATTERN)


def uuid_or_none(raw: str) -> UUID | None:
    """A path id checked after the class (a bad one then names nothing: 404)."""
    return UUID(raw) if _CANONICAL_UUID.match(raw) else None


def class_id_from_path(raw: str) -> UUID:
    """A path id that is not a UUID names no class."""
    class_id = uuid_or_none(raw)
    if class_id is None:
        raise ClassNotFound(raw)
    return class_id
