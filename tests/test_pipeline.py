"""The main job end to end, as ``make run`` runs it: ``tafiti run`` on a copy of data/exports.

Expected numbers come from data/exports/manifest.json, which the sample
generator wrote beside the exports; nothing here is checked against tafiti's
own parser.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_EXPORTS = PROJECT_ROOT / "data" / "exports"
TAFITI = Path(sys.executable).with_name("tafiti")

pytestmark = pytest.mark.slow


def _manifest() -> dict[str, Any]:
    return json.loads((SAMPLE_EXPORTS / "manifest.json").read_text(encoding="utf-8"))


def _run_tafiti(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("TAFITI_")}
    environment.update(
        TAFITI_SOURCE=str(workdir / "exports"),
        TAFITI_DATABASE_URL=f"sqlite:///{workdir / 'tafiti.sqlite'}",
        TAFITI_REPORTS_DIR=str(workdir / "reports"),
        TAFITI_WORK_DIR=str(workdir / "work"),
        TAFITI_GROUPS_FILE=str(PROJECT_ROOT / "data" / "groups.yml"),
        TAFITI_PSEUDONYM_KEY="pipeline-test-key",
        PREFECT_HOME=str(workdir / "prefect"),
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="300",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DO_NOT_TRACK="1",
    )
    return subprocess.run(
        [str(TAFITI), *args],
        cwd=workdir,
        env=environment,
        capture_output=True,
        text=True,
        timeout=1500,
    )


def _snapshot(database: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the content tables, sorted, for comparing two runs."""
    engine = sqlalchemy.create_engine(f"sqlite:///{database}")
    tables = ("groups", "participants", "messages", "events")
    snapshot = {}
    with engine.connect() as connection:
        for table in tables:
            rows = connection.exec_driver_sql(f"SELECT * FROM {table}").all()
            snapshot[table] = sorted(tuple(row) for row in rows)
    engine.dispose()
    return snapshot


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Run ``tafiti run`` twice on a copy of the sample exports; keep both outputs."""
    workdir = tmp_path_factory.mktemp("pipeline")
    shutil.copytree(SAMPLE_EXPORTS, workdir / "exports")

    first = _run_tafiti(workdir, "run")
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    before = _snapshot(workdir / "tafiti.sqlite")
    groups = json.loads(_run_tafiti(workdir, "groups", "--json").stdout)

    second = _run_tafiti(workdir, "run")
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    after = _snapshot(workdir / "tafiti.sqlite")
    return {
        "workdir": workdir,
        "first": first,
        "second": second,
        "before": before,
        "after": after,
        "groups": groups,
    }


def test_first_run_imports_every_sample_file(pipeline: dict[str, Any]) -> None:
    manifest = _manifest()
    export_files = sorted(manifest["files"])
    output = pipeline["first"].stdout

    assert f"{len(export_files)} export file(s) found" in output
    assert f"{len(export_files)} imported" in output
    assert "0 failed; " in output


def test_groups_match_manifest(pipeline: dict[str, Any]) -> None:
    expected = _manifest()["groups"]
    stored = {group["name"]: group for group in pipeline["groups"]}

    assert sorted(stored) == sorted(expected)
    for name, group in expected.items():
        assert stored[name]["messages"] == group["messages"], name
        assert stored[name]["events"] == group["events"], name
        assert stored[name]["first"] == group["first"], name
        assert stored[name]["last"] == group["last"], name


def test_database_counts_match_manifest(pipeline: dict[str, Any]) -> None:
    expected = _manifest()["groups"]
    snapshot = pipeline["before"]

    assert len(snapshot["groups"]) == len(expected)
    assert len(snapshot["messages"]) == sum(group["messages"] for group in expected.values())
    assert len(snapshot["events"]) == sum(group["events"] for group in expected.values())


def test_report_pages_show_manifest_message_counts(pipeline: dict[str, Any]) -> None:
    reports = pipeline["workdir"] / "reports"
    index = (reports / "index.html").read_text(encoding="utf-8")
    by_name = {group["name"]: group for group in pipeline["groups"]}

    for name, expected in _manifest()["groups"].items():
        slug = by_name[name]["slug"]
        page = reports / "groups" / slug / "index.html"
        assert page.is_file(), f"no report for {name}"
        text = html.unescape(page.read_text(encoding="utf-8"))
        shown = re.search(r"<th[^>]*>Messages</th>\s*<td[^>]*>([\d,]+)</td>", text)
        assert shown is not None, f"no message count in the report of {name}"
        assert int(shown.group(1).replace(",", "")) == expected["messages"], name
        assert f'href="groups/{slug}/index.html"' in index
    assert (reports / "overview" / "index.html").is_file()


def test_first_run_renders_the_overview(pipeline: dict[str, Any]) -> None:
    groups = len(_manifest()["groups"])

    assert f"reports: {groups} rendered, 0 failed; overview rendered" in pipeline["first"].stdout


def test_second_run_imports_nothing(pipeline: dict[str, Any]) -> None:
    files = len(_manifest()["files"])
    output = pipeline["second"].stdout

    assert f"{files} export file(s) found: 0 imported, {files} unchanged" in output
    assert "nothing new to import" in output
    assert "reports: 0 rendered, 0 failed; overview unchanged" in output


def test_second_run_leaves_rows_identical(pipeline: dict[str, Any]) -> None:
    for table, rows in pipeline["before"].items():
        assert pipeline["after"][table] == rows, table


def test_run_leaves_completed_prefect_flow_run(pipeline: dict[str, Any]) -> None:
    script = (
        "import asyncio\n"
        "from prefect.client.orchestration import get_client\n"
        "async def main():\n"
        "    async with get_client() as client:\n"
        "        runs = await client.read_flow_runs()\n"
        "        flows = {f.id: f.name for f in await client.read_flows()}\n"
        "    for run in runs:\n"
        "        print(flows[run.flow_id], run.state_type.value)\n"
        "asyncio.run(main())\n"
    )
    environment = dict(
        os.environ,
        PREFECT_HOME=str(pipeline["workdir"] / "prefect"),
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="300",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DO_NOT_TRACK="1",
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    runs = [line.split() for line in result.stdout.splitlines() if line.strip()]

    assert ["tafiti-pipeline", "COMPLETED"] in runs
    assert sum(1 for name, _ in runs if name == "tafiti-pipeline") == 2
