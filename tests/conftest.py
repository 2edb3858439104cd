"""Shared fixtures: the export corpus, temporary settings, and database engines.

The corpus lives outside the project (default ``../shared/corpus``, or the
``TAFITI_CORPUS`` variable). Tests that need it skip with a message naming the
path, except under CI, where a missing corpus fails the run.

MySQL tests use the real server at ``TAFITI_TEST_MYSQL_URL`` (default
``mysql+pymysql://root@127.0.0.1:3306/test``), each in a database of its own
that the fixture creates and drops. Outside CI an unreachable server skips
them; under CI it fails them. ``.ci/run`` reads how many ran from
``.ci/results/mysql-tests-run``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "300")

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("TAFITI_CORPUS", PROJECT_ROOT.parent / "shared" / "corpus"))
MYSQL_URL = os.environ.get("TAFITI_TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/test")
IN_CI = bool(os.environ.get("CI"))

_mysql_tests_run = 0


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The shared export corpus folder."""
    if not CORPUS.is_dir():
        message = f"export corpus not found at {CORPUS} (set TAFITI_CORPUS)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return CORPUS


@pytest.fixture()
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Settings pointing every path at a temporary folder, with a SQLite database."""
    from tafiti.config import configure

    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("TAFITI_") and name != "TAFITI_TEST_MYSQL_URL":
            monkeypatch.delenv(name)
    (tmp_path / "exports").mkdir()
    return configure(
        source=str(tmp_path / "exports"),
        database_url=f"sqlite:///{tmp_path / 'tafiti.sqlite'}",
        reports_dir=tmp_path / "reports",
        work_dir=tmp_path / "work",
        groups_file=tmp_path / "groups.yml",
        pseudonym_key="test-key",
    )


def _mysql_server_url() -> str:
    import sqlalchemy

    engine = sqlalchemy.create_engine(MYSQL_URL)
    try:
        with engine.connect():
            pass
    except Exception as error:  # noqa: BLE001 - any failure means "no server"
        message = f"MySQL server at {MYSQL_URL} not reachable: {error}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    finally:
        engine.dispose()
    return MYSQL_URL


@pytest.fixture()
def mysql_url() -> Iterator[str]:
    """URL of a fresh, empty MySQL database on the real server, dropped afterwards."""
    import sqlalchemy
    from sqlalchemy.engine import make_url

    server_url = make_url(_mysql_server_url())
    name = f"tafiti_test_{uuid.uuid4().hex[:12]}"
    admin = sqlalchemy.create_engine(server_url)
    with admin.begin() as connection:
        connection.exec_driver_sql(
            f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
        )
    url = server_url.set(database=name, query={"charset": "utf8mb4"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("mysql", marks=pytest.mark.mysql)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each test using this runs twice: on a SQLite file and on the MySQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite'}"
    return request.getfixturevalue("mysql_url")


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    global _mysql_tests_run
    if report.when == "call" and report.passed and "mysql" in report.keywords:
        _mysql_tests_run += 1


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    results = PROJECT_ROOT / ".ci" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "mysql-tests-run").write_text(f"{_mysql_tests_run}\n")


def _with_and_without_c_module(
    request: pytest.FixtureRequest, user: ModuleType, attribute: str, name: str
) -> Iterator[str]:
    """Yield the run's name with ``user.<attribute>`` (the C module ``name``) as built or removed.

    The C modules are built by the project's install (setup.py); a missing one
    fails the "c" run instead of quietly testing the Python steps twice.
    """
    built = getattr(user, attribute)
    if request.param == "c":
        assert built is not None, f"{name} was not built (see setup.py)"
    else:
        setattr(user, attribute, None)
    try:
        yield request.param
    finally:
        setattr(user, attribute, built)


@pytest.fixture(params=["c", "python"], scope="module")
def column_code(request: pytest.FixtureRequest) -> Iterator[str]:
    """Run a parser test module twice: with the parser's C module, and with its Python steps."""
    from tafiti.parsing import parser

    yield from _with_and_without_c_module(request, parser, "_columns", "tafiti.parsing._columns")


@pytest.fixture(params=["c", "python"], scope="module")
def identity_code(request: pytest.FixtureRequest) -> Iterator[str]:
    """Run an identity test module twice: with the identity C module, and with the Python loop."""
    from tafiti.store import identity

    yield from _with_and_without_c_module(
        request, identity, "_identities", "tafiti.store._identities"
    )
