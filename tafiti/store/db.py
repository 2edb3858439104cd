"""Database engines and schema migrations.

``get_engine()`` opens the database of ``TAFITI_DATABASE_URL`` (SQLite or
MySQL/MariaDB through PyMySQL) and brings its schema to the newest Alembic
revision the first time this process opens that URL. ``tafiti db upgrade``
runs :func:`upgrade` on its own.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from tafiti.errors import ConfigError, StoreError

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# How long a connection waits for a lock another connection holds (a second
# sync writing, a migration running) before its statement fails.
LOCK_TIMEOUT_SECONDS = 600

# Execution option: begin this connection's transactions with BEGIN IMMEDIATE on
# SQLite, which takes the database's write lock at once instead of at the first
# write, so two writers cannot both read "not stored yet" and then both insert.
IMMEDIATE = "tafiti_begin_immediate"

# SQLite page cache per connection, in KiB (PRAGMA cache_size takes a negative
# number as KiB). SQLite's default of 2 MB is far smaller than the random-order
# identity index of a large group (an estimated 40 MB for 1,000,000 messages),
# so without it most inserts read index pages from the file.
SQLITE_CACHE_KIB = 64 * 1024

# Statement parameters are chat text and names, so database errors, logs and
# the failed-file rows published in the reports index leave them out.
HIDE_PARAMETERS = True

# The newest migration's revision. get_engine loads Alembic only when the
# database's revision differs. A test checks this against the migrations folder.
HEAD_REVISION = "0002"

_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def get_engine(url: str | URL | None = None) -> Engine:
    """Return the engine for ``url`` (default: the ``database_url`` setting), migrated to head.

    Engines are cached per URL for the life of the process; the first call for
    a URL applies any pending migration. A database already at the newest
    revision is not locked or touched, so a report kernel starts without Alembic.
    """
    if url is None:
        from tafiti.config import get_settings

        url = get_settings().database_url
    key = make_url(url).render_as_string(hide_password=False) if isinstance(url, URL) else url

    with _engines_lock:
        engine = _engines.get(key)
        if engine is None:
            engine = create_database_engine(key)
            if _stored_revision(engine) != HEAD_REVISION:
                upgrade(engine)
            _engines[key] = engine
    return engine


def _stored_revision(engine: Engine) -> str | None:
    """Return the revision in the database's alembic_version table, or None without one."""
    try:
        with engine.connect() as connection:
            return connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    except SQLAlchemyError:
        return None


def dispose_engines() -> None:
    """Close every cached engine's connections and forget the engines."""
    with _engines_lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def create_database_engine(url: str | URL) -> Engine:
    """Create an engine for ``url`` with tafiti's connection settings, without migrating."""
    try:
        parsed = make_url(url)
    except ArgumentError as error:
        raise ConfigError(f"TAFITI_DATABASE_URL={url!r} is not a database URL: {error}") from error

    backend = parsed.get_backend_name()
    try:
        if backend == "sqlite":
            return _sqlite_engine(parsed)
        if backend in ("mysql", "mariadb"):
            return _mysql_engine(parsed)
    except NoSuchModuleError as error:
        raise ConfigError(f"TAFITI_DATABASE_URL: no driver for {parsed.drivername!r}") from error
    raise ConfigError(
        f"TAFITI_DATABASE_URL: unsupported database {backend!r}; "
        "use sqlite:///path or mysql+pymysql://user:password@host/database"
    )


def _sqlite_engine(url: URL) -> Engine:
    if url.database and url.database != ":memory:" and not url.database.startswith("file:"):
        folder = Path(url.database).parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise ConfigError(
                f"TAFITI_DATABASE_URL={url.render_as_string()!r}: cannot create the "
                f"database's folder {folder}: {error.strerror}"
            ) from error
    engine = create_engine(
        url, connect_args={"timeout": LOCK_TIMEOUT_SECONDS}, hide_parameters=HIDE_PARAMETERS
    )

    @event.listens_for(engine, "connect")
    def _configure_connection(dbapi_connection: Any, _record: Any) -> None:
        # Hand transaction control to SQLAlchemy's "begin" event below; the
        # sqlite3 module would otherwise open transactions on its own.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={LOCK_TIMEOUT_SECONDS * 1000}")
        cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        if connection.get_execution_options().get(IMMEDIATE):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")

    return engine


