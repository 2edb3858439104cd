"""One settings object, read from environment variables and an optional ``.env`` file.

Every setting is documented in ``.env_sample``. Defaults make the main job run
with no settings at all: exports from ``data/exports``, a SQLite file under
``data/``, reports into ``reports/``. Relative paths are resolved against the
current working directory, which is the project checkout for ``make run``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# Prefect reads these when it is imported; setting them here keeps usage
# telemetry off for every entry point that loads the settings first.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
# Prefect's temporary server takes over 10 s to start on a busy 2-core machine.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")


class Settings(BaseSettings):
    """Tafiti's settings; each field is the environment variable ``TAFITI_<NAME>``."""

    model_config = SettingsConfigDict(
        env_prefix="TAFITI_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    source: str = "data/exports"
    database_url: str = "sqlite:///data/tafiti.sqlite"
    reports_dir: Path = Path("reports")
    work_dir: Path = Path("data/work")
    groups_file: Path = Path("data/groups.yml")
    timezone: str = "Africa/Nairobi"
    date_order: Literal["DMY", "MDY", "YMD"] = "DMY"

    max_export_bytes: int = 512 * 1024 * 1024
    max_zip_members: int = 10_000
    max_message_chars: int = 1_000_000

    report_names: Literal["pseudonym", "real"] = "pseudonym"
    pseudonym_key: str | None = None
    pseudonym_key_file: Path = Path("data/.pseudonym_key")

    schedule: str = "0 * * * *"
    dask_address: str | None = None
    # Each report render runs its own Jupyter kernel (a few hundred MB), so they are
    # rendered a few at a time rather than all at once.
    render_workers: int = Field(default=2, ge=1)
    sentry_dsn: str | None = Field(
        default=None, validation_alias=AliasChoices("SENTRY_DSN", "TAFITI_SENTRY_DSN")
    )
    sentry_environment: str = "production"

    gdrive_service_account_file: Path | None = None
    gdrive_client_secrets_file: Path = Path("secrets/client_secrets.json")
    gdrive_credentials_file: Path = Path("secrets/mycreds.txt")
    gdrive_recursive: bool = True
    # Drive API v2 base URL; None means Google's (https://www.googleapis.com/drive/v2/).
    gdrive_api_endpoint: str | None = None
    gdrive_timeout_seconds: float = 60.0
    gdrive_max_attempts: int = Field(default=6, ge=1)
    gdrive_backoff_seconds: float = Field(default=1.0, ge=0.0)


_current: Settings | None = None


def get_settings() -> Settings:
    """Return the process-wide settings, read from the environment on first use."""
    global _current
    if _current is None:
        _current = Settings()
    return _current


def configure(**overrides: object) -> Settings:
    """Replace the process-wide settings with environment values plus ``overrides``.

    The CLI calls this with its options, so an option beats the environment.
    ``None`` values are ignored. Tests call it to point tafiti at temporary paths.
    """
    global _current
    _current = Settings(**{k: v for k, v in overrides.items() if v is not None})
    return _current
