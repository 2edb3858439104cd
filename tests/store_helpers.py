"""Helpers for the store tests: hand-written exports, a counting source, table snapshots."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from tafiti.sources import LocalFolderSource, Source, SourceFile
from tafiti.store.models import Event, ExportFile, Group, Message, Participant

PROJECT_ROOT = Path(__file__).resolve().parent.parent
AUTHORS = ("Amina Njeri", "Baraka Otieno", "Chausiku Wafula")
START = datetime(2024, 3, 13, 8, 0)


def export_line(timestamp: datetime, author: str | None, text: str) -> str:
    """One line of an Android export with a 24-hour clock and day-first dates."""
    stamp = timestamp.strftime("%d/%m/%Y, %H:%M")
    return f"{stamp} - {text}" if author is None else f"{stamp} - {author}: {text}"


def write_export(path: Path, messages: list[tuple[datetime, str | None, str]]) -> Path:
    """Write ``messages`` as an Android export at ``path`` and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(export_line(*message) for message in messages) + "\n", "utf-8")
    return path


def numbered_messages(count: int, start: datetime = START) -> list[tuple[datetime, str, str]]:
    """``count`` distinct messages, one a minute from ``start``, from three senders in turn.

    The first day is the 13th, so the export's dates read as day-first whatever
    the date order setting.
    """
    return [
        (start + timedelta(minutes=index), AUTHORS[index % 3], f"Ujumbe nambari {index + 1}")
        for index in range(count)
    ]


class CountingSource(Source):
    """A local folder that counts how often each file is fetched."""

    scheme = "counting"

    def __init__(self, root: Path):
        self.inner = LocalFolderSource(root)
        self.fetched: list[str] = []

    @property
    def url(self) -> str:
        return self.inner.url

    def list_files(self) -> list[SourceFile]:
        return self.inner.list_files()

    def fetch(self, file: SourceFile) -> bytes:
        self.fetched.append(file.key)
        return self.inner.fetch(file)


def count_rows(engine: Engine, model: Any) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(model.__table__)).scalar_one()


def stored_records(engine: Engine, slug: str) -> list[tuple[str, str | None, str, str, str | None]]:
    """The group's messages and events as sorted (timestamp, author, text, kind, event) tuples."""
    messages = Message.__table__
    events = Event.__table__
    participants = Participant.__table__
    groups = Group.__table__
    with engine.connect() as connection:
        group_id = connection.execute(select(groups.c.id).where(groups.c.slug == slug)).scalar_one()
        message_rows = connection.execute(
            select(messages.c.timestamp, participants.c.name, messages.c.text, messages.c.kind)
            .join(participants, participants.c.id == messages.c.participant_id)
            .where(messages.c.group_id == group_id)
        ).all()
        event_rows = connection.execute(
            select(events.c.timestamp, events.c.text, events.c.type).where(
                events.c.group_id == group_id
            )
        ).all()
    records = [(row[0].isoformat(), row[1], row[2], row[3], None) for row in message_rows]
    records += [(row[0].isoformat(), None, row[1], "event", row[2]) for row in event_rows]
    return sorted(records, key=_sort_key)


def expected_records(case_file: Path) -> list[tuple[str, str | None, str, str, str | None]]:
    """The records of a corpus ``.expected.json`` file in the form of :func:`stored_records`."""
    document = json.loads(case_file.read_text("utf-8"))
    records = [
        (
            record["timestamp"],
            record["author"],
            record["text"],
            record["kind"],
            record.get("event") if record["kind"] == "event" else None,
        )
        for record in document["records"]
    ]
    return sorted(records, key=_sort_key)


def _sort_key(record: tuple[str, str | None, str, str, str | None]) -> tuple[str, ...]:
    return tuple("" if value is None else value for value in record)


def table_snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the group, participant, message and event tables, by table."""
    snapshot = {}
    with engine.connect() as connection:
        for model in (Group, Participant, Message, Event):
            table = model.__table__
            rows = connection.execute(select(table).order_by(*table.primary_key.columns)).all()
            snapshot[table.name] = [tuple(row) for row in rows]
    return snapshot


def export_file_rows(engine: Engine) -> list[Any]:
    table = ExportFile.__table__
    with engine.connect() as connection:
        return connection.execute(select(table).order_by(table.c.key)).all()


# A sync run in a process of its own. Its arguments are the exports folder, the
# database URL and the group metadata file, and it prints the summary as JSON.
# The language guess is made unavailable, so the store leaves it NULL, because
# loading its model takes seconds in every new process.
SYNC_SCRIPT = """
import json, sys
sys.modules["tafiti.language"] = None
from dataclasses import asdict
from pathlib import Path
from tafiti.config import configure
from tafiti.sources import LocalFolderSource
from tafiti.store.db import get_engine
from tafiti.store.sync import sync_source

settings = configure(groups_file=Path(sys.argv[3]))
summary = sync_source(LocalFolderSource(Path(sys.argv[1])), get_engine(sys.argv[2]), settings)
print(json.dumps(asdict(summary)))
"""


def start_sync_process(
    folder: Path, database_url: str, groups_file: Path, env: dict[str, str]
) -> subprocess.Popen[str]:
    """Start a sync of ``folder`` in a new Python process with ``env`` added to its environment."""
    return subprocess.Popen(
        [sys.executable, "-c", SYNC_SCRIPT, str(folder), database_url, str(groups_file)],
        env={**os.environ, **env},
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_files(folder: Path, pattern: str, process: subprocess.Popen[str]) -> list[Path]:
    """Wait for a file matching ``pattern`` in ``folder``; fail if ``process`` ends first."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        found = sorted(folder.glob(pattern))
        if found:
            return found
        if process.poll() is not None:
            _, stderr = process.communicate()
            raise AssertionError(f"sync process ended before {pattern}: {stderr}")
        time.sleep(0.05)
    raise AssertionError(f"no {pattern} in {folder} within 120 s")