def _mysql_engine(url: URL) -> Engine:
    if url.get_driver_name() != "pymysql":
        url = url.set(drivername=f"{url.get_backend_name()}+pymysql")
    if url.query.get("charset") != "utf8mb4":
        url = url.update_query_dict({"charset": "utf8mb4"})
    engine = create_engine(
        url,
        pool_pre_ping=True,
        pool_recycle=3600,
        hide_parameters=HIDE_PARAMETERS,
        # Each statement reads what other transactions committed before it, so a
        # sync that waited for the lock reads the rows the other sync wrote.
        isolation_level="READ COMMITTED",
    )

    @event.listens_for(engine, "connect")
    def _configure_connection(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"SET SESSION innodb_lock_wait_timeout = {LOCK_TIMEOUT_SECONDS}")
        # Strict mode makes a value that does not fit an error instead of a
        # silently truncated row.
        cursor.execute(
            "SET SESSION sql_mode = CONCAT_WS(',', NULLIF(@@sql_mode, ''), 'STRICT_TRANS_TABLES')"
        )
        cursor.close()

    return engine


def is_mysql(engine_or_connection: Engine | Connection) -> bool:
    return engine_or_connection.dialect.name in ("mysql", "mariadb")


def upgrade(engine_or_url: Engine | str | URL, revision: str = "head") -> None:
    """Apply the Alembic migrations up to ``revision`` (default: the newest).

    Safe to run from several processes at once: the first takes a lock (a
    named lock on MySQL, the write lock on SQLite) and the others wait, then
    find nothing left to do.
    """
    engine = (
        engine_or_url
        if isinstance(engine_or_url, Engine)
        else create_database_engine(engine_or_url)
    )
    try:
        with _quiet_alembic(), engine.connect() as connection, _migration_lock(connection):
            # Imported here, quietened: Alembic logs its plugin setup at import time.
            from alembic import command
            from alembic.migration import MigrationContext

            before = MigrationContext.configure(connection).get_current_revision()
            command.upgrade(alembic_config(connection), revision)
            after = MigrationContext.configure(connection).get_current_revision()
            connection.commit()
    except ConfigError:
        raise
    except Exception as error:
        where = engine.url.render_as_string(hide_password=True)
        raise StoreError(f"{where}: database migration failed: {error}") from error
    finally:
        if engine is not engine_or_url:
            engine.dispose()
    if before != after:
        where = engine.url.render_as_string(hide_password=True)
        log.info("migrated database %s from revision %s to %s", where, before or "(empty)", after)


def current_revision(engine: Engine) -> str | None:
    """Return the database's Alembic revision, or ``None`` for a database never migrated."""
    with _quiet_alembic(), engine.connect() as connection:
        from alembic.migration import MigrationContext

        return MigrationContext.configure(connection).get_current_revision()


def alembic_config(connection: Connection | None = None) -> Config:
    """Build an Alembic configuration for tafiti's migrations, without an ``alembic.ini`` file.

    ``env.py`` runs the migrations on ``connection`` when one is given.
    """
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


@contextmanager
def _quiet_alembic() -> Iterator[None]:
    """Keep Alembic's per-step INFO lines out of tafiti's log; :func:`upgrade` logs the outcome."""
    alembic_log = logging.getLogger("alembic")
    level = alembic_log.level
    alembic_log.setLevel(logging.WARNING)
    try:
        yield
    finally:
        alembic_log.setLevel(level)


@contextmanager
def _migration_lock(connection: Connection) -> Iterator[None]:
    if not is_mysql(connection):
        # The migrations run inside this transaction, which holds the write lock.
        connection.execution_options(**{IMMEDIATE: True})
        connection.begin()
        yield
        return

    # GET_LOCK names are server-wide, so the name includes the database.
    name = f"tafiti-migrate:{connection.exec_driver_sql('SELECT DATABASE()').scalar()}"
    acquired = connection.exec_driver_sql(
        "SELECT GET_LOCK(%s, %s)", (name, LOCK_TIMEOUT_SECONDS)
    ).scalar()
    if acquired != 1:
        raise StoreError(f"timed out after {LOCK_TIMEOUT_SECONDS} s waiting for lock {name!r}")
    try:
        yield
    finally:
        connection.commit()
        connection.exec_driver_sql("SELECT RELEASE_LOCK(%s)", (name,))
        connection.commit()
