"""Shared state of the benchmark sections: the temporary folder, the generated exports,
the MariaDB databases, and the results collected along the way."""

from __future__ import annotations

import cProfile
import io
import logging
import os
import pstats
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.table import Table

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MYSQL_SERVER_URL = os.environ.get("TAFITI_BENCH_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306")

# Every export the benchmark generates is in the generator's "android" format
# (12/01/2024, 09:15 - Name: text), which tafiti, whatstk and chat-miner all read.
EXPORT_FORMAT = "android"
WHATSTK_HFORMAT = "%d/%m/%Y, %H:%M - %name:"
SEED = 8


@dataclass
class KeyFigure:
    """A headline figure for the summary, with the target it is held to, if any.

    ``met`` is ``None`` for a figure without a target. ``profile`` is where the
    time goes (cProfile) when a target was missed.
    """

    name: str
    measured: str
    goal: str | None = None
    met: bool | None = None
    profile: str | None = None


@dataclass
class Growth:
    """The change in one figure's time per message from the smallest size to the largest."""

    figure: str
    small: int
    small_seconds: float
    large: int
    large_seconds: float

    @property
    def per_message_ratio(self) -> float:
        return (self.large_seconds / self.large) / (self.small_seconds / self.small)


@dataclass
class Bench:
    """One benchmark run: options, the temporary folder, and the results so far."""

    root: Path
    quick: bool
    peers_python: Path
    tables: list[Table] = field(default_factory=list)
    figures: list[KeyFigure] = field(default_factory=list)
    growth: list[Growth] = field(default_factory=list)
    warmed_up_sync: bool = False
    _exports: dict[tuple[int, int], tuple[Path, dict[str, Any]]] = field(default_factory=dict)

    @property
    def sizes(self) -> list[int]:
        """Message counts of the parse and sync runs; ``--quick`` leaves out the largest."""
        return [10_000, 100_000] if self.quick else [10_000, 100_000, 1_000_000]

    def folder(self, name: str) -> Path:
        """Return a new empty folder under the run's temporary folder."""
        path = self.root / name
        path.mkdir(parents=True)
        return path

    def export(self, messages: int, seed: int = SEED) -> tuple[Path, dict[str, Any]]:
        """Return a generated export of ``messages`` messages and its manifest entry, made once.

        Each seed gives another group, and the file is named as WhatsApp names it.
        """
        key = (messages, seed)
        if key not in self._exports:
            from tafiti.generate import large_group_spec, write_export
            from tafiti.generate.formats import export_format

            name = large_group_spec(messages, EXPORT_FORMAT, seed).name
            file_name = export_format(EXPORT_FORMAT).export_file_name(name, False)
            path = self.root / "exports" / f"{messages}-{seed}" / file_name
            path.parent.mkdir(parents=True)
            started = time.perf_counter()
            manifest = write_export(
                path,
                messages=messages,
                fmt=EXPORT_FORMAT,
                seed=seed,
                manifest_path=path.parent.parent / f"{messages}-{seed}.manifest.json",
            )
            log.info(
                "generated %s (%.1f MB) in %.1f s",
                path.name,
                path.stat().st_size / 1e6,
                time.perf_counter() - started,
            )
            self._exports[key] = (path, manifest["files"][path.name])
        return self._exports[key]

    def show(self, table: Table) -> None:
        """Keep ``table`` for the final output and print it now, so progress is visible."""
        self.tables.append(table)
        print(table.to_text(), flush=True)
        print(flush=True)


@contextmanager
def mysql_database(server_url: str = MYSQL_SERVER_URL) -> Iterator[str]:
    """Create an empty ``tafiti_bench_*`` database on the MariaDB server; drop it afterwards."""
    import sqlalchemy
    from sqlalchemy.engine import make_url

    server = make_url(server_url)
    name = f"tafiti_bench_{uuid.uuid4().hex[:12]}"
    admin = sqlalchemy.create_engine(server)
    with admin.begin() as connection:
        connection.exec_driver_sql(
            f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
        )
    try:
        yield server.set(database=name, query={"charset": "utf8mb4"}).render_as_string(
            hide_password=False
        )
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")
        admin.dispose()


def timed(function: Callable[[], Any]) -> tuple[float, Any]:
    """Call ``function`` and return the wall-clock seconds it took and its result."""
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def profile_top(function: Callable[[], Any], limit: int = 15) -> str:
    """Call ``function`` under cProfile and return its ``limit`` functions with most own time."""
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        function()
    finally:
        profiler.disable()
    return format_stats(profiler, limit)


def format_stats(profile: cProfile.Profile | Path, limit: int = 15) -> str:
    """Format the total and the ``limit`` functions with most own time of a profile."""
    stream = io.StringIO()
    source = str(profile) if isinstance(profile, Path) else profile
    stats = pstats.Stats(source, stream=stream).strip_dirs().sort_stats("tottime")
    stats.print_stats(limit)
    lines = [line for line in stream.getvalue().splitlines() if line.strip()]
    total = next((line.strip() for line in lines if "function calls" in line), "")
    start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
    return "\n".join([total, *lines[start:]])
