"""The sync flow: new or changed exports from the source into the database."""

from __future__ import annotations

from dataclasses import asdict, is_dataclass
from typing import Any

from prefect import flow, get_run_logger, task

from tafiti.config import get_settings
from tafiti.monitoring import init_sentry


@task(name="sync-exports", retries=2, retry_delay_seconds=30)
def sync_exports(source_url: str | None = None) -> dict[str, Any]:
    """Sync every new or changed export; safe to retry because imports are idempotent."""
    from tafiti.sources import open_source
    from tafiti.store.db import get_engine
    from tafiti.store.sync import sync_source

    settings = get_settings()
    source = open_source(source_url or settings.source, settings)
    summary = sync_source(source, get_engine(settings.database_url), settings)
    return asdict(summary) if is_dataclass(summary) else dict(summary)


@flow(name="tafiti-sync")
def sync_flow(source_url: str | None = None) -> dict[str, Any]:
    """Sync the export source (``TAFITI_SOURCE`` unless ``source_url`` is given)."""
    logger = get_run_logger()
    init_sentry(get_settings())
    summary = sync_exports(source_url)
    logger.info("sync finished: %s", _describe(summary))
    return summary


def _describe(summary: dict[str, Any]) -> str:
    keys = ("imported", "skipped", "failed", "new_messages")
    return ", ".join(f"{key}={summary[key]}" for key in keys if key in summary)
