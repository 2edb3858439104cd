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


class RenderError(Exception):
    """Error raised for a failed render, so that Prefect retries the task.

    ``result`` is the render's result dict, with the error and the previous page.
    """

    def __init__(self, result: dict[str, Any]) -> None:
        super().__init__(result)
        self.result = result

    def __str__(self) -> str:
        return f"{self.result.get('name')}: {self.result.get('error')}"


def _checked(result: Any) -> dict[str, Any]:
    """Return a render's result as a dict, or raise RenderError when the render failed."""
    outcome = asdict(result) if is_dataclass(result) else dict(result)
    if outcome.get("status") != "rendered":
        raise RenderError(outcome)
    return outcome


def _outcome(name: str, value: Any) -> dict[str, Any]:
    """Return a render task's result, or its last exception, as a result dict."""
    if isinstance(value, RenderError):
        return value.result
    if isinstance(value, BaseException):
        return {"name": name, "status": "failed", "error": f"{type(value).__name__}: {value}"}
    return value


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
    return _checked(render_group_report(slug, settings, since=since, until=until))


@task(name="render-overview", retries=1, retry_delay_seconds=10, cache_policy=NO_CACHE)
def render_overview_task(settings: Settings | None = None) -> dict[str, Any]:
    from tafiti.publish import render_overview

    settings = settings or get_settings()
    init_sentry(settings)
    return _checked(render_overview(settings))


@flow(name="tafiti-render-reports")
def render_reports_flow(
    groups: list[str], since: str | None, until: str | None, overview: bool = True
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Render the group reports, and the overview if asked, in parallel on this flow's runner.

    Returns each group's result dict and the overview's (``None`` when not
    rendered). A render that still fails after its retry gives a dict with status
    "failed". Settings are read here, not passed in, so they never become
    flow-run parameters stored on the Prefect server.
    """
    settings = get_settings()
    futures = [render_group.submit(slug, since, until, settings) for slug in groups]
    overview_future = render_overview_task.submit(settings) if overview else None
    results = [
        _outcome(slug, future.result(raise_on_failure=False))
        for slug, future in zip(groups, futures, strict=True)
    ]
    if overview_future is None:
        return results, None
    return results, _outcome("overview", overview_future.result(raise_on_failure=False))


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
    from tafiti.publish import groups_to_render, overview_changed

    logger = get_run_logger()
    settings = get_settings()
    init_sentry(settings)
    if groups is None:
        # A period other than the default makes every report differ from the last render.
        groups = groups_to_render(settings, force=force or bool(since or until))
    overview = bool(groups) or overview_changed(settings, force=force)
    where = f"on the Dask cluster at {settings.dask_address}" if settings.dask_address else "here"
    logger.info(
        "rendering %d group report(s)%s %s",
        len(groups),
        " and the overview" if overview else "; the overview is unchanged",
        where,
    )

    results, overview_result = _render_reports_flow(settings)(groups, since, until, overview)
    index = write_index_task()

    rendered = [r for r in results if r.get("status") == "rendered"]
    failed = len(results) - len(rendered)
    logger.info("published %d report(s), %d failed; index at %s", len(rendered), failed, index)
    return {
        "groups": results,
        "overview": overview_result,
        "rendered": len(rendered),
        "failed": failed,
        "index": index,
    }
