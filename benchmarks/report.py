"""Report speed: one group report at 5,000 and 40,000 messages, and the pipeline for 50 groups."""

from __future__ import annotations

import logging
from typing import Any

from benchmarks.context import Bench, Target, profile_top, timed
from benchmarks.sync import database, link, settings_for, syncer
from benchmarks.table import Table, count, seconds

log = logging.getLogger(__name__)

REPORT_SIZES = (5_000, 40_000)
TARGET_REPORT_SECONDS = 20.0
PIPELINE_GROUPS = 50
PIPELINE_MESSAGES = 5_000


def _only_slug(engine_url: str) -> str:
    import sqlalchemy

    engine = sqlalchemy.create_engine(engine_url)
    with engine.connect() as connection:
        slugs = connection.exec_driver_sql("SELECT slug FROM groups").scalars().all()
    engine.dispose()
    if len(slugs) != 1:
        raise RuntimeError(f"expected one group in {engine_url}, found {len(slugs)}")
    return slugs[0]


def run(bench: Bench) -> None:
    """Render one group's report from a SQLite database holding that group alone."""
    table = Table("Report: render one group report (SQLite)", ["messages", "seconds", "status"])
    for size in REPORT_SIZES:
        elapsed, status, profile = _render_one(bench, size, profile_slow=size == REPORT_SIZES[-1])
        table.add(count(size), seconds(elapsed), status)
        if size == REPORT_SIZES[-1]:
            bench.targets.append(
                Target(
                    "group report",
                    f"< {TARGET_REPORT_SECONDS:.0f} s at {size:,} messages",
                    f"{seconds(elapsed)} s",
                    elapsed < TARGET_REPORT_SECONDS,
                    profile,
                )
            )
    bench.show(table)


def _render_one(bench: Bench, size: int, profile_slow: bool) -> tuple[float, str, str | None]:
    """Sync one export of ``size`` messages and time the rendering of its group's report."""
    from tafiti.publish import render_group_report

    export, _ = bench.export(size)
    source = bench.folder(f"report-{size}")
    link(export, source)
    with database(bench, "SQLite", f"report-{size}") as url:
        settings = settings_for(bench, source, url)
        syncer(source, url, settings)()
        slug = _only_slug(url)

        def render() -> Any:
            return render_group_report(slug, settings)

        elapsed, result = timed(render)
        profile = None
        if profile_slow and elapsed >= TARGET_REPORT_SECONDS:
            profile = profile_top(render)
    return elapsed, _status(result), profile


def run_pipeline(bench: Bench) -> None:
    """Sync 50 group exports into a fresh database and publish every report, overview and index."""
    from tafiti.publish import publish_reports

    source = bench.folder("pipeline")
    for index in range(PIPELINE_GROUPS):
        export, _ = bench.export(PIPELINE_MESSAGES, seed=2000 + index)
        link(export, source)

    table = Table(
        f"Pipeline: {PIPELINE_GROUPS} groups of {PIPELINE_MESSAGES:,} messages (SQLite)",
        ["step", "seconds"],
    )
    with database(bench, "SQLite", "pipeline") as url:
        settings = settings_for(bench, source, url)
        sync_time, _ = timed(syncer(source, url, settings))
        publish_time, result = timed(lambda: publish_reports(settings, force=True))
    table.add("sync", seconds(sync_time))
    table.add("publish (reports, overview, index)", seconds(publish_time))
    table.add("whole pipeline", seconds(sync_time + publish_time))
    table.notes.append(f"publish result: {_status(result)}")
    bench.show(table)


def _status(result: Any) -> str:
    if isinstance(result, dict):
        return str(result.get("status", result))
    return str(getattr(result, "status", result))
