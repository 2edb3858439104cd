"""Schema migrations: an empty database reaches the newest revision on SQLite and MariaDB."""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from click.testing import CliRunner

from tafiti.store.db import (
    HEAD_REVISION,
    alembic_config,
    create_database_engine,
    current_revision,
    dispose_engines,
    get_engine,
    upgrade,
)
from tafiti.store.models import Base

STORE_TABLES = {"groups", "participants", "export_files", "messages", "events", "locks"}


@pytest.fixture(autouse=True)
def _dispose_engines():
    yield
    dispose_engines()


def _head() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_empty_database_upgrades_to_head(database_url):
    engine = create_database_engine(database_url)
    assert current_revision(engine) is None

    upgrade(engine)

    assert current_revision(engine) == _head()
    tables = set(sqlalchemy.inspect(engine).get_table_names())
    assert STORE_TABLES <= tables
    with engine.connect() as connection:
        differences = compare_metadata(
            MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata
        )
        lock_rows = connection.exec_driver_sql("SELECT name FROM locks").scalars().all()
    engine.dispose()
    assert differences == []
    assert lock_rows == ["sync"]


def test_upgrade_twice_changes_nothing(database_url):
    engine = create_database_engine(database_url)
    upgrade(engine)

    upgrade(engine)

    assert current_revision(engine) == _head()
    engine.dispose()


def test_head_revision_constant_matches_migrations():
    assert HEAD_REVISION == _head()


def test_get_engine_skips_alembic_at_head(database_url, monkeypatch):
    upgrade(create_database_engine(database_url))
    calls = []
    monkeypatch.setattr("tafiti.store.db.upgrade", lambda engine: calls.append(engine))

    engine = get_engine(database_url)

    assert calls == []
    assert current_revision(engine) == _head()


def test_get_engine_migrates_on_first_use(database_url):
    engine = get_engine(database_url)

    assert current_revision(engine) == _head()


def test_db_upgrade_command(database_url, settings):
    from tafiti.cli import main

    result = CliRunner().invoke(main, ["--database-url", database_url, "db", "upgrade"])

    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith(f"is at revision {_head()}")
    engine = create_database_engine(database_url)
    assert current_revision(engine) == _head()
    engine.dispose()


@pytest.mark.mysql
def test_mysql_tables_are_utf8mb4_with_long_text(mysql_url):
    engine = get_engine(mysql_url)
    with engine.connect() as connection:
        collations = dict(
            connection.exec_driver_sql(
                "SELECT table_name, table_collation FROM information_schema.tables "
                "WHERE table_schema = DATABASE()"
            ).all()
        )
        text_types = dict(
            connection.exec_driver_sql(
                "SELECT table_name, data_type FROM information_schema.columns "
                "WHERE table_schema = DATABASE() AND column_name = 'text'"
            ).all()
        )
        identity_type = connection.exec_driver_sql(
            "SELECT column_type FROM information_schema.columns WHERE table_schema = DATABASE() "
            "AND table_name = 'messages' AND column_name = 'identity'"
        ).scalar_one()

    for table in STORE_TABLES:
        assert collations[table].startswith("utf8mb4_"), table
    assert text_types == {"messages": "longtext", "events": "longtext"}
    assert identity_type == "binary(16)"


@pytest.mark.mysql
def test_mysql_report_queries_use_group_time_index(mysql_url):
    engine = get_engine(mysql_url)
    with engine.connect() as connection:
        indexes = {
            (table, index): columns
            for table, index, columns in connection.exec_driver_sql(
                "SELECT table_name, index_name, "
                "GROUP_CONCAT(column_name ORDER BY seq_in_index) "
                "FROM information_schema.statistics WHERE table_schema = DATABASE() "
                "GROUP BY table_name, index_name"
            ).all()
        }

    assert indexes[("messages", "ix_messages_group_time")] == "group_id,timestamp"
    assert indexes[("events", "ix_events_group_time")] == "group_id,timestamp"
    assert indexes[("messages", "uq_message_identity")] == "identity,group_id"
    assert indexes[("events", "uq_event_identity")] == "identity,group_id"
    assert ("messages", "ix_messages_identity") not in indexes
    assert ("events", "ix_events_identity") not in indexes


def test_identity_key_migration_keeps_rows_and_rule(database_url):
    engine = create_database_engine(database_url)
    upgrade(engine, "0001")
    tables = Base.metadata.tables
    moment = datetime(2024, 1, 1, 9, 15)
    message = {"identity": bytes(range(16)), "timestamp": moment, "kind": "message"}
    message |= {"text": "Habari", "deleted": False}
    with engine.begin() as connection:
        for group_id in (1, 2):
            connection.execute(
                tables["groups"].insert(),
                {"id": group_id, "slug": f"g{group_id}", "name": "G", "name_source": "export"}
                | {"created_at": moment, "updated_at": moment},
            )
            connection.execute(
                tables["participants"].insert(),
                {"id": group_id, "group_id": group_id, "name": "Amina"}
                | {"canonical_name": "Amina", "is_facilitator": False},
            )
        connection.execute(
            tables["messages"].insert(), {**message, "group_id": 1, "participant_id": 1}
        )

    upgrade(engine)

    with engine.begin() as connection:
        connection.execute(
            tables["messages"].insert(), {**message, "group_id": 2, "participant_id": 2}
        )
    with pytest.raises(sqlalchemy.exc.IntegrityError), engine.begin() as connection:
        connection.execute(
            tables["messages"].insert(), {**message, "group_id": 1, "participant_id": 1}
        )
    with engine.connect() as connection:
        stored = connection.execute(
            sqlalchemy.select(tables["messages"].c.group_id, tables["messages"].c.text).order_by(
                tables["messages"].c.group_id
            )
        ).all()
    engine.dispose()
    assert [tuple(row) for row in stored] == [(1, "Habari"), (2, "Habari")]
