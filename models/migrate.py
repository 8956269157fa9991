"""Run Alembic migrations from code (`flask --app webapp init`, tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    """An Alembic config for `url` without an alembic.ini."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url)
    return config


def upgrade(url: str) -> None:
    """Migrate the database at `url` to the newest revision."""
    command.upgrade(alembic_config(url), "heads")  # process modules may add parallel branches


def revision(url: str, message: str) -> None:
    """Autogenerate a new revision against the database at `url` (developers only)."""
    command.revision(alembic_config(url), message=message, autogenerate=True)
