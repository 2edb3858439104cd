"""``tafiti serve`` against a real Prefect server: one scheduled pipeline run completes.

The test starts ``prefect server start`` on 127.0.0.1 (a free port, its own
PREFECT_HOME, telemetry off), then ``tafiti serve`` with a one-minute interval
over a temporary exports folder and SQLite database. It waits, at most
SERVE_TIMEOUT_SECONDS, for a scheduled run of the pipeline to reach COMPLETED,
then stops both processes with SIGTERM (SIGKILL if they do not exit).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
EXPORT = "WhatsApp Chat with Duka Bora C5 - Kisumu.txt"

SERVER_START_SECONDS = 90
SERVE_TIMEOUT_SECONDS = 240
STOP_SECONDS = 30

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _base_environment(home: Path) -> dict[str, str]:
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("TAFITI_", "PREFECT_", "SENTRY_"))
    }
    environment.update(
        PREFECT_HOME=str(home),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DO_NOT_TRACK="1",
        PYTHONUNBUFFERED="1",
    )
    return environment


def _stop(process: subprocess.Popen, sig: signal.Signals = signal.SIGTERM) -> int:
    """Send ``sig``, wait, and kill the process group if it does not exit in time."""
    if process.poll() is None:
        process.send_signal(sig)
        try:
            return process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    return process.returncode


@dataclass
class PrefectServer:
    url: str
    process: subprocess.Popen
    log: Path


@pytest.fixture()
def prefect_server(tmp_path: Path) -> Iterator[PrefectServer]:
    port = _free_port()
    home = tmp_path / "prefect-server"
    home.mkdir()
    environment = _base_environment(home)
    environment.update(
        PREFECT_UI_ENABLED="false",
        # Look for runs to schedule every 5 s instead of every 60 s.
        PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS="5",
    )
    log = tmp_path / "prefect-server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=environment,
            cwd=tmp_path,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = PrefectServer(f"http://127.0.0.1:{port}/api", process, log)
    try:
        _wait_for_health(server)
        yield server
    finally:
        _stop(process, signal.SIGINT)


def _wait_for_health(server: PrefectServer) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"prefect server exited early:\n{server.log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{server.url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"prefect server not healthy within {SERVER_START_SECONDS} s")


def _pipeline_runs(url: str) -> list:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: url}):
        with get_client(sync_client=True) as client:
            return client.read_flow_runs(
                flow_filter=FlowFilter(name=FlowFilterName(any_=["tafiti-pipeline"]))
            )


def _deployment(url: str, deployment_id):
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: url}):
        with get_client(sync_client=True) as client:
            return client.read_deployment(deployment_id)


def _wait_for_completed_run(url: str, serve: subprocess.Popen, log: Path):
    deadline = time.monotonic() + SERVE_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if serve.poll() is not None:
            pytest.fail(f"tafiti serve exited with {serve.returncode}:\n{log.read_text()[-5000:]}")
        runs = _pipeline_runs(url)
        completed = [run for run in runs if run.state_type.value == "COMPLETED"]
        if completed:
            return completed[0]
        broken = [run for run in runs if run.state_type.value in ("FAILED", "CRASHED")]
        if broken:
            pytest.fail(f"pipeline run {broken[0].state}:\n{log.read_text()[-5000:]}")
        time.sleep(3)
    pytest.fail(
        f"no pipeline run completed within {SERVE_TIMEOUT_SECONDS} s:\n{log.read_text()[-5000:]}"
    )


def test_serve_completes_scheduled_run(
    prefect_server: PrefectServer, corpus: Path, tmp_path: Path
) -> None:
    exports = tmp_path / "exports"
    exports.mkdir()
    shutil.copy(corpus / "cases" / EXPORT, exports / EXPORT)
    database = tmp_path / "tafiti.sqlite"
    environment = _base_environment(tmp_path / "prefect-client")
    environment.update(
        PREFECT_API_URL=prefect_server.url,
        PREFECT_RUNNER_POLL_FREQUENCY="5",
        TAFITI_SCHEDULE="60s",
        TAFITI_SOURCE=str(exports),
        TAFITI_DATABASE_URL=f"sqlite:///{database}",
        TAFITI_REPORTS_DIR=str(tmp_path / "reports"),
        TAFITI_WORK_DIR=str(tmp_path / "work"),
        TAFITI_GROUPS_FILE=str(tmp_path / "groups.yml"),
        TAFITI_PSEUDONYM_KEY="serve-test-key",
    )
    log = tmp_path / "serve.log"

    with log.open("wb") as output:
        serve = subprocess.Popen(
            [str(BIN / "tafiti"), "serve"],
            env=environment,
            cwd=tmp_path,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        run = _wait_for_completed_run(prefect_server.url, serve, log)
        deployment = _deployment(prefect_server.url, run.deployment_id)
    finally:
        exit_code = _stop(serve)
    output = log.read_text()

    assert run.auto_scheduled is True
    assert deployment.name == "scheduled"
    assert deployment.global_concurrency_limit.limit == 1
    assert deployment.concurrency_options.collision_strategy.value == "CANCEL_NEW"
    assert [schedule.schedule.interval.total_seconds() for schedule in deployment.schedules] == [60]
    assert "serving the pipeline on every 0:01:00" in output
    assert "pipeline run finished: sync imported=1" in output
    assert "stopped serving the pipeline" in output
    assert exit_code == 0
    assert database.exists()
    assert (tmp_path / "reports" / "index.html").exists()
