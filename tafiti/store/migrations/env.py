"""Alembic environment: runs tafiti's migrations on the connection ``tafiti.store.db`` passes.

Without a connection (the ``alembic`` command line), it connects to the
``database_url`` setting.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from tafiti.store.models import Base

target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things; batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return

    from tafiti.store.db import create_database_engine

    engine = create_database_engine(
        context.config.get_main_option("sqlalchemy.url") or _settings_url()
    )
    try:
        with engine.connect() as connection:
            _run(connection)
            connection.commit()
    finally:
        engine.dispose()


def _settings_url() -> str:
    from tafiti.config import get_settings

    return get_settings().database_url


if context.is_offline_mode():
    raise SystemExit("tafiti's migrations run online only: use `tafiti db upgrade`")
_run_online()
