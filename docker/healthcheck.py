"""Docker HEALTHCHECK of the pipeline container: the database and the Prefect server respond.

Exits 0 when both respond within a few seconds, 1 otherwise with the reason on
stderr. The Prefect server is checked only when PREFECT_API_URL is set.
"""

from __future__ import annotations

import os
import sys
import urllib.request

from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError

from tafiti.config import get_settings

TIMEOUT_SECONDS = 5


def main() -> int:
    url = get_settings().database_url
    connect_args = {"connect_timeout": TIMEOUT_SECONDS} if url.startswith("mysql") else {}
    engine = create_engine(url, connect_args=connect_args)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        print(f"unhealthy: database connection failed: {error}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()

    api_url = os.environ.get("PREFECT_API_URL")
    if api_url:
        try:
            with urllib.request.urlopen(f"{api_url.rstrip('/')}/health", timeout=TIMEOUT_SECONDS):
                pass
        except OSError as error:
            print(f"unhealthy: Prefect server at {api_url} failed: {error}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
