"""Crash safety and concurrency of the sync, with syncs running in processes of their own.

The sync's test hooks (``TAFITI_TEST_PAUSE_AFTER_BATCH``, ``TAFITI_TEST_BARRIER``)
stop a sync process at a known point: after its first batch insert, or before
it takes the write lock.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
from pathlib import Path

import pytest
import sqlalchemy
from store_helpers import (
    count_rows,
    expected_records,
    export_file_rows,
    numbered_messages,
    start_sync_process,
    stored_records,
    wait_for_files,
    write_export,
)

from tafiti.sources import LocalFolderSource
from tafiti.store.db import dispose_engines, get_engine
from tafiti.store.importer import BATCH_SIZE
from tafiti.store.models import ExportFile, Group, Message, Participant
from tafiti.store.queries import list_groups
from tafiti.store.sync import BARRIER_ENV, PAUSE_ENV, sync_source

MESSAGES = 2 * BATCH_SIZE + 500
DUKA = "WhatsApp Chat with Duka Bora C5 - Kisumu"


@pytest.fixture(autouse=True)
def _dispose_engines():
    yield
    dispose_engines()


@pytest.fixture()
def big_export(settings) -> Path:
    """An exports folder with one export of more messages than one batch holds."""
    assert MESSAGES > 2 * BATCH_SIZE
    folder = Path(settings.source)
    write_export(folder / "WhatsApp Chat with Mauzo.txt", numbered_messages(MESSAGES))
    return folder


def _assert_nothing_stored(engine) -> None:
    assert count_rows(engine, Message) == 0
    assert count_rows(engine, Participant) == 0
    assert count_rows(engine, Group) == 0


def _assert_imported_whole(engine, folder: Path, settings) -> None:
    summary = sync_source(LocalFolderSource(folder), engine, settings)

    assert (summary.imported, summary.failed) == (1, 0)
    assert summary.new_messages == MESSAGES
    assert count_rows(engine, Message) == MESSAGES
    (row,) = export_file_rows(engine)
    assert (row.status, row.new_records, row.known_records) == ("imported", MESSAGES, 0)


def test_killed_sync_leaves_nothing_of_the_file(database_url, settings, big_export, tmp_path):
    pause = tmp_path / "pause"
    pause.mkdir()
    process = start_sync_process(
        big_export, database_url, settings.groups_file, {PAUSE_ENV: str(pause)}
    )
    wait_for_files(pause, "paused-*", process)

    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=60)

    assert process.returncode == -signal.SIGKILL
    engine = get_engine(database_url)
    _assert_nothing_stored(engine)
    assert count_rows(engine, ExportFile) == 0
    _assert_imported_whole(engine, big_export, settings)


@pytest.mark.mysql
def test_killed_connection_fails_the_file_alone(mysql_url, settings, big_export, tmp_path):
    pause = tmp_path / "pause"
    pause.mkdir()
    process = start_sync_process(
        big_export, mysql_url, settings.groups_file, {PAUSE_ENV: str(pause)}
    )
    (paused,) = wait_for_files(pause, "paused-*", process)
    connection_id = int(paused.read_text())

    admin = sqlalchemy.create_engine(mysql_url)
    with admin.connect() as connection:
        connection.exec_driver_sql(f"KILL {connection_id}")
    admin.dispose()
    (pause / "resume").touch()
    stdout, stderr = process.communicate(timeout=120)

    assert process.returncode == 0, stderr
    summary = json.loads(stdout)
    assert (summary["imported"], summary["failed"]) == (0, 1)
    engine = get_engine(mysql_url)
    _assert_nothing_stored(engine)
    (row,) = export_file_rows(engine)
    assert row.status == "failed"
    assert "Lost connection" in row.error or "gone away" in row.error
    _assert_imported_whole(engine, big_export, settings)


def test_concurrent_syncs_store_each_message_once(database_url, settings, big_export, tmp_path):
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    env = {BARRIER_ENV: f"{hooks}:2", PAUSE_ENV: str(hooks)}
    processes = [
        start_sync_process(big_export, database_url, settings.groups_file, env) for _ in range(2)
    ]

    # The first process to take the lock pauses inside its import; the other
    # has passed the barrier too and must be waiting for the lock.
    (paused,) = wait_for_files(hooks, "paused-*", processes[0])
    assert len(list(hooks.glob("arrived-*"))) == 2
    waiting = [p for p in processes if f"paused-{p.pid}" != paused.name]
    assert len(waiting) == 1
    assert waiting[0].poll() is None
    (hooks / "resume").touch()
    outputs = [process.communicate(timeout=120) for process in processes]

    for process, (_, stderr) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, stderr
    summaries = [json.loads(stdout) for stdout, _ in outputs]
    assert sorted(summary["imported"] for summary in summaries) == [0, 1]
    assert sorted(summary["skipped"] for summary in summaries) == [0, 1]
    assert sum(summary["new_messages"] for summary in summaries) == MESSAGES
    engine = get_engine(database_url)
    assert count_rows(engine, Message) == MESSAGES
    assert count_rows(engine, Participant) == 3
    (row,) = export_file_rows(engine)
    assert row.new_records == MESSAGES


def test_concurrent_syncs_of_one_group_make_one_group(corpus, database_url, settings, tmp_path):
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    env = {BARRIER_ENV: f"{hooks}:2"}
    processes = []
    for name in (DUKA, "WhatsApp Chat with Duka Bora Cohort 5"):
        folder = tmp_path / name
        folder.mkdir()
        shutil.copy(corpus / "resync" / f"{name}.txt", folder)
        processes.append(start_sync_process(folder, database_url, settings.groups_file, env))
    outputs = [process.communicate(timeout=120) for process in processes]

    for process, (_, stderr) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, stderr
    assert [json.loads(stdout)["imported"] for stdout, _ in outputs] == [1, 1]
    engine = get_engine(database_url)
    (group,) = list_groups(engine)
    assert group["name"] == "Duka Bora C5 - Kisumu"
    case = corpus / "cases" / f"{DUKA}.expected.json"
    assert stored_records(engine, group["slug"]) == expected_records(case)
