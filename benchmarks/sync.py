"""Sync speed into SQLite and MariaDB: first import, overlapping re-import, no-change re-sync.

Each figure times ``tafiti.store.sync.sync_source`` alone (listing, checksums,
parsing and writing), in this process, without Prefect's start-up.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.context import (
    EXPORT_FORMAT,
    SEED,
    Bench,
    Growth,
    KeyFigure,
    mysql_database,
    profile_top,
    timed,
)
from benchmarks.table import Table, count, rate, seconds

log = logging.getLogger(__name__)

DATABASES = ("SQLite", "MariaDB")
OVERLAP = 0.9
TARGET_MARIADB_RATE = 50_000
NO_CHANGE_EXPORTS = 100
NO_CHANGE_MESSAGES = 5_000
TARGET_NO_CHANGE_SECONDS = 2.0


@contextmanager
def database(bench: Bench, kind: str, name: str) -> Iterator[str]:
    """Yield the URL of a new, empty database of ``kind``, removed afterwards."""
    if kind == "MariaDB":
        with mysql_database() as url:
            yield url
    else:
        path = bench.root / "databases" / f"{name}.sqlite"
        path.parent.mkdir(exist_ok=True)
        try:
            yield f"sqlite:///{path}"
        finally:
            path.unlink(missing_ok=True)


def settings_for(bench: Bench, source: Path, database_url: str) -> Any:
    """Configure tafiti's process-wide settings for one run, every path in the temporary folder."""
    from tafiti.config import configure

    return configure(
        source=str(source),
        database_url=database_url,
        reports_dir=bench.root / "reports",
        work_dir=bench.root / "work",
        groups_file=bench.root / "groups.yml",
        pseudonym_key="benchmark",
    )


def syncer(source_folder: Path, database_url: str, settings: Any) -> Callable[[], Any]:
    """Return a call of ``sync_source`` on ``source_folder`` into a migrated database."""
    from tafiti.sources import LocalFolderSource
    from tafiti.store.db import get_engine, upgrade
    from tafiti.store.sync import sync_source

    engine = get_engine(database_url)
    upgrade(engine)
    source = LocalFolderSource(source_folder)
    return lambda: sync_source(source, engine, settings)


def link(export: Path, folder: Path) -> Path:
    """Put ``export`` into ``folder`` (made if missing) without copying its bytes."""
    folder.mkdir(exist_ok=True)
    target = folder / export.name
    os.link(export, target)
    return target


@dataclass
class OverlapExport:
    """One export of an overlapping pair, with its message counts from the manifest."""

    path: Path
    messages: int
    new_messages: int


def overlapping_pair(bench: Bench, size: int) -> tuple[OverlapExport, OverlapExport]:
    """Generate two exports of one group, of ``size`` messages each, sharing 90% of them.

    ``new_messages`` of the second is how many of its messages the first lacks.
    """
    from tafiti.generate import overlapping_exports

    folder = bench.folder(f"overlap-{size}")
    manifest = overlapping_exports(
        folder, exports=2, messages=size, overlap=OVERLAP, fmt=EXPORT_FORMAT, seed=SEED
    )
    entries = sorted(manifest["files"].items())
    (first_key, first), (second_key, second) = entries
    new = second["last_message_number"] - first["last_message_number"]
    return (
        OverlapExport(folder / first_key, first["messages"], first["messages"]),
        OverlapExport(folder / second_key, second["messages"], new),
    )


def warm_up(bench: Bench) -> None:
    """Sync a small export once, untimed, so that one-time loads are not timed.

    The language detector's model, for one, loads on the first sync of a process.
    """
    if bench.warmed_up_sync:
        return
    export, _ = bench.export(1_000, seed=SEED + 1)
    source = bench.folder("sync-warm-up")
    link(export, source)
    with database(bench, "SQLite", "warm-up") as url:
        syncer(source, url, settings_for(bench, source, url))()
    bench.warmed_up_sync = True


