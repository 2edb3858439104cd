"""What a sync records and reports about the files that fail."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy
from store_helpers import (
    export_file_rows,
    numbered_messages,
    start_sync_process,
    wait_for_files,
    write_export,
)

from tafiti.errors import ConfigError
from tafiti.sources import LocalFolderSource
from tafiti.store.db import create_database_engine, dispose_engines, get_engine
from tafiti.store.sync import PAUSE_ENV, sync_source


@pytest.fixture(autouse=True)
def _dispose_engines():
    yield
    dispose_engines()


@pytest.mark.mysql
def test_lost_connection_error_holds_no_chat_text(mysql_url, settings, tmp_path):
    exports = Path(settings.source)
    write_export(exports / "WhatsApp Chat with Mauzo.txt", numbered_messages(2500))
    pause = tmp_path / "pause"
    pause.mkdir()
    process = start_sync_process(exports, mysql_url, settings.groups_file, {PAUSE_ENV: str(pause)})
    (paused,) = wait_for_files(pause, "paused-*", process)

    admin = sqlalchemy.create_engine(mysql_url)
    with admin.connect() as connection:
        connection.exec_driver_sql(f"KILL {int(paused.read_text())}")
    admin.dispose()
    (pause / "resume").touch()
    stdout, stderr = process.communicate(timeout=120)

    assert process.returncode == 0, stderr
    (error,) = json.loads(stdout)["errors"]
    (row,) = export_file_rows(get_engine(mysql_url))
    assert row.status == "failed"
    for text in (row.error, error, stderr):
        assert "Lost connection" in text or "gone away" in text
        assert "Ujumbe nambari" not in text
        assert "Amina Njeri" not in text
    assert "INSERT INTO" not in row.error


def test_summary_names_failed_file_once(settings):
    exports = Path(settings.source)
    write_export(exports / "good.txt", numbered_messages(2))
    (exports / "empty.txt").write_bytes(b"")
    (exports / "notes.txt").write_text("shopping list\nmilk\n", "utf-8")

    summary = sync_source(LocalFolderSource(exports), get_engine(settings.database_url), settings)

    assert len(summary.errors) == 2
    assert summary.errors[0] == "empty.txt: the file is empty"
    assert summary.errors[1].startswith("notes.txt: not a WhatsApp chat export")
    assert summary.errors[1].count("notes.txt") == 1


def test_sqlite_folder_not_creatable_names_setting(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the database folder should be", "utf-8")
    url = f"sqlite:///{blocker / 'tafiti.sqlite'}"

    with pytest.raises(ConfigError) as raised:
        create_database_engine(url)

    assert "TAFITI_DATABASE_URL" in str(raised.value)
    assert str(blocker) in str(raised.value)
