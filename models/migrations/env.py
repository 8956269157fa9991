"""Alembic environment: the URL comes from the caller (models.migrate), never from a file."""

from __future__ import annotations

from alembic import context

from models import Base
from models.db import make_engine

config = context.config
url = config.get_main_option("sqlalchemy.url")


def run() -> None:
    """Run migrations online against the configured URL."""
    assert url, "models.migrate sets sqlalchemy.url"
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run()
