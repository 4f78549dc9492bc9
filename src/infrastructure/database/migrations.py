"""Alembic, driven from code: upgrade at start-up, and the db:* commands of the CLI."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

# The alembic scripts live in the repository's top-level alembic/ folder; the wheel carries
# them as infrastructure/database/schema_migrations (pyproject.toml), so an installed package
# migrates too. In a checkout there is no such folder here, and the repository's is used, so
# `live-attendance makemigration` writes new revisions into alembic/versions.
PACKAGED_SCRIPTS = Path(__file__).resolve().parent / "schema_migrations"
CHECKOUT_SCRIPTS = Path(__file__).resolve().parents[3] / "alembic"


def scripts_folder() -> Path:
    """Where the migrations are: inside the installed package, else in the checkout."""
    # By a file in it: a checkout made before the move may keep the folder with only its
    # __pycache__ left in it.
    return PACKAGED_SCRIPTS if (PACKAGED_SCRIPTS / "env.py").is_file() else CHECKOUT_SCRIPTS


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(scripts_folder()))
    config.set_main_option("file_template", "%%(year)d%%(month).2d%%(day).2d_%%(rev)s_%%(slug)s")
    config.attributes["database_url"] = database_url
    return config


def upgrade_to_head(database_url: str) -> None:
    command.upgrade(alembic_config(database_url), "head")


def generate_revision(database_url: str, message: str) -> None:
    """Compares the models with the migrated database and writes a new revision."""
    command.revision(alembic_config(database_url), message=message, autogenerate=True)


def head_revisions() -> frozenset[str]:
    """The revisions a fully migrated database is at (what `alembic_version` holds)."""
    return frozenset(ScriptDirectory.from_config(alembic_config("")).get_heads())
