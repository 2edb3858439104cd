"""Sync a source into the database: every new or changed export, each in one transaction.

:func:`sync_source` reads as its steps: list the source's files, mark the
unchanged ones skipped without fetching them, then for each other file fetch,
parse, and import it under the sync lock. A file that fails rolls back alone
and its row in ``export_files`` stores the error; the others go on.

Two syncs may run at once (a scheduled run overlapping a manual one). Each file
is written under the database's own lock: ``SELECT … FOR UPDATE`` on the row
``"sync"`` of the ``locks`` table on MySQL, ``BEGIN IMMEDIATE`` on SQLite. The
lock covers the whole file, from finding its group to the last insert,
because finding the group reads every group; the second sync waits, then
reads what the first stored and adds nothing twice. Fetching and parsing run
outside the lock.
"""

from __future__ import annotations

import gc
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from tafiti.errors import StoreError, TafitiError
from tafiti.store.db import IMMEDIATE, is_mysql
from tafiti.store.groups import apply_metadata, metadata_for_group
from tafiti.store.importer import ImportResult, import_export
from tafiti.store.metadata import GroupDirectory, load_group_metadata
from tafiti.store.models import (
    FILE_NAME_CHARS,
    KEY_CHARS,
    SOURCE_CHARS,
    ExportFile,
    Group,
    Lock,
    fitted,
)

if TYPE_CHECKING:
    from tafiti.config import Settings
    from tafiti.parsing.records import ParsedExport
    from tafiti.sources import Source, SourceFile

log = logging.getLogger(__name__)

export_files_table = ExportFile.__table__
groups_table = Group.__table__
locks_table = Lock.__table__

Progress = Callable[[int, int, str], None]

# Test-only hooks, read from the environment so that a test can drive a sync
# running in another process. Both are unset in normal use.
# TAFITI_TEST_BARRIER="<folder>:<count>": before taking the lock for its first
# file, a sync waits until <count> processes have reached that point.
# TAFITI_TEST_PAUSE_AFTER_BATCH="<folder>": after the first batch insert, a sync
# writes <folder>/paused-<pid> (holding its database connection id), then
# waits for <folder>/resume to exist.
BARRIER_ENV = "TAFITI_TEST_BARRIER"
PAUSE_ENV = "TAFITI_TEST_PAUSE_AFTER_BATCH"
_TEST_HOOK_TIMEOUT_SECONDS = 120


@dataclass
class FileResult:
    """The outcome of one export file in a sync."""

    key: str
    name: str
    status: str  # imported | skipped | failed
    group: str | None = None
    records: int = 0
    new_messages: int = 0
    new_events: int = 0
    known_records: int = 0
    error: str | None = None
    seconds: float = 0.0


@dataclass
class SyncSummary:
    """The outcome of one sync: counts for the command line, and each file's result."""

    source: str
    found: int = 0
    imported: int = 0
    skipped: int = 0
    failed: int = 0
    new_messages: int = 0
    new_events: int = 0
    errors: list[str] = field(default_factory=list)
    files: list[FileResult] = field(default_factory=list)

    def add(self, result: FileResult) -> None:
        self.files.append(result)
        if result.status == "imported":
            self.imported += 1
            self.new_messages += result.new_messages
            self.new_events += result.new_events
        elif result.status == "skipped":
            self.skipped += 1
        else:
            self.failed += 1
            error = result.error or "unknown error"
            # Export errors begin with the file name already.
            named = error if error.startswith(result.name) else f"{result.name}: {error}"
            self.errors.append(named)


