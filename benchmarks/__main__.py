"""Run the benchmark suite and print the results table: ``python -m benchmarks``.

Sections: parse (tafiti against whatstk and chat-miner), sync (SQLite and
MariaDB, first import and 90%-overlapping re-import), no-change re-sync of 100
exports, report rendering, and the whole pipeline for 50 groups. Every input is
generated into a temporary folder that is deleted afterwards; MariaDB databases
are created as ``tafiti_bench_*`` and dropped.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

from benchmarks import parse, report, sync  # noqa: E402
from benchmarks.context import PROJECT_ROOT, Bench  # noqa: E402
from benchmarks.table import Table, ratio  # noqa: E402

SECTIONS: dict[str, Callable[[Bench], None]] = {
    "parse": parse.run,
    "sync": sync.run,
    "resync": sync.run_no_change,
    "report": report.run,
    "pipeline": report.run_pipeline,
}


def main(argv: list[str] | None = None) -> int:
    arguments = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    arguments.add_argument(
        "--quick",
        action="store_true",
        help="leave out the 1,000,000-message runs and the 50-group pipeline",
    )
    arguments.add_argument(
        "--only",
        help=f"comma-separated sections to run (default all): {', '.join(SECTIONS)}",
    )
    arguments.add_argument(
        "--peers-python",
        type=Path,
        default=PROJECT_ROOT / ".venv-peers" / "bin" / "python",
        metavar="PYTHON",
        help="interpreter with whatstk and chat-miner installed (default: %(default)s; "
        "make bench creates it from benchmarks/requirements-peers.lock)",
    )
    arguments.add_argument(
        "--markdown", type=Path, metavar="FILE", help="also write the results as Markdown to FILE"
    )
    arguments.add_argument(
        "--readme",
        type=Path,
        metavar="FILE",
        help="replace the summary between the benchmark-summary markers of FILE "
        "(or a line reading BENCHMARK-TABLE) with this run's summary",
    )
    options = arguments.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    for noisy in ("prefect", "papermill", "nbconvert", "traitlets", "alembic", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    sections = list(SECTIONS)
    if options.only:
        sections = [name.strip() for name in options.only.split(",")]
        unknown = [name for name in sections if name not in SECTIONS]
        if unknown:
            arguments.error(f"unknown section(s) {', '.join(unknown)}; use {', '.join(SECTIONS)}")
    if options.quick and "pipeline" in sections and not options.only:
        sections.remove("pipeline")

    command = "python -m benchmarks" + "".join(f" {shlex.quote(a)}" for a in argv or sys.argv[1:])
    header = describe_run(command, options.peers_python)
    print(header, flush=True)
    print(flush=True)

    with tempfile.TemporaryDirectory(prefix="tafiti-bench-") as folder:
        bench = Bench(root=Path(folder), quick=options.quick, peers_python=options.peers_python)
        enable_bytecode_cache(bench)
        for name in sections:
            SECTIONS[name](bench)
            if options.markdown:
                # Written after every section, so an interrupted run keeps what it measured.
                partial = (
                    f"{header}\nincomplete: ran {', '.join(sections[: sections.index(name) + 1])}"
                )
                options.markdown.write_text(
                    to_markdown(partial, [summary_table(bench), *bench.tables], ""),
                    encoding="utf-8",
                )

    header += f"\nload average at end: {_load_average()}"
    print(f"load average at end: {_load_average()}", flush=True)
    closing = [summary_table(bench), growth_table(bench)]
    for table in closing:
        print(table.to_text(), flush=True)
        print(flush=True)
    profiles = profile_sections(bench)
    if profiles:
        print(profiles, flush=True)

    summary, growth = closing
    if options.markdown:
        options.markdown.write_text(
            to_markdown(header, [summary, *bench.tables, growth], profiles), encoding="utf-8"
        )
        print(f"wrote {options.markdown}", flush=True)
    if options.readme:
        update_readme(options.readme, header, summary)
        print(f"updated the benchmark summary in {options.readme}", flush=True)
    return 0


# Imported once before timing, so that their bytecode is cached for every later process.
WARM_IMPORTS = (
    "import tafiti.parsing, tafiti.store.sync, tafiti.generate, tafiti.publish, "
    "tafiti.analysis.report, tafiti.analysis.plots, flows.pipeline, papermill, nbconvert, "
    "ipykernel.kernelapp, matplotlib.pyplot"
)


def enable_bytecode_cache(bench: Bench) -> None:
    """Let the processes the benchmark starts cache their bytecode in its temporary folder.

    With PYTHONDONTWRITEBYTECODE set and no ``.pyc`` files installed, every process
    compiles each module it imports from source, which adds seconds to each
    process start (a parse worker, a Jupyter kernel, tafiti run). A machine where
    Python writes its bytecode caches pays that once, so the benchmark measures that case.
    This process keeps its own setting. Only child processes see the change.
    """
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = str(bench.root / "pycache")
    subprocess.run([sys.executable, "-c", WARM_IMPORTS], cwd=PROJECT_ROOT, check=False)


def describe_run(command: str, peers_python: Path) -> str:
    """Describe when, where and with what the benchmark ran."""
    cpu = _cpu_model()
    packages = ", ".join(f"{name} {_version(name)}" for name in ("tafiti", "SQLAlchemy"))
    packages += ", " + _peer_versions(peers_python)
    return "\n".join(
        [
            f"date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
            f"machine: {cpu}, {os.cpu_count()} cores, {_memory_gib()} GiB memory, "
            f"{platform.system()} {platform.release()}",
            f"python: {platform.python_version()}; {packages}; {_mariadb_version()}",
            f"command: {command}",
            f"load average at start: {_load_average()}",
            "bytecode: cached for every process the benchmark starts "
            f"(PYTHONDONTWRITEBYTECODE was {os.environ.get('PYTHONDONTWRITEBYTECODE', 'unset')}"
            " here, and is unset for them)",
        ]
    )


def growth_table(bench: Bench) -> Table:
    table = Table(
        "Growth: time per message at the largest size / at the smallest (1.00× = linear)",
        ["figure", "from", "to", "per-message time ×"],
    )
    for growth in bench.growth:
        table.add(
            growth.figure,
            f"{growth.small:,}",
            f"{growth.large:,}",
            ratio(growth.per_message_ratio),
        )
    return table


def summary_table(bench: Bench) -> Table:
    table = Table("Summary and targets", ["figure", "measured", "target", "result"])
    for figure in bench.figures:
        result = ""
        if figure.met is not None:
            result = "met" if figure.met else "MISSED"
        table.add(figure.name, figure.measured, figure.goal or "", result)
    return table


def profile_sections(bench: Bench) -> str:
    """Collect the cProfile top 15 of every missed target as text."""
    parts = []
    for figure in bench.figures:
        if figure.met is False and figure.profile:
            parts.append(f"MISSED {figure.name}: where the time goes (cProfile, by own time)")
            parts.append(figure.profile)
            parts.append("")
    return "\n".join(parts)


def to_markdown(header: str, tables: list[Table], profiles: str) -> str:
    lines = ["# Benchmark results", ""]
    lines += [f"- {line}" for line in header.splitlines()]
    lines.append("")
    for table in tables:
        lines += [table.to_markdown(), ""]
    if profiles:
        lines += ["### Profiles of missed targets", "", "```", profiles.rstrip(), "```", ""]
    return "\n".join(lines)


README_START = "<!-- benchmark-summary:start: written by python -m benchmarks --readme -->"
README_END = "<!-- benchmark-summary:end -->"
README_PLACEHOLDER = "BENCHMARK-TABLE"


def update_readme(path: Path, header: str, summary: Table) -> None:
    """Replace the summary block of ``path`` (or its placeholder line) with this run's."""
    text = path.read_text(encoding="utf-8")
    lines = [f"- {line}" for line in header.splitlines()]
    table = summary.to_markdown().split("\n", 2)[2]
    block = "\n".join([README_START, *lines, "", table, README_END])

    if README_START in text and README_END in text:
        before, _, rest = text.partition(README_START)
        _, _, after = rest.partition(README_END)
        text = before + block + after
    elif f"\n{README_PLACEHOLDER}\n" in text:
        text = text.replace(f"\n{README_PLACEHOLDER}\n", f"\n{block}\n", 1)
    else:
        raise SystemExit(
            f"{path}: no benchmark summary block to replace; add a line reading "
            f"{README_PLACEHOLDER} where the summary belongs"
        )
    path.write_text(text, encoding="utf-8")


