"""The publish flow: render the group reports that changed, the overview, and the index."""

from __future__ import annotations

from dataclasses import asdict, is_dataclass
from typing import Any

from prefect import flow, get_run_logger, task

from tafiti.config import get_settings


def _as_dict(result: Any) -> dict[str, Any]:
    return asdict(result) if is_dataclass(result) else dict(result)


@task(name="render-group-report", retries=1, retry_delay_seconds=10)
def render_group(slug: str, since: str | None, until: str | None) -> dict[str, Any]:
    from tafiti.publish import render_group_report

    return _as_dict(render_group_report(slug, get_settings(), since=since, until=until))


@task(name="render-overview", retries=1, retry_delay_seconds=10)
def render_overview_task() -> dict[str, Any]:
    from tafiti.publish import render_overview

    return _as_dict(render_overview(get_settings()))


@task(name="write-index")
def write_index_task() -> str:
    from tafiti.publish import write_index

    return str(write_index(get_settings()))


@flow(name="tafiti-publish")
def publish_flow(
    groups: list[str] | None = None,
    since: str | None = None,
    until: str | None = None,
    force: bool = False,
) -> dict[str, Any]:
    """Render the reports of ``groups`` (default: those whose data or notebook changed)."""
    from tafiti.publish import groups_to_render

    logger = get_run_logger()
    settings = get_settings()
    if groups is None:
        # A period other than the default makes every report differ from the last render.
        groups = groups_to_render(settings, force=force or bool(since or until))
    logger.info("rendering %d group report(s)", len(groups))

    futures = [render_group.submit(slug, since, until) for slug in groups]
    overview = render_overview_task.submit()
    results = [future.result(raise_on_failure=False) for future in futures]
    overview_result = overview.result(raise_on_failure=False)
    index = write_index_task()

    rendered = [r for r in results if isinstance(r, dict) and r.get("status") == "rendered"]
    failed = len(results) - len(rendered)
    logger.info("published %d report(s), %d failed; index at %s", len(rendered), failed, index)
    return {
        "groups": results,
        "overview": overview_result if isinstance(overview_result, dict) else None,
        "rendered": len(rendered),
        "failed": failed,
        "index": index,
    }
