"""Report rendering on a Dask cluster gives the same reports as rendering here.

One of the sample exports is synced into a SQLite database. The publish flow
then renders every report twice: once with Prefect's default task runner, and
once with ``TAFITI_DASK_ADDRESS`` pointing at a local cluster of two worker
processes on 127.0.0.1. The pages must show the same numbers; the times they
were rendered may differ and are left out of the comparison.
"""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from tafiti.config import configure

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_EXPORTS = PROJECT_ROOT / "data" / "exports"
EXPORTS = ["WhatsApp Chat - Vijana Kilimo Biashara 2.zip"]

pytestmark = pytest.mark.slow


class _PageText(HTMLParser):
    """The visible text of a report page, without scripts, styles and the provenance footer."""

    _SKIPPED = {"script", "style", "footer"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skipping: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIPPED:
            self._skipping.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._skipping and self._skipping[-1] == tag:
            self._skipping.pop()

    def handle_data(self, data: str) -> None:
        if not self._skipping and data.strip():
            self.parts.append(data.strip())


def _page_numbers(page: Path) -> list[str]:
    """Every number shown on a page, in page order, without the times of this test run.

    The sample exports are years old, so a date from yesterday to tomorrow is when
    the data was imported or the page rendered, never a figure of the report.
    """
    parser = _PageText()
    parser.feed(page.read_text(encoding="utf-8"))
    text = "\n".join(parser.parts)
    today = date.today()
    for day in (today - timedelta(days=1), today, today + timedelta(days=1)):
        text = re.sub(rf"{day.isoformat()}([ T]\d{{1,2}}:\d{{2}}(:\d{{2}})?)?", " ", text)
    return re.findall(r"\d[\d,.]*", text)


def _report_pages(reports: Path) -> dict[str, Path]:
    return {str(page.relative_to(reports)): page for page in sorted(reports.rglob("index.html"))}


def _publish(settings_folder: Path, name: str, dask_address: str | None) -> Path:
    from flows.publish import publish_flow

    reports = settings_folder / f"reports-{name}"
    configure(
        source=str(settings_folder / "exports"),
        database_url=f"sqlite:///{settings_folder / 'tafiti.sqlite'}",
        reports_dir=reports,
        work_dir=settings_folder / f"work-{name}",
        groups_file=PROJECT_ROOT / "data" / "groups.yml",
        pseudonym_key="dask-test-key",
        dask_address=dask_address,
    )
    summary = publish_flow(force=True)

    assert summary["failed"] == 0, summary
    assert summary["rendered"] == len(EXPORTS)
    return reports


@pytest.fixture()
def synced(settings, tmp_path: Path) -> Path:
    """A SQLite database holding one of the sample exports."""
    from tafiti.sources import open_source
    from tafiti.store.db import get_engine
    from tafiti.store.sync import sync_source

    for name in EXPORTS:
        shutil.copy(SAMPLE_EXPORTS / name, tmp_path / "exports" / name)
    settings = configure(
        **settings.model_dump(exclude={"sentry_dsn"})
        | {"groups_file": PROJECT_ROOT / "data" / "groups.yml"}
    )
    summary = sync_source(
        open_source(settings.source, settings), get_engine(settings.database_url), settings
    )
    assert summary.imported == len(EXPORTS)
    return tmp_path


@pytest.fixture()
def dask_cluster() -> Iterator[Any]:
    """A Dask cluster of two worker processes on 127.0.0.1, closed afterwards."""
    import distributed

    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )
    try:
        yield cluster
    finally:
        cluster.close(timeout=60)


def test_dask_reports_equal_local_reports(synced: Path, dask_cluster) -> None:
    import distributed

    local = _publish(synced, "local", None)
    on_dask = _publish(synced, "dask", dask_cluster.scheduler_address)

    local_pages = _report_pages(local)
    dask_pages = _report_pages(on_dask)
    with distributed.Client(dask_cluster) as client:
        workers_rendering = client.run(lambda: "tafiti.publish" in sys.modules)

    assert sorted(local_pages) == sorted(dask_pages)
    assert len(local_pages) == len(EXPORTS) + 2  # the groups, the overview and the index
    for name, page in local_pages.items():
        numbers = _page_numbers(page)
        assert numbers, f"{name} shows no numbers"
        assert _page_numbers(dask_pages[name]) == numbers, name
    assert any(workers_rendering.values())
