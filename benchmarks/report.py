"""Report speed: one group report at 5,000 and 40,000 messages, and the pipeline for 50 groups."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.context import Bench, Growth, KeyFigure, format_stats, timed
from benchmarks.sync import database, link, settings_for, syncer
from benchmarks.table import Table, count, mebibytes, seconds

log = logging.getLogger(__name__)

REPORT_SIZES = (5_000, 40_000)
TARGET_REPORT_SECONDS = 20.0
PIPELINE_GROUPS = 50
PIPELINE_MESSAGES = 5_000
SAMPLE_SECONDS = 0.5
MEMORY_SHARE_LIMIT = 0.5


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
    timings: dict[int, float] = {}
    for size in REPORT_SIZES:
        largest = size == REPORT_SIZES[-1]
        elapsed, result, profile = _render_one(bench, size, profile_if_slow=largest)
        timings[size] = elapsed
        table.add(count(size), seconds(elapsed), result.status)
        if result.status != "rendered":
            table.notes.append(f"{size:,} messages: {str(result.error).strip()[-300:]}")
        figure = KeyFigure(f"group report of {size:,} messages (s)", seconds(elapsed))
        if result.status != "rendered":
            figure.measured += f" ({result.status})"
        if largest:
            figure.goal = f"< {TARGET_REPORT_SECONDS:.0f}"
            figure.met = elapsed < TARGET_REPORT_SECONDS and result.status == "rendered"
            figure.profile = profile
        bench.figures.append(figure)
    table.notes.append(
        "seconds = render_group_report: kernel start, notebook run (papermill), HTML (nbconvert)."
    )
    bench.show(table)
    small, large = REPORT_SIZES
    bench.growth.append(Growth("group report", small, timings[small], large, timings[large]))


def _render_one(bench: Bench, size: int, profile_if_slow: bool) -> tuple[float, Any, str | None]:
    """Sync one export of ``size`` messages and time the rendering of its group's report."""
    from tafiti.publish import render_group_report

    export, _ = bench.export(size)
    source = bench.folder(f"report-{size}")
    link(export, source)
    with database(bench, "SQLite", f"report-{size}") as url:
        settings = settings_for(bench, source, url)
        syncer(source, url, settings)()
        slug = _only_slug(url)
        elapsed, result = timed(lambda: render_group_report(slug, settings))
        profile = None
        if profile_if_slow and elapsed >= TARGET_REPORT_SECONDS:
            profile = "\n\n".join(
                [
                    cell_durations(Path(result.notebook)) if result.notebook else "",
                    profile_in_kernel(bench, slug, settings),
                ]
            )
    return elapsed, result, profile


def cell_durations(executed: Path, limit: int = 10) -> str:
    """List the slowest cells of an executed notebook, from the durations papermill records."""
    import nbformat

    notebook = nbformat.read(executed, as_version=4)
    cells = []
    for number, cell in enumerate(notebook.cells, start=1):
        duration = cell.get("metadata", {}).get("papermill", {}).get("duration")
        if cell.cell_type == "code" and duration is not None:
            first_line = next((line for line in cell.source.splitlines() if line.strip()), "")
            cells.append((duration, number, first_line[:70]))
    cells.sort(reverse=True)
    lines = [f"slowest cells of {executed.name} (papermill's durations):"]
    lines += [f"{duration:8.2f} s  cell {number:3d}  {line}" for duration, number, line in cells]
    return "\n".join(lines[: limit + 1])


def profile_in_kernel(bench: Bench, slug: str, settings: Any) -> str:
    """Run the group notebook as the publisher does, with cProfile on inside its kernel.

    The notebook runs in a Jupyter kernel (another process), so a profile of
    this process would show only the wait for it. This uses the publisher's own
    execution step (``tafiti.publish._execute``) on a copy of the notebook with
    a first cell that starts a profiler and a last one that saves its stats.
    """
    import nbformat

    from tafiti.publish import GROUP_NOTEBOOK, _execute, _group_parameters

    stats_path = bench.root / "report-kernel.prof"
    notebook = nbformat.read(GROUP_NOTEBOOK, as_version=4)
    start = nbformat.v4.new_code_cell(
        "import cProfile as _bench_cprofile\n"
        "_bench_profiler = _bench_cprofile.Profile()\n"
        "_bench_profiler.enable()"
    )
    stop = nbformat.v4.new_code_cell(
        f"_bench_profiler.disable()\n_bench_profiler.dump_stats({str(stats_path)!r})"
    )
    notebook.cells = [start, *notebook.cells, stop]
    copy = bench.root / "profiled_group_report.ipynb"
    nbformat.write(notebook, copy)
    try:
        _execute(
            copy,
            bench.root / "profiled-executed.ipynb",
            _group_parameters(slug, settings),
            settings,
        )
    except Exception as error:  # noqa: BLE001 - the profile is a diagnosis; report why it failed
        return f"profile inside the kernel failed: {type(error).__name__}: {error}"
    return "inside the kernel (cProfile):\n" + format_stats(stats_path)


@dataclass
class ProcessTree:
    """The peak memory and kernel count seen while sampling a process and its descendants."""

    peak_rss_kib: int = 0
    max_kernels: int = 0
    stopped: bool = False


