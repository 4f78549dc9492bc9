"""Alembic, driven from code: upgrade at start-up, and the db:* commands of the CLI."""

from pathlib import Path

from alembic import command
from alembic.config import Config

PROJECT_ROOT = Path(__file__).resolve().parents[3]


def alembic_config(database_url: str) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["database_url"] = database_url
    return config


def upgrade_to_head(database_url: str) -> None:
    command.upgrade(alembic_config(database_url), "head")


def generate_revision(database_url: str, message: str) -> None:
    """Compares the models with the migrated database and writes a new revision."""
    command.revision(alembic_config(database_url), message=message, autogenerate=True)
