"""Parse speed: tafiti, whatstk and chat-miner on the same bytes, one process per run.

Each run is a whole process (``python -m benchmarks.parse_worker``): interpreter
start, imports, reading and parsing, timed from outside. Its peak memory is the
child's ``ru_maxrss`` from ``os.wait4``, which covers that one process only.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.context import (
    PROJECT_ROOT,
    WHATSTK_HFORMAT,
    Bench,
    Growth,
    KeyFigure,
    profile_top,
)
from benchmarks.table import Table, count, mebibytes, rate, ratio, seconds

log = logging.getLogger(__name__)

TOOLS = ("tafiti", "whatstk", "chat-miner")
TARGET_SPEEDUP = 3.0
# Process times below a few seconds vary by a tenth of a second from run to run,
# so smaller sizes take the fastest of this many runs.
REPEATS = 3


@dataclass
class ToolRun:
    """One tool's process on one export."""

    tool: str
    wall_seconds: float
    parse_seconds: float
    import_seconds: float
    peak_rss_kib: int
    messages: int


def worker_environment() -> dict[str, str]:
    """The environment of a worker process: this one's, minus the OpenBLAS overrides.

    Some machines set OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE because older OpenBLAS
    builds fail on their processors. Both slow a current numpy, which pandas and
    whatstk use, so the workers run without them. They are removed together and
    only for the worker.
    """
    environment = dict(os.environ)
    environment.pop("OPENBLAS_CORETYPE", None)
    environment.pop("OPENBLAS_L2_SIZE", None)
    return environment


def run_worker(tool: str, export: Path, folder: Path, python: Path) -> ToolRun:
    """Run one tool on ``export`` in a process of ``python`` and measure it."""
    result_path = folder / f"{tool}.json"
    log_path = folder / f"{tool}.log"
    command = [str(python), "-m", "benchmarks.parse_worker", tool, str(export), str(result_path)]
    command += ["--hformat", WHATSTK_HFORMAT]

    with log_path.open("wb") as output:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=worker_environment(), stdout=output, stderr=output
        )
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)

    if process.returncode != 0:
        tail = log_path.read_text(encoding="utf-8", errors="replace")[-2000:]
        raise RuntimeError(f"{tool} failed on {export.name} (exit {process.returncode}):\n{tail}")
    result = json.loads(result_path.read_text(encoding="utf-8"))
    return ToolRun(
        tool=tool,
        wall_seconds=wall,
        parse_seconds=result["parse_seconds"],
        import_seconds=result["import_seconds"],
        peak_rss_kib=usage.ru_maxrss,
        messages=result["messages"],
    )


def _python_for(bench: Bench, tool: str) -> Path:
    """tafiti runs in this interpreter; the peers in theirs (see ``--peers-python``)."""
    if tool == "tafiti":
        return Path(sys.executable)
    if not bench.peers_python.exists():
        raise SystemExit(
            f"{bench.peers_python} not found: run `make peers` or give --peers-python, "
            "an interpreter with whatstk and chat-miner installed"
        )
    return bench.peers_python


def warm_up(bench: Bench) -> None:
    """Run each tool once on a small export, untimed, so no tool pays for a cold disk cache."""
    export, _ = bench.export(bench.sizes[0])
    folder = bench.folder("parse-warm-up")
    for tool in TOOLS:
        run_worker(tool, export, folder, _python_for(bench, tool))


def best_run(bench: Bench, tool: str, export: Path, folder: Path, size: int) -> ToolRun:
    """Return the fastest of a few runs, with the highest peak memory.

    chat-miner runs once at the largest size, where one run takes about a minute.
    tafiti and whatstk run as often at every size, because their ratio has a target.
    """
    repeats = 1 if tool == "chat-miner" and size == max(bench.sizes) else REPEATS
    runs = [run_worker(tool, export, folder, _python_for(bench, tool)) for _ in range(repeats)]
    best = min(runs, key=lambda run: run.wall_seconds)
    best.peak_rss_kib = max(run.peak_rss_kib for run in runs)
    return best


def expected_messages(manifest: dict[str, Any]) -> int:
    """Messages (every record that is not an event) in an export, as its manifest counts them."""
    return int(manifest["messages"])


def run(bench: Bench) -> None:
    """Parse exports of every size with each tool and record speed, memory and counts."""
    table = Table(
        "Parse: whole process (start, import, read, parse), one process per tool and size",
        [
            "messages",
            "tool",
            "process s",
            "msg/s",
            "parse-only msg/s",
            "tafiti speed ×",
            "peak RSS MiB",
            "count",
        ],
    )
    warm_up(bench)
    runs: dict[int, dict[str, ToolRun]] = {}
    for size in bench.sizes:
        export, manifest = bench.export(size)
        expected = expected_messages(manifest)
        folder = bench.folder(f"parse-{size}")
        runs[size] = {tool: best_run(bench, tool, export, folder, size) for tool in TOOLS}

        ours = runs[size]["tafiti"]
        for tool in TOOLS:
            measured = runs[size][tool]
            speedup = measured.wall_seconds / ours.wall_seconds
            check = "ok" if measured.messages == expected else f"MISMATCH {measured.messages:,}"
            if measured.messages != expected:
                print(
                    f"count mismatch: {tool} read {measured.messages:,} messages from "
                    f"{export.name}, the generator's manifest says {expected:,}",
                    flush=True,
                )
            table.add(
                count(size),
                tool,
                seconds(measured.wall_seconds),
                rate(size, measured.wall_seconds),
                rate(size, measured.parse_seconds),
                "—" if tool == "tafiti" else ratio(speedup),
                mebibytes(measured.peak_rss_kib),
                check,
            )
    table.notes.append(
        "tafiti speed × = the tool's process time / tafiti's process time on the same file; "
        f"whatstk gets hformat={WHATSTK_HFORMAT!r} and max_size=None; "
        "count = messages returned (system lines excluded) against the generator's manifest.",
    )
    table.notes.append(
        f"process s = the fastest of {REPEATS} runs (chat-miner: 1 run at the largest size), "
        "after one "
        "untimed warm-up run per tool; peak RSS = the child's ru_maxrss, the highest of its runs."
    )
    bench.show(table)

    small, large = bench.sizes[0], bench.sizes[-1]
    for tool in TOOLS:
        bench.growth.append(
            Growth(
                f"parse, {tool} (parse only)",
                small,
                runs[small][tool].parse_seconds,
                large,
                runs[large][tool].parse_seconds,
            )
        )
    _check_target(bench, runs[large], bench.export(large)[0])


def _check_target(bench: Bench, runs: dict[str, ToolRun], export: Path) -> None:
    speedup = runs["whatstk"].wall_seconds / runs["tafiti"].wall_seconds
    messages = runs["tafiti"].messages
    bench.figures.append(
        KeyFigure(
            f"parse {messages:,} messages, whole process (msg/s)",
            ", ".join(f"{tool} {rate(messages, runs[tool].wall_seconds)}" for tool in TOOLS),
        )
    )
    target = KeyFigure(
        "parse: tafiti's speed / whatstk's",
        f"{ratio(speedup)} at {messages:,} messages",
        goal=f"≥ {TARGET_SPEEDUP:.0f}×",
        met=speedup >= TARGET_SPEEDUP,
    )
    if not target.met:
        from tafiti.parsing import parse_file

        target.profile = profile_top(lambda: parse_file(export))
    bench.figures.append(target)
    speedup = runs["chat-miner"].wall_seconds / runs["tafiti"].wall_seconds
    bench.figures.append(
        KeyFigure("parse: tafiti's speed / chat-miner's", f"{ratio(speedup)} at {messages:,}")
    )