def watch_process_tree(process: subprocess.Popen[bytes]) -> ProcessTree:
    """Wait for ``process``, sampling the memory of it and its descendants meanwhile.

    The whole tree is killed if it takes more than half of the machine's
    memory, so that a run that starts too many kernels fails alone instead of
    pushing the machine out of memory.
    """
    import psutil

    limit_kib = psutil.virtual_memory().total * MEMORY_SHARE_LIMIT // 1024
    seen = ProcessTree()
    root = psutil.Process(process.pid)
    while process.poll() is None:
        rss = 0
        kernels = 0
        try:
            members = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            break
        for member in members:
            try:
                rss += member.memory_info().rss
                kernels += any("ipykernel" in part for part in member.cmdline())
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
        seen.peak_rss_kib = max(seen.peak_rss_kib, rss // 1024)
        seen.max_kernels = max(seen.max_kernels, kernels)
        if seen.peak_rss_kib > limit_kib:
            log.error("tafiti run uses %.1f GiB, over the limit: stopping it", rss / 2**30)
            seen.stopped = True
            for member in reversed(members):
                try:
                    member.kill()
                except psutil.NoSuchProcess:
                    continue
            break
        time.sleep(SAMPLE_SECONDS)
    process.wait()
    return seen


@dataclass
class PipelineRun:
    """One ``tafiti run`` of the pipeline benchmark."""

    elapsed: float
    tree: ProcessTree
    returncode: int
    rendered: int
    log_tail: str


def run_pipeline(bench: Bench) -> None:
    """Time ``tafiti run`` (Prefect's pipeline flow) on 50 new group exports, start to end.

    This is what ``make run`` and the schedule do: Prefect's start-up, the sync
    of every export into a new SQLite file, then every group report, the overview
    and the index, rendered by the publish flow's concurrent tasks
    (``TAFITI_RENDER_WORKERS`` at a time). If that run is stopped for its memory,
    it runs again with one render worker, so that the pipeline still gets a figure.
    """
    from tafiti.config import Settings

    source = bench.folder("pipeline-exports")
    for index in range(PIPELINE_GROUPS):
        export, _ = bench.export(PIPELINE_MESSAGES, seed=2000 + index)
        link(export, source)

    table = Table(
        f"Pipeline: tafiti run on {PIPELINE_GROUPS} new groups of {PIPELINE_MESSAGES:,} "
        "messages (SQLite)",
        [
            "render workers",
            "seconds",
            "group reports written",
            "peak memory MiB",
            "max kernels at once",
            "exit status",
        ],
    )
    table.notes.append(
        "peak memory = the highest sum of the resident memory of tafiti run and every process "
        f"it started (Jupyter kernels included), sampled every {SAMPLE_SECONDS} s."
    )
    name = f"tafiti run on {PIPELINE_GROUPS} new groups of {PIPELINE_MESSAGES:,} messages (s)"

    shipped = _tafiti_run(bench, source, "pipeline", {})
    _add_pipeline_row(table, f"{Settings().render_workers} (as configured)", shipped)
    bench.figures.append(KeyFigure(name, _pipeline_result(shipped)))

    if shipped.tree.stopped:
        bounded = _tafiti_run(bench, source, "pipeline-bounded", {"TAFITI_RENDER_WORKERS": "1"})
        _add_pipeline_row(table, "1", bounded)
        one_worker = KeyFigure(f"{name[:-4]}, 1 render worker (s)", _pipeline_result(bounded))
        bench.figures.append(one_worker)
        table.notes.append("1: TAFITI_RENDER_WORKERS=1, set for this run only.")
    bench.show(table)


def _tafiti_run(bench: Bench, source: Path, name: str, extra: dict[str, str]) -> PipelineRun:
    """Run ``tafiti run`` on ``source`` into a new workspace and measure it."""
    workspace = bench.folder(name)
    environment = {
        **os.environ,
        "TAFITI_SOURCE": str(source),
        "TAFITI_DATABASE_URL": f"sqlite:///{workspace / 'tafiti.sqlite'}",
        "TAFITI_REPORTS_DIR": str(workspace / "reports"),
        "TAFITI_WORK_DIR": str(workspace / "work"),
        "TAFITI_GROUPS_FILE": str(workspace / "groups.yml"),
        "TAFITI_PSEUDONYM_KEY": "benchmark",
        # Prefect keeps its run records here instead of in the user's ~/.prefect.
        "PREFECT_HOME": str(workspace / "prefect"),
        **extra,
    }
    command = [sys.executable, "-m", "tafiti.cli", "run"]
    log_path = workspace / "tafiti-run.log"
    with log_path.open("wb") as output:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=workspace, env=environment, stdout=output, stderr=output
        )
        tree = watch_process_tree(process)
        elapsed = time.perf_counter() - started
    return PipelineRun(
        elapsed=elapsed,
        tree=tree,
        returncode=process.returncode,
        rendered=len(list((workspace / "reports" / "groups").glob("*/index.html"))),
        log_tail=log_path.read_text(encoding="utf-8", errors="replace").strip()[-300:],
    )


def _add_pipeline_row(table: Table, pool: str, run: PipelineRun) -> None:
    table.add(
        pool,
        seconds(run.elapsed),
        run.rendered,
        mebibytes(run.tree.peak_rss_kib),
        run.tree.max_kernels,
        run.returncode,
    )
    if run.tree.stopped:
        table.notes.append(
            f"{pool}: STOPPED, because the run used more than {MEMORY_SHARE_LIMIT:.0%} of the "
            f"machine's memory with {run.tree.max_kernels} kernels running at once."
        )
    elif run.returncode != 0:
        table.notes.append(f"{pool}: tafiti run failed: {run.log_tail}")


def _pipeline_result(run: PipelineRun) -> str:
    if run.tree.stopped:
        return f"stopped at {run.tree.peak_rss_kib / 2**20:.1f} GiB, {run.tree.max_kernels} kernels"
    if run.returncode != 0:
        return f"failed (exit {run.returncode})"
    return seconds(run.elapsed)
