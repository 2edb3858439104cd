"""Export files that cannot be read, or change while a sync reads them, fail alone."""

from __future__ import annotations

from pathlib import Path

import pytest
from store_helpers import numbered_messages, write_export

from tafiti.config import configure
from tafiti.sources import LocalFolderSource, open_source
from tafiti.store.db import dispose_engines, get_engine
from tafiti.store.queries import list_export_files
from tafiti.store.sync import sync_source


@pytest.fixture()
def engine(settings):
    engine = get_engine(settings.database_url)
    yield engine
    dispose_engines()


def _deny_reading(monkeypatch: pytest.MonkeyPatch, denied: Path) -> None:
    """Make opening ``denied`` fail as it does for a file without read permission."""
    original_open = Path.open

    def open_or_deny(self: Path, *args, **kwargs):
        if self.resolve() == denied.resolve():
            raise PermissionError(13, "Permission denied", str(self))
        return original_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", open_or_deny)


def test_unreadable_file_fails_alone(engine, settings, monkeypatch):
    exports = Path(settings.source)
    write_export(exports / "readable.txt", numbered_messages(3))
    denied = write_export(exports / "denied.txt", numbered_messages(4))
    _deny_reading(monkeypatch, denied)

    summary = sync_source(LocalFolderSource(exports), engine, settings)

    assert (summary.imported, summary.failed) == (1, 1)
    assert summary.new_messages == 3
    rows = {row["key"]: row for row in list_export_files(engine)}
    assert rows["readable.txt"]["status"] == "imported"
    assert rows["denied.txt"]["status"] == "failed"
    assert "denied.txt" in rows["denied.txt"]["error"]
    assert "Permission denied" in rows["denied.txt"]["error"]


def test_unreadable_file_imports_once_readable(engine, settings, monkeypatch):
    exports = Path(settings.source)
    denied = write_export(exports / "denied.txt", numbered_messages(4))
    with monkeypatch.context() as patch:
        _deny_reading(patch, denied)
        sync_source(LocalFolderSource(exports), engine, settings)

    summary = sync_source(LocalFolderSource(exports), engine, settings)

    assert (summary.imported, summary.failed) == (1, 0)
    assert summary.new_messages == 4


def test_file_changed_after_listing_retried(engine, settings):
    exports = Path(settings.source)
    path = write_export(exports / "chat.txt", numbered_messages(3))
    source = LocalFolderSource(exports)
    listed = source.list_files()
    write_export(path, numbered_messages(5))

    class StaleListing(LocalFolderSource):
        def list_files(self):
            return listed

    first = sync_source(StaleListing(exports), engine, settings)
    second = sync_source(source, engine, settings)

    assert first.failed == 1
    assert "chat.txt" in first.errors[0]
    assert (second.imported, second.new_messages) == (1, 5)


def test_oversized_file_rejected_before_reading(engine, settings, monkeypatch):
    exports = Path(settings.source)
    write_export(exports / "small.txt", numbered_messages(2))
    big = write_export(exports / "big.txt", numbered_messages(400))
    limited = configure(
        source=settings.source,
        database_url=settings.database_url,
        groups_file=settings.groups_file,
        max_export_bytes=big.stat().st_size - 1,
    )
    read_paths: list[str] = []
    original_read_bytes = Path.read_bytes

    def recording_read_bytes(self: Path) -> bytes:
        read_paths.append(self.name)
        return original_read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", recording_read_bytes)

    summary = sync_source(open_source(limited.source, limited), engine, limited)

    assert (summary.imported, summary.failed) == (1, 1)
    assert read_paths == ["small.txt"]
    rows = {row["key"]: row for row in list_export_files(engine)}
    assert rows["big.txt"]["status"] == "failed"
    assert rows["big.txt"]["error"].startswith("big.txt: ")
    assert "TAFITI_MAX_EXPORT_BYTES" in rows["big.txt"]["error"]