def run(bench: Bench) -> None:
    """First import and 90%-overlapping re-import at every size, into SQLite and MariaDB."""
    warm_up(bench)
    table = Table(
        "Sync: sync_source into each database (read, checksum, parse, write)",
        [
            "database",
            "messages",
            "first import s",
            "first import msg/s",
            "re-import s",
            "re-import msg/s",
            "new messages stored / expected",
        ],
    )
    first_seconds: dict[tuple[str, int], float] = {}
    again_seconds: dict[tuple[str, int], float] = {}
    for size in bench.sizes:
        first, second = overlapping_pair(bench, size)
        for kind in DATABASES:
            source = bench.folder(f"sync-{kind}-{size}")
            with database(bench, kind, f"sync-{size}") as url:
                sync = syncer(source, url, settings_for(bench, source, url))
                link(first.path, source / "first")
                first_time, _ = timed(sync)
                link(second.path, source / "second")
                again_time, summary = timed(sync)
            first_seconds[kind, size] = first_time
            again_seconds[kind, size] = again_time
            table.add(
                kind,
                count(size),
                seconds(first_time),
                rate(first.messages, first_time),
                seconds(again_time),
                rate(second.messages, again_time),
                f"{summary.new_messages:,} of {second.new_messages:,}",
            )
    table.notes.append(
        f"re-import: a second export that repeats {OVERLAP:.0%} of the first one's history "
        "(and adds new messages) is synced into the database holding the first. "
        "One untimed sync of a small export runs first, so one-time loads are not counted."
    )
    bench.show(table)

    small, large = bench.sizes[0], bench.sizes[-1]
    for kind in DATABASES:
        bench.growth.append(
            Growth(
                f"sync first import, {kind}",
                small,
                first_seconds[kind, small],
                large,
                first_seconds[kind, large],
            )
        )
    bench.figures.append(
        KeyFigure(
            f"sync into SQLite, first import of {large:,} (msg/s)",
            rate(large, first_seconds["SQLite", large]),
        )
    )
    _check_mariadb_target(bench, large, first_seconds["MariaDB", large])
    for kind in DATABASES:
        bench.figures.append(
            KeyFigure(
                f"sync into {kind}, re-import of {large:,} overlapping 90% (msg/s)",
                rate(large, again_seconds[kind, large]),
            )
        )


def _check_mariadb_target(bench: Bench, size: int, first_time: float) -> None:
    measured = size / first_time
    target = KeyFigure(
        f"sync into MariaDB, first import of {size:,} (msg/s)",
        rate(size, first_time),
        goal=f"≥ {TARGET_MARIADB_RATE:,}",
        met=measured >= TARGET_MARIADB_RATE,
    )
    if not target.met:
        profiled = min(size, 100_000)
        export, _ = bench.export(profiled)
        source = bench.folder(f"profile-sync-{profiled}")
        link(export, source)
        with database(bench, "MariaDB", "profile") as url:
            sync = syncer(source, url, settings_for(bench, source, url))
            target.profile = f"(first import of {profiled:,} messages)\n" + profile_top(sync)
    bench.figures.append(target)


def run_no_change(bench: Bench) -> None:
    """Sync 100 exports once, then time the sync that finds every one of them unchanged."""
    exports = bench.folder("no-change")
    for index in range(NO_CHANGE_EXPORTS):
        export, _ = bench.export(NO_CHANGE_MESSAGES, seed=1000 + index)
        link(export, exports)

    warm_up(bench)
    table = Table(
        f"No-change re-sync: {NO_CHANGE_EXPORTS} exports of {NO_CHANGE_MESSAGES:,} messages",
        ["database", "first sync s", "no-change re-sync s"],
    )
    timings: dict[str, float] = {}
    for kind in DATABASES:
        with database(bench, kind, "no-change") as url:
            sync = syncer(exports, url, settings_for(bench, exports, url))
            first_time, _ = timed(sync)
            timings[kind], _ = timed(sync)
            profile = None
            if timings[kind] >= TARGET_NO_CHANGE_SECONDS:
                profile = profile_top(sync)
        table.add(kind, seconds(first_time), seconds(timings[kind]))
        bench.figures.append(
            KeyFigure(
                f"no-change re-sync of {NO_CHANGE_EXPORTS} exports, {kind} (s)",
                seconds(timings[kind]),
                goal=f"< {TARGET_NO_CHANGE_SECONDS:.0f}",
                met=timings[kind] < TARGET_NO_CHANGE_SECONDS,
                profile=profile,
            )
        )
    bench.show(table)