def _version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def _peer_versions(python: Path) -> str:
    """Return the versions of whatstk and chat-miner in the peers' interpreter."""
    script = (
        "from importlib.metadata import version\n"
        "print(', '.join(f'{n} {version(n)}' for n in ('whatstk', 'chat-miner')))"
    )
    try:
        found = subprocess.run(
            [str(python), "-c", script], capture_output=True, text=True, check=True, timeout=60
        )
    except (OSError, subprocess.SubprocessError):
        return f"whatstk and chat-miner not found in {python}"
    return found.stdout.strip()


def _load_average() -> str:
    """Return the 1-, 5- and 15-minute load averages: other work slows every figure."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f} (1, 5, 15 min)"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _memory_gib() -> str:
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError):
        return "?"
    return f"{pages / 2**30:.0f}"


def _mariadb_version() -> str:
    from benchmarks.context import MYSQL_SERVER_URL

    try:
        import sqlalchemy

        engine = sqlalchemy.create_engine(MYSQL_SERVER_URL)
        with engine.connect() as connection:
            server = connection.exec_driver_sql("SELECT VERSION()").scalar()
        engine.dispose()
        return f"MariaDB {server}"
    except Exception as error:  # noqa: BLE001 - only describes the machine
        return f"MariaDB not reachable ({type(error).__name__})"


if __name__ == "__main__":
    sys.exit(main())
