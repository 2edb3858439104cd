"""Wait until the database in TAFITI_DATABASE_URL accepts connections (docker/entrypoint.sh).

A server database is ready when its port accepts a TCP connection and a real
login with ``SELECT 1`` succeeds; MySQL accepts TCP connections a while before
it accepts logins during its first start. A SQLite database needs only its
folder. Exits 0 when ready, 1 after ``--timeout`` seconds.
"""

from __future__ import annotations

import argparse
import logging
import socket
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError

from tafiti.config import get_settings

log = logging.getLogger("tafiti.wait_for_database")

DEFAULT_PORTS = {"mysql": 3306, "mariadb": 3306, "postgresql": 5432}
ATTEMPT_TIMEOUT_SECONDS = 5


def wait_for_database(url: URL, timeout: float, interval: float = 2.0) -> bool:
    """Return True once ``url`` accepts a login, False after ``timeout`` seconds."""
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        return True

    host = url.host or "localhost"
    port = url.port or DEFAULT_PORTS.get(url.get_backend_name(), 3306)
    deadline = time.monotonic() + timeout
    attempt = 0
    while True:
        attempt += 1
        problem = _tcp_problem(host, port) or _login_problem(url)
        if problem is None:
            log.info("database at %s:%s is ready (attempt %d)", host, port, attempt)
            return True
        if time.monotonic() + interval > deadline:
            log.error("database at %s:%s not ready after %.0f s: %s", host, port, timeout, problem)
            return False
        log.info("waiting for the database at %s:%s (attempt %d): %s", host, port, attempt, problem)
        time.sleep(interval)


def _tcp_problem(host: str, port: int) -> str | None:
    try:
        with socket.create_connection((host, port), timeout=ATTEMPT_TIMEOUT_SECONDS):
            return None
    except OSError as error:
        return f"TCP connection failed: {error}"


def _login_problem(url: URL) -> str | None:
    connect_args = {}
    if url.get_backend_name() in ("mysql", "mariadb"):
        connect_args = {
            "connect_timeout": ATTEMPT_TIMEOUT_SECONDS,
            "read_timeout": ATTEMPT_TIMEOUT_SECONDS,
        }
    engine = create_engine(url, connect_args=connect_args)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return None
    except SQLAlchemyError as error:
        return f"login failed: {error.__class__.__name__}: {error.orig or error}"
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--timeout", type=float, default=120, help="Seconds to wait before giving up (120)."
    )
    arguments = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)-7s %(message)s")

    url = make_url(get_settings().database_url)
    return 0 if wait_for_database(url, arguments.timeout) else 1


if __name__ == "__main__":
    sys.exit(main())
