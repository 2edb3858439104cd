"""The publish flow retries a failed render once, then reports it with its error.

The render functions are replaced by fakes that record their calls; the
database, the flow, its tasks and Prefect's retry are real.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from tafiti.config import Settings, configure

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_EXPORT = PROJECT_ROOT / "data" / "exports" / "WhatsApp Chat - Vijana Kilimo Biashara 2.zip"

pytestmark = pytest.mark.slow


@pytest.fixture()
def synced(settings: Settings, tmp_path: Path) -> str:
    """Sync one sample export and return its group's slug."""
    from tafiti.sources import open_source
    from tafiti.store.db import get_engine
    from tafiti.store.queries import list_groups
    from tafiti.store.sync import sync_source

    shutil.copy(SAMPLE_EXPORT, tmp_path / "exports" / SAMPLE_EXPORT.name)
    settings = configure(
        **settings.model_dump(exclude={"sentry_dsn"})
        | {"groups_file": PROJECT_ROOT / "data" / "groups.yml"}
    )
    engine = get_engine(settings.database_url)
    summary = sync_source(open_source(settings.source, settings), engine, settings)
    assert summary.imported == 1
    (group,) = list_groups(engine)
    return str(group["slug"])


def test_failed_render_retried_then_reported(synced: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import flows.publish as flow_module
    import tafiti.publish as publish

    calls: list[str] = []

    def failing_render(slug: str, settings: Settings, **period: Any) -> publish.ReportResult:
        calls.append(slug)
        return publish.ReportResult(name=slug, status="failed", path=None, error="kernel died")

    def overview_render(settings: Settings) -> publish.ReportResult:
        calls.append("overview")
        return publish.ReportResult(name="overview", status="rendered", path=None)

    monkeypatch.setattr(publish, "render_group_report", failing_render)
    monkeypatch.setattr(publish, "render_overview", overview_render)
    without_delay = flow_module.render_group.with_options(retry_delay_seconds=0)
    monkeypatch.setattr(flow_module, "render_group", without_delay)

    summary = flow_module.publish_flow(force=True)

    assert sorted(calls) == ["overview", synced, synced]
    assert summary["rendered"] == 0
    assert summary["failed"] == 1
    assert [(r["name"], r["status"], r["error"]) for r in summary["groups"]] == [
        (synced, "failed", "kernel died")
    ]
    assert summary["overview"]["status"] == "rendered"
