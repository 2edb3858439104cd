"""The pipeline flow: sync, then publish. This is what ``tafiti run`` and the schedule run."""

from __future__ import annotations

from typing import Any

from prefect import flow

from flows.publish import publish_flow
from flows.sync import sync_flow


@flow(name="tafiti-pipeline")
def pipeline_flow(source_url: str | None = None, force: bool = False) -> dict[str, Any]:
    """Sync the export source, then re-render the reports whose data changed."""
    sync_summary = sync_flow(source_url)
    publish_summary = publish_flow(force=force)
    return {"sync": sync_summary, "publish": publish_summary}
