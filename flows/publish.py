"""The publish flow: render the group reports that changed, the overview, and the index.

With ``TAFITI_DASK_ADDRESS`` set, the reports render on that Dask cluster
through prefect-dask's ``DaskTaskRunner``. Every worker then needs tafiti
installed and access to the database and the reports folder.
"""

from __future__ import annotations

from dataclasses import asdict, is_dataclass
from typing import Any

from prefect import Flow, flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

from tafiti.config import Settings, get_settings
from tafiti.monitoring import init_sentry


def _as_dict(result: Any) -> dict[str, Any]:
    return asdict(result) if is_dataclass(result) else dict(result)


# The render tasks take the flow's settings as an argument because on a Dask
# worker get_settings() would read the worker's environment instead. NO_CACHE:
# the settings hold secrets, and a render must not be skipped as cached.
@task(name="render-group-report", retries=1, retry_delay_seconds=10, cache_policy=NO_CACHE)
def render_group(
    slug: str, since: str | None, until: str | None, settings: Settings | None = None
) -> dict[str, Any]:
    from tafiti.publish import render_group_report

    settings = settings or get_settings()
    init_sentry(settings)
    return _as_dict(render_group_report(slug, settings, since=since, until=until))


@task(name="render-overview", retries=1, retry_delay_seconds=10, cache_policy=NO_CACHE)
def render_overview_task(settings: Settings | None = None) -> dict[str, Any]:
    from tafiti.publish import render_overview

    settings = settings or get_settings()
    init_sentry(settings)
    return _as_dict(render_overview(settings))


@flow(name="tafiti-render-reports")
def render_reports_flow(
    groups: list[str], since: str | None, until: str | None
) -> tuple[list[Any], Any]:
    """Render the group reports and the overview in parallel on this flow's task runner.

    Returns each group's result dict (or the exception of a task that failed) and the
    overview's. Settings are read here, not passed in, so they never become flow-run
    parameters stored on the Prefect server.
    """
    settings = get_settings()
    futures = [render_group.submit(slug, since, until, settings) for slug in groups]
    overview = render_overview_task.submit(settings)
    results = [future.result(raise_on_failure=False) for future in futures]
    return results, overview.result(raise_on_failure=False)


def _render_reports_flow(settings: Settings) -> Flow:
    """Return the render subflow, on the Dask cluster at ``settings.dask_address`` if set."""
    if not settings.dask_address:
        return render_reports_flow.with_options(
            task_runner=ThreadPoolTaskRunner(max_workers=settings.render_workers)
        )

    from prefect_dask import DaskTaskRunner

    return render_reports_flow.with_options(
        task_runner=DaskTaskRunner(address=settings.dask_address)
    )


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
    init_sentry(settings)
    if groups is None:
        # A period other than the default makes every report differ from the last render.
        groups = groups_to_render(settings, force=force or bool(since or until))
    where = f"on the Dask cluster at {settings.dask_address}" if settings.dask_address else "here"
    logger.info("rendering %d group report(s) %s", len(groups), where)

    results, overview_result = _render_reports_flow(settings)(groups, since, until)
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