def sync_source(
    source: Source,
    engine: Engine,
    settings: Settings | None = None,
    *,
    progress: Progress | None = None,
) -> SyncSummary:
    """Import every new or changed export of ``source``; skip the unchanged ones.

    Raises :class:`ConfigError` for an invalid group metadata file and
    :class:`SourceError` when the source cannot be listed, before anything is
    written; raises :class:`StoreError` when the database cannot even record a
    failure. A file that fails for any other reason is recorded as failed and
    the sync goes on.
    """
    from tafiti.config import get_settings

    settings = settings or get_settings()
    directory = load_group_metadata(settings.groups_file)
    files = source.list_files()
    summary = SyncSummary(source=source.url, found=len(files))
    log.info("found %d export file(s) in %s", len(files), source.url)

    unchanged = _unchanged_files(engine, files)
    _mark_skipped(engine, [file for file in files if file.key in unchanged])

    barrier_passed = False
    for done, file in enumerate(files, 1):
        if file.key in unchanged:
            log.debug('skipped "%s": unchanged since it was imported', file.name)
            summary.add(FileResult(file.key, file.name, "skipped"))
        else:
            if not barrier_passed:
                barrier_passed = True
                before_lock = _wait_at_barrier
            else:
                before_lock = None
            result = _sync_file(source, file, engine, settings, directory, before_lock)
            summary.add(result)
            if result.status == "failed":
                # A database error takes part in reference cycles (SQLAlchemy keeps
                # it in frames of its own traceback, and error reporting can copy a
                # frame's variables, the error among them). Its traceback refers to
                # _sync_file's and the importer's frames, with the export's records.
                # Without a collection now, failed exports would pile up in memory
                # until the collector ran.
                gc.collect()
        if progress is not None:
            progress(done, len(files), file.name)

    _refresh_metadata(engine, directory)
    log.info(
        "sync of %s: %d imported, %d unchanged, %d failed; %d new messages, %d new events",
        source.url,
        summary.imported,
        summary.skipped,
        summary.failed,
        summary.new_messages,
        summary.new_events,
    )
    return summary


def _now() -> datetime:
    """Return the current UTC time as a naive datetime, like every time column of the store."""
    return datetime.now(UTC).replace(tzinfo=None)


