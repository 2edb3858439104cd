"""The benchmark harness's own arithmetic and its parse worker (no timing is asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.context import Growth
from benchmarks.table import Table, rate, ratio

PROJECT_ROOT = Path(__file__).resolve().parent.parent

EXPORT = """\
10/01/2022, 08:30 - Amina Said created group "Duka Bora"
10/01/2022, 08:31 - Amina Said: Karibuni wote
13/01/2022, 09:15 - John Otieno: Asante!
second line of John's message
13/01/2022, 09:16 - Amina Said: <Media omitted>
"""


def test_growth_ratio_linear_time_is_one() -> None:
    growth = Growth("parse", small=10_000, small_seconds=0.5, large=1_000_000, large_seconds=50.0)

    assert growth.per_message_ratio == 1.0


def test_growth_ratio_quadratic_time() -> None:
    growth = Growth("parse", small=10_000, small_seconds=1.0, large=100_000, large_seconds=100.0)

    assert growth.per_message_ratio == 10.0


def test_rate_rounds_to_three_significant_figures() -> None:
    assert rate(1_000_000, 7.0) == "143,000"
    assert rate(10_000, 8.0) == "1,250"
    assert rate(5, 0.0) == "n/a"


def test_ratio_format() -> None:
    assert ratio(3.456) == "3.46×"
    assert ratio(12.34) == "12.3×"


def test_table_markdown_rows_and_escaped_pipes() -> None:
    table = Table("Parse", ["tool", "msg/s"])
    table.add("tafiti", "143,000")
    table.add("a|b", "1")

    lines = table.to_markdown().splitlines()

    assert lines[0] == "### Parse"
    assert lines[2] == "| tool | msg/s |"
    assert lines[3] == "|---|---|"
    assert lines[4] == "| tafiti | 143,000 |"
    assert lines[5] == "| a\\|b | 1 |"


def test_table_rejects_row_of_wrong_width() -> None:
    table = Table("Parse", ["tool", "msg/s"])

    with pytest.raises(ValueError, match="1 cells, expected 2"):
        table.add("tafiti")


def test_parse_worker_counts_tafiti_messages(tmp_path: Path) -> None:
    export = tmp_path / "WhatsApp Chat with Duka Bora.txt"
    export.write_text(EXPORT, encoding="utf-8")
    result = tmp_path / "result.json"

    subprocess.run(
        [sys.executable, "-m", "benchmarks.parse_worker", "tafiti", str(export), str(result)],
        cwd=PROJECT_ROOT,
        check=True,
        timeout=120,
    )
    counts = json.loads(result.read_text(encoding="utf-8"))

    assert counts["tool"] == "tafiti"
    assert counts["messages"] == 3
    assert counts["events"] == 1


def test_update_readme_fills_placeholder_then_block(tmp_path: Path) -> None:
    from benchmarks.__main__ import README_END, README_START, update_readme

    readme = tmp_path / "README.md"
    readme.write_text("## Benchmarks\n\nBENCHMARK-TABLE\n\n## Next\n", encoding="utf-8")
    first = Table("Summary", ["figure", "measured"])
    first.add("sync", "1,000")
    second = Table("Summary", ["figure", "measured"])
    second.add("sync", "52,000")

    update_readme(readme, "date: today", first)
    update_readme(readme, "date: tomorrow", second)
    text = readme.read_text(encoding="utf-8")

    assert "BENCHMARK-TABLE" not in text
    assert text.count(README_START) == 1
    assert text.count(README_END) == 1
    assert "- date: tomorrow" in text
    assert "| sync | 52,000 |" in text
    assert "1,000" not in text
    assert text.endswith("\n\n## Next\n")
