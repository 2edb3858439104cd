"""The pipeline flow: sync, then publish. This is what ``tafiti run`` and the schedule run."""

from __future__ import annotations

from typing import Any

from prefect import Flow, flow, get_run_logger
from prefect.client.schemas.objects import FlowRun
from prefect.states import State

from flows.publish import publish_flow
from flows.sync import _describe, sync_flow
from tafiti.config import get_settings
from tafiti.monitoring import init_sentry, report_failure


def _report_pipeline_failure(flow: Flow, flow_run: FlowRun, state: State) -> None:
    """Send a pipeline run that failed as a whole (a failed file or report does not fail it)."""
    error = state.result(raise_on_failure=False)
    if isinstance(error, BaseException):
        report_failure(error, step="pipeline")


@flow(name="tafiti-pipeline", on_failure=[_report_pipeline_failure])
def pipeline_flow(source_url: str | None = None, force: bool = False) -> dict[str, Any]:
    """Sync the export source, then re-render the reports whose data changed."""
    init_sentry(get_settings())
    sync_summary = sync_flow(source_url)
    publish_summary = publish_flow(force=force)
    get_run_logger().info(
        "pipeline run finished: sync %s; %s report(s) rendered, %s failed",
        _describe(sync_summary) or "found nothing new",
        publish_summary.get("rendered", 0),
        publish_summary.get("failed", 0),
    )
    return {"sync": sync_summary, "publish": publish_summary}