def _naive_utc(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


def _unchanged_files(engine: Engine, files: list[SourceFile]) -> set[str]:
    """Return the keys of the files whose current content was imported before.

    A failed file has no imported checksum for its content, so every sync
    fetches and parses it again until it imports (after a parser fix, say).
    """
    if not files:
        return set()
    imported: dict[tuple[str, str], str | None] = {}
    with engine.connect() as connection:
        for source in {fitted(file.source, SOURCE_CHARS) for file in files}:
            rows = connection.execute(
                select(export_files_table.c.key, export_files_table.c.imported_checksum).where(
                    export_files_table.c.source == source
                )
            )
            imported.update(((source, key), checksum) for key, checksum in rows)
    return {file.key for file in files if imported.get(_stored_key(file)) == file.checksum}


def _stored_key(file: SourceFile) -> tuple[str, str]:
    """Return the file's source and key as its export_files row stores them."""
    return fitted(file.source, SOURCE_CHARS), fitted(file.key, KEY_CHARS)


def _mark_skipped(engine: Engine, files: list[SourceFile]) -> None:
    if not files:
        return
    now = _now()
    with engine.connect() as connection:
        connection = connection.execution_options(**{IMMEDIATE: True})
        with connection.begin():
            for file in files:
                source, key = _stored_key(file)
                connection.execute(
                    update(export_files_table)
                    .where(export_files_table.c.source == source, export_files_table.c.key == key)
                    .values(
                        status="skipped",
                        error=None,
                        checksum=file.checksum,
                        started_at=now,
                        finished_at=now,
                    )
                )


def _sync_file(
    source: Source,
    file: SourceFile,
    engine: Engine,
    settings: Settings,
    directory: GroupDirectory,
    before_lock: Callable[[], None] | None,
) -> FileResult:
    started_at = _now()
    clock = time.perf_counter()
    try:
        with _garbage_collector_paused():
            data = source.fetch(file)
            parsed = _parse(data, file, settings)
            if before_lock is not None:
                before_lock()
            result = _store(engine, file, parsed, directory, started_at)
    except Exception as error:  # noqa: BLE001 - one bad file must not stop the others
        seconds = time.perf_counter() - clock
        _report_to_sentry(error, file)
        return _record_failure(engine, file, error, started_at, seconds)

    result.seconds = time.perf_counter() - clock
    if result.status == "imported":
        log.info(
            'imported %s messages and %s events from "%s" (%s new) into %s',
            f"{result.records - _events_in(parsed):,}",
            f"{_events_in(parsed):,}",
            file.name,
            f"{result.new_messages + result.new_events:,}",
            result.group,
        )
    else:
        log.info('skipped "%s": another sync imported the same content meanwhile', file.name)
    return result


@contextmanager
def _garbage_collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while one export is parsed and stored.

    An import makes a few objects per record (records, identities, SQL
    literals) and frees them together at the end. With the collector running,
    each million new objects sets off full collections that walk all the
    records again. That took up to a fifth of a large re-import. Parsing and
    storing make no reference cycles that need collecting before the export is done.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _report_to_sentry(error: Exception, file: SourceFile) -> None:
    """Send the failure to Sentry when SENTRY_DSN is set; chat content is scrubbed there."""
    from tafiti.monitoring import report_failure

    try:
        report_failure(error, step="sync", export_file=file.name)
    except Exception:  # noqa: BLE001 - monitoring must never fail the sync
        log.warning('could not report the failure of "%s" to Sentry', file.name, exc_info=True)


def _events_in(parsed: ParsedExport) -> int:
    return sum(1 for record in parsed.records if record.kind == "event")


def _parse(data: bytes, file: SourceFile, settings: Settings) -> ParsedExport:
    from tafiti.parsing import parse_bytes

    return parse_bytes(data, file.name, settings=settings)


def _store(
    engine: Engine,
    file: SourceFile,
    parsed: ParsedExport,
    directory: GroupDirectory,
    started_at: datetime,
) -> FileResult:
    """Import ``parsed`` in one transaction under the sync lock."""
    with engine.connect() as connection:
        connection = connection.execution_options(**{IMMEDIATE: True})
        with connection.begin():
            _take_sync_lock(connection)
            row = _export_row(connection, file)
            if row is not None and row.imported_checksum == file.checksum:
                _write_row(
                    connection, file, row.id, status="skipped", error=None, started_at=started_at
                )
                return FileResult(file.key, file.name, "skipped")

            export_file_id = _write_row(
                connection,
                file,
                row.id if row is not None else None,
                status="importing",
                error=None,
                started_at=started_at,
            )
            result = import_export(
                connection,
                parsed,
                export_file_id=export_file_id,
                pinned=directory.pinned(file.key, file.name),
                directory=directory,
                now=_now(),
                after_batch=_after_batch_hook(connection),
            )
            _write_imported(connection, export_file_id, file, parsed, result)

    return FileResult(
        key=file.key,
        name=file.name,
        status="imported",
        group=result.group_slug,
        records=result.records,
        new_messages=result.new_messages,
        new_events=result.new_events,
        known_records=result.known_records,
    )


def _take_sync_lock(connection: Connection) -> None:
    """Lock the row ``"sync"`` until the transaction ends.

    On SQLite ``FOR UPDATE`` is not rendered; BEGIN IMMEDIATE holds the write lock there.
    """
    name = connection.execute(
        select(locks_table.c.name).where(locks_table.c.name == "sync").with_for_update()
    ).scalar()
    if name is None:
        raise StoreError("the locks table has no row 'sync'; run `tafiti db upgrade`")


def _export_row(connection: Connection, file: SourceFile) -> Any:
    source, key = _stored_key(file)
    return connection.execute(
        select(export_files_table.c.id, export_files_table.c.imported_checksum).where(
            export_files_table.c.source == source, export_files_table.c.key == key
        )
    ).first()


def _write_row(
    connection: Connection,
    file: SourceFile,
    row_id: int | None,
    *,
    status: str,
    error: str | None,
    started_at: datetime,
) -> int:
    """Insert or update the file's row with the source's listing and ``status``; return its id."""
    values = {
        "name": fitted(file.name, FILE_NAME_CHARS),
        "checksum": file.checksum,
        "size": file.size,
        "modified": _naive_utc(file.modified),
        "status": status,
        "error": error,
        "started_at": started_at,
        "finished_at": _now(),
    }
    if row_id is not None:
        connection.execute(
            update(export_files_table).where(export_files_table.c.id == row_id).values(**values)
        )
        return row_id
    source, key = _stored_key(file)
    result = connection.execute(
        export_files_table.insert().values(
            source=source, key=key, records=0, new_records=0, known_records=0, **values
        )
    )
    return result.inserted_primary_key[0]


def _write_imported(
    connection: Connection,
    export_file_id: int,
    file: SourceFile,
    parsed: ParsedExport,
    result: ImportResult,
) -> None:
    times = [record.timestamp for record in parsed.records]
    now = _now()
    connection.execute(
        update(export_files_table)
        .where(export_files_table.c.id == export_file_id)
        .values(
            group_id=result.group_id,
            status="imported",
            error=None,
            chat_name=parsed.chat_name,
            format=parsed.format,
            date_order=parsed.date_order,
            date_order_reason=parsed.date_order_reason[:255],
            records=result.records,
            new_records=result.new_records,
            known_records=result.known_records,
            warnings=[
                {"line": warning.line, "message": warning.message} for warning in parsed.warnings
            ]
            or None,
            first_record_at=min(times, default=None),
            last_record_at=max(times, default=None),
            imported_checksum=file.checksum,
            imported_at=now,
            finished_at=now,
        )
    )


def _record_failure(
    engine: Engine, file: SourceFile, error: Exception, started_at: datetime, seconds: float
) -> FileResult:
    """Store why ``file`` failed, in a transaction of its own, and log it."""
    if isinstance(error, TafitiError):
        message = str(error)
        log.warning('failed to import "%s": %s', file.name, message)
    elif isinstance(error, DBAPIError):
        # The driver's own error, without SQLAlchemy's copy of the statement.
        message = f"database error: {type(error.orig).__name__}: {error.orig}"
        log.error('failed to import "%s": %s', file.name, message, exc_info=error)
    else:
        message = f"{type(error).__name__}: {error}"
        log.error('failed to import "%s": %s', file.name, message, exc_info=error)

    try:
        with engine.connect() as connection:
            connection = connection.execution_options(**{IMMEDIATE: True})
            with connection.begin():
                _take_sync_lock(connection)
                row = _export_row(connection, file)
                _write_row(
                    connection,
                    file,
                    row.id if row is not None else None,
                    status="failed",
                    error=message,
                    started_at=started_at,
                )
    except SQLAlchemyError as store_error:
        raise StoreError(
            f'cannot record that "{file.name}" failed ({message}): {store_error}'
        ) from store_error
    return FileResult(file.key, file.name, "failed", error=message, seconds=seconds)


def _refresh_metadata(engine: Engine, directory: GroupDirectory) -> None:
    """Apply the group metadata file to every stored group, writing only what differs."""
    with engine.connect() as connection:
        connection = connection.execution_options(**{IMMEDIATE: True})
        with connection.begin():
            _take_sync_lock(connection)
            groups = connection.execute(select(groups_table.c.id, groups_table.c.slug)).all()
            now = _now()
            for group_id, slug in groups:
                entry = metadata_for_group(connection, group_id, slug, directory)
                apply_metadata(connection, group_id, entry, now)


def _wait_at_barrier() -> None:
    setting = os.environ.get(BARRIER_ENV)
    if not setting:
        return
    folder, _, count = setting.rpartition(":")
    (Path(folder) / f"arrived-{os.getpid()}").touch()
    _wait_for(
        lambda: len(list(Path(folder).glob("arrived-*"))) >= int(count),
        f"{count} processes at the barrier in {folder}",
    )


def _after_batch_hook(connection: Connection) -> Callable[[], None] | None:
    folder = os.environ.get(PAUSE_ENV)
    if not folder:
        return None
    paused = False

    def pause() -> None:
        nonlocal paused
        if paused:
            return
        paused = True
        connection_id = (
            connection.exec_driver_sql("SELECT CONNECTION_ID()").scalar()
            if is_mysql(connection)
            else 0
        )
        (Path(folder) / f"paused-{os.getpid()}").write_text(f"{connection_id}\n")
        _wait_for(lambda: (Path(folder) / "resume").exists(), f"{folder}/resume")

    return pause


def _wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + _TEST_HOOK_TIMEOUT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise StoreError(f"test hook: timed out waiting for {what}")
        time.sleep(0.02)
