import secrets
from pathlib import Path


def load_or_create_jwt_secret(data_dir: Path) -> str:
    """The development secret: generated once, kept in the data directory so tokens survive
    restarts."""
    path = data_dir / "jwt-secret"
    if path.is_file():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    path.touch(mode=0o600)
    path.write_text(secret)
    return secret
