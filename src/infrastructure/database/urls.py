from sqlalchemy.engine import make_url


def async_url(database_url: str) -> str:
    """postgres:// or postgresql:// URLs, as the spec writes them, for SQLAlchemy on asyncpg
    (migrations)."""
    url = make_url(database_url.replace("postgres://", "postgresql://", 1))
    return url.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


def plain_url(database_url: str) -> str:
    """The URL as asyncpg itself takes it (no driver suffix)."""
    url = make_url(database_url.replace("postgres://", "postgresql://", 1))
    return url.set(drivername="postgresql").render_as_string(hide_password=False)
