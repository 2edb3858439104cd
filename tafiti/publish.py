"""Publish the reports: run the notebooks with papermill, convert them to HTML, write the index.

Pages written under ``settings.reports_dir``::

    index.html                   every group with its key figures, linking its report
    groups/<slug>/index.html     one report per group, from notebooks/group_report.ipynb
    overview/index.html          all groups side by side, from notebooks/overview.ipynb

Each report is rendered in two steps. Papermill executes the notebook with the
report's parameters into ``settings.work_dir``, in a kernel of the running
Python that gets tafiti's settings as ``TAFITI_*`` environment variables. Then
nbconvert writes the HTML with the template in ``publish_templates/report``:
no code, no stderr output, images inline as data URIs, nothing loaded from the
internet, a table of contents and a provenance footer.

Next to each page, ``.render-state.json`` records what its last render used
(a fingerprint of the group's data, the notebook's hash, the parameters) and
how it ended. :func:`groups_to_render` compares those with the database and the
notebooks, so only reports whose input changed are rendered again. Each
report has its own state file, so reports rendered in parallel never write the
same file. nginx refuses paths starting with a dot, so state files are not served.

A report that fails to render keeps its previous page, if any. Its error is
recorded in its state file and listed in the index, and the other reports
still publish.
"""

from __future__ import annotations

import contextvars
import hashlib
import html
import json
import logging
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, case, func, select
from sqlalchemy.exc import SQLAlchemyError

from tafiti import __version__
from tafiti.config import Settings, get_settings
from tafiti.errors import PublishError, TafitiError
from tafiti.store.models import Event, ExportFile, Group, Message, Participant

if TYPE_CHECKING:
    from tafiti.privacy import Pseudonymiser

log = logging.getLogger(__name__)

PROJECT_DIR = Path(__file__).resolve().parent.parent
NOTEBOOKS_DIR = PROJECT_DIR / "notebooks"
GROUP_NOTEBOOK = NOTEBOOKS_DIR / "group_report.ipynb"
OVERVIEW_NOTEBOOK = NOTEBOOKS_DIR / "overview.ipynb"
TEMPLATES_DIR = Path(__file__).resolve().parent / "publish_templates"
STATE_FILE = ".render-state.json"
OVERVIEW = "overview"

# A cell running longer than this is taken as hung and fails its report.
CELL_TIMEOUT_SECONDS = 1800
KERNEL_START_TIMEOUT_SECONDS = 120

Status = Literal["rendered", "failed"]


@dataclass
class ReportResult:
    """The outcome of one report's render."""

    name: str  # the group's slug, or "overview"
    status: Status
    path: Path | None  # the published page; after a failure, the previous render's page if any
    error: str | None = None
    notebook: Path | None = None  # the executed notebook in the work folder
    rendered_at: str | None = None
    seconds: float = 0.0


@dataclass
class PublishSummary:
    """The outcome of :func:`publish_reports`: report results, unchanged groups, the index."""

    reports: list[ReportResult] = field(default_factory=list)
    overview: ReportResult | None = None
    unchanged: list[str] = field(default_factory=list)  # groups skipped: nothing changed
    index: Path | None = None

    @property
    def rendered(self) -> list[ReportResult]:
        return [r for r in self._all() if r.status == "rendered"]

    @property
    def failed(self) -> list[ReportResult]:
        return [r for r in self._all() if r.status == "failed"]

    def _all(self) -> list[ReportResult]:
        return self.reports + ([self.overview] if self.overview else [])


@dataclass
class _GroupData:
    """A group as its report and the index see it, read from the store."""

    slug: str
    name: str
    fingerprint: str
    data_as_of: datetime | None  # when an export of this group was last imported, in UTC
    first_message: datetime | None  # wall-clock time, as exported
    last_message: datetime | None
    export_files: int
    details: dict[str, str]


# --- public entry points ------------------------------------------------------------------


def render_group_report(
    slug: str,
    settings: Settings | None = None,
    *,
    since: date | str | None = None,
    until: date | str | None = None,
) -> ReportResult:
    """Render the report of the group ``slug`` to ``reports/groups/<slug>/index.html``.

    ``since`` and ``until`` limit the report to a period (ISO dates). A failed
    render is returned as a result with status "failed" and recorded for the
    index. Raises :class:`PublishError` when no group has that slug.
    """
    settings = settings or get_settings()
    engine = _engine(settings)
    group = _read_group(engine, slug)
    parameters = _group_parameters(slug, settings, since=since, until=until)
    period = _describe_period(parameters["since"], parameters["until"])

    return _render(
        name=slug,
        notebook=GROUP_NOTEBOOK,
        parameters=parameters,
        page=_group_dir(settings, slug) / "index.html",
        executed=Path(settings.work_dir) / "groups" / f"{slug}.ipynb",
        fingerprint=group.fingerprint,
        title=f"{group.name}: group report",
        index_href="../../index.html",
        as_of=_as_of_line(group.data_as_of, group.last_message, _zone(settings)),
        provenance=[
            ("Group", f"{group.name} ({slug})"),
            ("Period", period),
            ("Data as of", _format_time(group.data_as_of, _zone(settings)) or "no export imported"),
            ("Last message", _format_time(group.last_message) or "none"),
            ("Export files", f"{group.export_files:,}"),
        ],
        settings=settings,
    )


def render_overview(settings: Settings | None = None) -> ReportResult:
    """Render the overview of every group to ``reports/overview/index.html``."""
    settings = settings or get_settings()
    engine = _engine(settings)
    groups = _read_groups(engine)
    data_as_of = max((g.data_as_of for g in groups if g.data_as_of), default=None)
    last_message = max((g.last_message for g in groups if g.last_message), default=None)

    return _render(
        name=OVERVIEW,
        notebook=OVERVIEW_NOTEBOOK,
        parameters={"pseudonymise": _pseudonymise(settings)},
        page=Path(settings.reports_dir) / OVERVIEW / "index.html",
        executed=Path(settings.work_dir) / "overview.ipynb",
        fingerprint=_overview_fingerprint(engine, groups),
        title="Overview of all groups",
        index_href="../index.html",
        as_of=_as_of_line(data_as_of, last_message, _zone(settings)),
        provenance=[
            ("Groups", f"{len(groups):,}"),
            ("Data as of", _format_time(data_as_of, _zone(settings)) or "no export imported"),
            ("Last message", _format_time(last_message) or "none"),
        ],
        settings=settings,
    )


def groups_to_render(settings: Settings | None = None, *, force: bool = False) -> list[str]:
    """Return the slugs of the groups whose report is out of date, or of every group if ``force``.

    A report is out of date when the group's data, the notebook, the parameters
    or the pseudonym key changed since its last render, when that render failed,
    or when its page is missing.
    """
    settings = settings or get_settings()
    groups = _read_groups(_engine(settings))
    if force:
        return [group.slug for group in groups]

    notebook_hash = _file_hash(GROUP_NOTEBOOK)
    key_check = _pseudonym_key_check(settings)
    stale = []
    for group in groups:
        expected = {
            "data": group.fingerprint,
            "notebook": notebook_hash,
            "parameters": _group_parameters(group.slug, settings),
            "pseudonym_key": key_check,
        }
        if _is_stale(_group_dir(settings, group.slug), expected):
            stale.append(group.slug)
    return stale


def overview_changed(settings: Settings | None = None, *, force: bool = False) -> bool:
    """Return whether the overview is out of date, by the rules of :func:`groups_to_render`."""
    settings = settings or get_settings()
    if force:
        return True
    engine = _engine(settings)
    expected = {
        "data": _overview_fingerprint(engine, _read_groups(engine)),
        "notebook": _file_hash(OVERVIEW_NOTEBOOK),
        "parameters": {"pseudonymise": _pseudonymise(settings)},
        "pseudonym_key": _pseudonym_key_check(settings),
    }
    return _is_stale(Path(settings.reports_dir) / OVERVIEW, expected)


def publish_reports(
    settings: Settings | None = None,
    *,
    groups: Iterable[str] | None = None,
    since: date | str | None = None,
    until: date | str | None = None,
    force: bool = False,
    progress: Callable[[ReportResult, int, int], None] | None = None,
) -> PublishSummary:
    """Render the out-of-date group reports (or ``groups``), the overview and the index.

    For callers without Prefect; the publish flow runs the same steps as tasks.
    ``progress`` is called after each report with its result, the number of
    reports done and the number to do. A report that fails is recorded and the
    others still publish. Raises :class:`PublishError` for a slug no group has.
    """
    settings = settings or get_settings()
    since, until = _iso(since), _iso(until)
    engine = _engine(settings)
    all_slugs = [group.slug for group in _read_groups(engine)]

    if groups is None:
        # A period other than the whole history makes every report differ from its last render.
        slugs = groups_to_render(settings, force=force or bool(since or until))
    else:
        slugs = list(groups)
        unknown = sorted(set(slugs) - set(all_slugs))
        if unknown:
            raise PublishError(
                f"no group with slug {', '.join(unknown)}; known groups: {', '.join(all_slugs)}"
            )
    summary = PublishSummary(unchanged=[slug for slug in all_slugs if slug not in slugs])
    render_overview_too = bool(slugs) or overview_changed(settings, force=force)
    total = len(slugs) + (1 if render_overview_too else 0)
    log.info("rendering %d report(s); %d group(s) unchanged", total, len(summary.unchanged))

    for slug in slugs:
        result = render_group_report(slug, settings, since=since, until=until)
        summary.reports.append(result)
        if progress:
            progress(result, len(summary.reports), total)
    if render_overview_too:
        summary.overview = render_overview(settings)
        if progress:
            progress(summary.overview, total, total)

    summary.index = write_index(settings)
    return summary


def write_index(settings: Settings | None = None) -> Path:
    """Write ``reports/index.html``: every group, its key figures and report, failed exports."""
    import jinja2
    import markupsafe

    from tafiti.store.queries import list_groups

    settings = settings or get_settings()
    reports_dir = Path(settings.reports_dir)
    engine = _engine(settings)
    figures = {group["slug"]: group for group in list_groups(engine)}
    groups = _read_groups(engine)

    pseudonymiser = _pseudonymiser(engine, settings)
    rows = [
        _index_row(settings, group, figures.get(group.slug, {}), pseudonymiser) for group in groups
    ]
    rows.sort(key=lambda row: (row["name"].casefold(), row["slug"]))
    overview_state = _read_state(reports_dir / OVERVIEW)
    overview_exists = (reports_dir / OVERVIEW / "index.html").exists()
    overview = None
    if overview_state or overview_exists:
        overview = {
            "href": f"{OVERVIEW}/index.html" if overview_exists else None,
            "status": overview_state.get("status"),
        }
    failed_reports = [row["name"] for row in rows if row["status"] == "failed"]
    if overview and overview["status"] == "failed":
        failed_reports.append("the overview")

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR), autoescape=True, keep_trailing_newline=True
    )
    page = environment.get_template("index.html.j2").render(
        css=markupsafe.Markup(_stylesheet()),
        version=__version__,
        groups=rows,
        total_messages=sum(row["messages"] for row in rows),
        overview=overview,
        failed_reports=failed_reports,
        failed_exports=_failed_exports(engine, settings, pseudonymiser),
        provenance=_index_provenance(settings),
    )
    path = reports_dir / "index.html"
    _write_atomically(path, page)
    log.info("wrote the index of %d group(s) to %s", len(rows), path)
    return path


# --- rendering ----------------------------------------------------------------------------


def _render(
    *,
    name: str,
    notebook: Path,
    parameters: dict[str, Any],
    page: Path,
    executed: Path,
    fingerprint: str,
    title: str,
    index_href: str,
    as_of: str,
    provenance: list[tuple[str, str]],
    settings: Settings,
) -> ReportResult:
    """Execute ``notebook`` into ``executed``, convert it to ``page`` and record the outcome."""
    started = time.monotonic()
    rendered_at = datetime.now(_zone(settings))
    state = {
        "report": name,
        "data": fingerprint,
        "notebook": _file_hash(notebook),
        "parameters": parameters,
        "pseudonym_key": _pseudonym_key_check(settings),
        "tafiti": __version__,
    }
    previous = _read_state(page.parent)

    try:
        if not notebook.is_file():
            raise PublishError(f"report notebook not found: {notebook}")
        executed_notebook = _execute(notebook, executed, parameters, settings)
        resources = {
            "title": title,
            "index_href": index_href,
            "as_of": f"{as_of} · rendered {_format_time(rendered_at)}",
            "provenance": [
                *provenance,
                ("Names", "pseudonyms" if _pseudonymise(settings) else "real names"),
                ("Parameters", json.dumps(parameters, ensure_ascii=False)),
                ("Notebook", f"{_display_path(notebook)} (sha256 {state['notebook'][:12]})"),
                ("tafiti version", __version__),
                ("Rendered", _format_time(rendered_at, seconds=True)),
            ],
        }
        _write_atomically(page, _to_html(executed_notebook, resources))
    except Exception as error:  # noqa: BLE001 - any failure fails this report only
        seconds = time.monotonic() - started
        message = _describe_error(error, executed)
        log.error("report %s failed to render: %s", name, message, exc_info=True)
        _report_to_sentry(error, name)
        # The message goes to the index, so the names and numbers it quotes are replaced.
        message = _scrub(message, settings)
        state |= {
            "status": "failed",
            "error": message,
            "failed_at": rendered_at.isoformat(timespec="seconds"),
            "rendered_at": previous.get("rendered_at"),
            "seconds": round(seconds, 1),
        }
        _write_state(page.parent, state)
        return ReportResult(
            name=name,
            status="failed",
            path=page if page.exists() else None,
            error=message,
            notebook=executed if executed.exists() else None,
            rendered_at=previous.get("rendered_at"),
            seconds=seconds,
        )

    seconds = time.monotonic() - started
    state |= {
        "status": "rendered",
        "error": None,
        "failed_at": None,
        "rendered_at": rendered_at.isoformat(timespec="seconds"),
        "seconds": round(seconds, 1),
    }
    _write_state(page.parent, state)
    log.info("rendered report %s in %.1f s to %s", name, seconds, page)
    return ReportResult(
        name=name,
        status="rendered",
        path=page,
        notebook=executed,
        rendered_at=state["rendered_at"],
        seconds=seconds,
    )


def _execute(notebook: Path, executed: Path, parameters: dict[str, Any], settings: Settings) -> Any:
    """Run ``notebook`` with ``parameters`` through papermill and return the executed notebook."""
    import papermill

    if _pseudonymise(settings):
        # Create the key file now: the kernel would otherwise do it mid-render,
        # and parallel kernels would each log that a new key was generated.
        from tafiti.privacy import load_pseudonym_key

        load_pseudonym_key(settings)

    executed.parent.mkdir(parents=True, exist_ok=True)
    # jupyter_core keeps each thread's event loop in a context variable, and Prefect
    # copies the submitting thread's context into every task thread, so concurrent
    # renders could share one loop ("This event loop is already running"). An empty
    # context gives each render a loop of its own.
    return contextvars.Context().run(
        papermill.execute_notebook,
        str(notebook),
        str(executed),
        parameters=parameters,
        kernel_name="python3",
        # Saving would rewrite and revalidate the whole executed notebook, images
        # included, before and after every cell. That cost about 4 s of CPU time
        # for a report of 40,000 messages (python -m benchmarks --only report).
        # papermill still writes it once at the end, and before raising for a
        # failed cell.
        # NOTE: a render stopped by the cell timeout or a dead kernel leaves no
        # partly executed notebook behind.
        request_save_on_cell_execute=False,
        progress_bar=False,
        log_output=False,
        start_timeout=KERNEL_START_TIMEOUT_SECONDS,
        execution_timeout=CELL_TIMEOUT_SECONDS,
        kernel_manager_class=_kernel_manager_class(_settings_environment(settings)),
        # The kernel runs in this process's working directory, so relative
        # settings (the SQLite file, data/groups.yml) point at the same files.
        resources={"metadata": {"path": os.getcwd()}},
    )


def _kernel_manager_class(environment: dict[str, str]) -> type:
    """Create a kernel manager class that starts ipykernel in this Python with ``environment``.

    A kernel spec named "python3" found elsewhere on the Jupyter path could run
    another interpreter, without tafiti installed; this one cannot. The kernel
    listens on 127.0.0.1; its traffic is encrypted with CurveZMQ when pyzmq and
    jupyter_client (8.10 and later) support it.
    """
    import zmq
    from ipykernel.kernelspec import RESOURCES, get_kernel_dict
    from jupyter_client.kernelspec import KernelSpec
    from jupyter_client.manager import AsyncKernelManager

    spec = KernelSpec(resource_dir=RESOURCES, **get_kernel_dict())

    class ReportKernelManager(AsyncKernelManager):
        @property
        def kernel_spec(self) -> KernelSpec:
            return spec

        async def start_kernel(self, **kwargs: Any) -> None:
            if self.has_trait("transport_encryption") and zmq.has("curve"):
                self.transport_encryption = "auto"
            kwargs["env"] = {**os.environ, **environment, **kwargs.get("env", {})}
            await super().start_kernel(**kwargs)

    return ReportKernelManager


def _settings_environment(settings: Settings) -> dict[str, str]:
    """Return ``settings`` as the ``TAFITI_*`` variables that make a kernel read the same."""
    environment = {}
    for name, value in settings.model_dump().items():
        if value is not None:
            environment[f"TAFITI_{name.upper()}"] = str(value)
    # Debuggers warn about frozen modules on stderr at every kernel start otherwise.
    environment["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    return environment


def _to_html(notebook: Any, page: dict[str, Any]) -> str:
    """Convert an executed notebook to a self-contained page, code left out."""
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    exporter = HTMLExporter(
        template_name="report",
        extra_template_basedirs=[str(TEMPLATES_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    # Notebook authors can leave a cell, or only its outputs, out of the page with a tag.
    exporter.register_preprocessor(
        TagRemovePreprocessor(
            remove_cell_tags={"remove-cell"}, remove_all_outputs_tags={"remove-output"}
        ),
        enabled=True,
    )
    resources = {"tafiti": {**page, "css": _stylesheet(), "version": __version__}}
    body, _ = exporter.from_notebook_node(notebook, resources=resources)
    return _insert_title_and_contents(body, page["title"])


class _HeadingCollector(HTMLParser):
    """Collects the level, id and text of every ``h1``–``h3`` that has an id."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.headings: list[tuple[int, str, str]] = []
        self._open: tuple[int, str, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        heading_id = dict(attrs).get("id")
        if tag in ("h1", "h2", "h3") and heading_id:
            self._open = (int(tag[1]), heading_id, [])

    def handle_data(self, data: str) -> None:
        if self._open:
            self._open[2].append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._open and tag == f"h{self._open[0]}":
            level, heading_id, parts = self._open
            # nbconvert appends a "¶" anchor link to each heading.
            text = " ".join("".join(parts).replace("¶", "").split())
            self.headings.append((level, heading_id, text))
            self._open = None


_OPEN_TOC_SCRIPT = (
    'if (window.matchMedia("(min-width: 75rem)").matches) '
    '{ document.querySelector("nav.toc details").open = true; }'
)


def _insert_title_and_contents(page: str, title: str) -> str:
    """Fill the template's placeholders: ``title`` unless the notebook has an h1, and the TOC."""
    collector = _HeadingCollector()
    collector.feed(page)
    headings = collector.headings

    if any(level == 1 for level, _, _ in headings):
        page = page.replace("<!-- tafiti:title -->", "", 1)
    else:
        heading = f'<h1 class="page-title">{html.escape(title)}</h1>'
        page = page.replace("<!-- tafiti:title -->", heading, 1)

    # The first heading, when it is an h1, is the page's title rather than a section.
    if headings and headings[0][0] == 1:
        headings = headings[1:]
    if not headings:
        return page.replace("<!-- tafiti:toc -->", "", 1)

    items = "\n".join(
        f'<li class="toc-level-{min(level, 3)}">'
        f'<a href="#{html.escape(heading_id)}">{html.escape(text)}</a></li>'
        for level, heading_id, text in headings
    )
    # Closed on phones, where it would push the report down a screen; the script
    # opens it where it is a sidebar. Without scripts it stays one click away.
    nav = (
        '<nav class="toc" aria-label="Contents"><details><summary>Contents</summary>'
        f"<ol>\n{items}\n</ol></details></nav>\n<script>{_OPEN_TOC_SCRIPT}</script>"
    )
    page = page.replace('<div class="page">', '<div class="page with-toc">', 1)
    return page.replace("<!-- tafiti:toc -->", nav, 1)


_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _describe_error(error: Exception, executed: Path) -> str:
    """Return a one-paragraph description of a failed render."""
    from papermill.exceptions import PapermillExecutionError

    if isinstance(error, PapermillExecutionError):
        value = _ANSI_ESCAPE.sub("", str(error.evalue)).strip()
        message = (
            f"{error.ename}: {value} (in notebook cell {error.exec_count}; "
            f"the executed notebook is {_display_path(executed)})"
        )
    else:
        message = f"{type(error).__name__}: {_ANSI_ESCAPE.sub('', str(error)).strip()}"
    return message


# --- the render state next to each page ---------------------------------------------------


def _is_stale(report_dir: Path, expected: dict[str, Any]) -> bool:
    state = _read_state(report_dir)
    if state.get("status") != "rendered" or not (report_dir / "index.html").exists():
        return True
    return any(state.get(key) != value for key, value in expected.items())


def _read_state(report_dir: Path) -> dict[str, Any]:
    path = report_dir / STATE_FILE
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        log.warning(
            "ignoring unreadable render state %s (%s); the report will re-render", path, error
        )
        return {}
    return state if isinstance(state, dict) else {}


def _write_state(report_dir: Path, state: dict[str, Any]) -> None:
    _write_atomically(report_dir / STATE_FILE, json.dumps(state, indent=2, ensure_ascii=False))


def _write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file, so readers never see half a page."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=path.parent, prefix=".tmp-", suffix=path.suffix, delete=False
    ) as handle:
        handle.write(text)
    os.chmod(handle.name, 0o644)
    os.replace(handle.name, path)


def _file_hash(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return "missing"


def _pseudonym_key_check(settings: Settings) -> str | None:
    """Return a value that changes with the pseudonym key and does not reveal it."""
    if not _pseudonymise(settings):
        return None
    from tafiti.privacy import load_pseudonym_key, pseudonym

    return pseudonym("tafiti render state", load_pseudonym_key(settings))


# --- reading the store --------------------------------------------------------------------


def _engine(settings: Settings) -> Engine:
    from tafiti.store.db import get_engine

    return get_engine(settings.database_url)


def _read_groups(engine: Engine) -> list[_GroupData]:
    with engine.connect() as connection:
        slugs = connection.scalars(select(Group.slug).order_by(Group.slug)).all()
    return [_read_group(engine, slug) for slug in slugs]


def _read_group(engine: Engine, slug: str) -> _GroupData:
    """Read what a group's report depends on, and a fingerprint of it.

    The fingerprint changes when a message or event is added, a message is
    marked deleted, an export of the group is imported, a participant is added
    or marked as facilitator, or the group's metadata changes.
    """
    with engine.connect() as connection:
        group = connection.execute(select(Group).where(Group.slug == slug)).one_or_none()
        if group is None:
            known = connection.scalars(select(Group.slug).order_by(Group.slug)).all()
            raise PublishError(
                f"no group with slug {slug!r}; known groups: {', '.join(known) or 'none'}"
            )
        messages = connection.execute(
            select(
                func.count(Message.id),
                func.max(Message.id),
                func.min(Message.timestamp),
                func.max(Message.timestamp),
                func.sum(case((Message.deleted, 1), else_=0)),
            ).where(Message.group_id == group.id)
        ).one()
        events = connection.execute(
            select(func.count(Event.id), func.max(Event.id)).where(Event.group_id == group.id)
        ).one()
        participants = connection.execute(
            select(
                func.count(Participant.id),
                func.sum(case((Participant.is_facilitator, 1), else_=0)),
            ).where(Participant.group_id == group.id)
        ).one()
        exports = connection.execute(
            select(func.count(ExportFile.id), func.max(ExportFile.imported_at)).where(
                ExportFile.group_id == group.id, ExportFile.imported_at.is_not(None)
            )
        ).one()

    metadata = {
        "name": group.name,
        "timezone": group.timezone,
        "cohort": group.cohort,
        "programme": group.programme,
        "advisor": group.advisor,
        "start_date": group.start_date,
        "info": group.info,
    }
    inputs = [metadata, list(messages), list(events), list(participants), list(exports)]
    fingerprint = hashlib.sha256(
        json.dumps(inputs, default=str, sort_keys=True).encode("utf-8")
    ).hexdigest()
    details = {
        label: str(value)
        for label, value in (
            ("cohort", group.cohort),
            ("programme", group.programme),
            ("advisor", group.advisor),
        )
        if value
    }
    return _GroupData(
        slug=group.slug,
        name=group.name,
        fingerprint=fingerprint,
        data_as_of=_utc(exports[1]),
        first_message=messages[2],
        last_message=messages[3],
        export_files=exports[0],
        details=details,
    )


def _pseudonymiser(engine: Engine, settings: Settings) -> Pseudonymiser:
    """Create a pseudonymiser of every participant and advisor in the store (off for real names)."""
    from tafiti.privacy import Pseudonymiser

    with engine.connect() as connection:
        names = set(connection.scalars(select(Participant.name)))
        names.update(connection.scalars(select(Participant.canonical_name)))
        names.update(connection.scalars(select(Group.advisor).where(Group.advisor.is_not(None))))
    return Pseudonymiser.from_settings(sorted(names), settings)


def _scrub(text: str, settings: Settings) -> str:
    """Replace participants' names and phone numbers in ``text`` unless reports show real names."""
    from tafiti.privacy import mask_phone_numbers

    try:
        return _pseudonymiser(_engine(settings), settings).text(text) or ""
    except (SQLAlchemyError, TafitiError) as error:
        log.warning(
            "failed to read participant names to hide them in an error message (%s); "
            "only phone numbers are masked",
            error,
        )
        return mask_phone_numbers(text) if _pseudonymise(settings) else text


def _overview_fingerprint(engine: Engine, groups: list[_GroupData]) -> str:
    """Fingerprint every group's data and the export files that failed."""
    with engine.connect() as connection:
        failed = connection.execute(
            select(ExportFile.key, ExportFile.checksum, ExportFile.error)
            .where(ExportFile.status == "failed")
            .order_by(ExportFile.key)
        ).all()
    inputs = [[group.slug, group.fingerprint] for group in groups]
    inputs.append([list(row) for row in failed])
    return hashlib.sha256(json.dumps(inputs, default=str).encode("utf-8")).hexdigest()


def _failed_exports(
    engine: Engine, settings: Settings, pseudonymiser: Pseudonymiser
) -> list[dict[str, str]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(ExportFile.name, ExportFile.error, ExportFile.finished_at)
            .where(ExportFile.status == "failed")
            .order_by(ExportFile.name)
        ).all()
    zone = _zone(settings)
    # NOTE: a failed file's own participants are not in the store, so only the
    # names of stored participants and phone numbers are replaced in its row.
    return [
        {
            "name": pseudonymiser.text(row.name),
            "error": pseudonymiser.text(row.error or "no reason recorded"),
            "tried": _format_time(_utc(row.finished_at), zone) or "",
        }
        for row in rows
    ]


# --- the index ------------------------------------------------------------------------------


def _index_row(
    settings: Settings,
    group: _GroupData,
    figures: dict[str, Any],
    pseudonymiser: Pseudonymiser,
) -> dict[str, Any]:
    report_dir = _group_dir(settings, group.slug)
    state = _read_state(report_dir)
    has_page = (report_dir / "index.html").exists()
    status = state.get("status") or "pending"
    if status == "rendered" and not has_page:
        status = "pending"  # the page was deleted; the next publish renders it again
    zone = _zone(settings)
    # The advisor usually writes in the group too, so their name is a participant's.
    details = {
        label: pseudonymiser.name(value) if label == "advisor" else value
        for label, value in group.details.items()
    }
    return {
        "slug": group.slug,
        "name": group.name,
        "details": list(details.items()),
        "search_text": " ".join([group.name, group.slug, *details.values()]).lower(),
        "href": f"groups/{quote(group.slug)}/index.html" if has_page else None,
        "messages": int(figures.get("messages") or 0),
        "participants": int(figures.get("participants") or 0),
        "first": _format_time(group.first_message) or "",
        "last": _format_time(group.last_message) or "",
        "first_date": (_format_time(group.first_message) or "")[:10],
        "last_date": (_format_time(group.last_message) or "")[:10],
        "data_updated": _format_time(group.data_as_of, zone) or "",
        "status": status,
        "rendered_at": _format_time(state.get("rendered_at"), zone) or "",
        "failed_at": _format_time(state.get("failed_at"), zone) or "",
        "error": pseudonymiser.text(state.get("error") or ""),
    }


def _index_provenance(settings: Settings) -> list[tuple[str, str]]:
    from sqlalchemy.engine import make_url

    database = make_url(settings.database_url)
    return [
        ("Source", str(settings.source)),
        ("Database", f"{database.get_backend_name()} {database.database or ''}".strip()),
        ("Names", "pseudonyms" if _pseudonymise(settings) else "real names"),
        ("tafiti version", __version__),
        ("Index written", _format_time(datetime.now(_zone(settings)), seconds=True)),
    ]


# --- small helpers --------------------------------------------------------------------------


def _group_dir(settings: Settings, slug: str) -> Path:
    return Path(settings.reports_dir) / "groups" / slug


def _group_parameters(
    slug: str,
    settings: Settings,
    *,
    since: date | str | None = None,
    until: date | str | None = None,
) -> dict[str, Any]:
    return {
        "group": slug,
        "since": _iso(since),
        "until": _iso(until),
        "pseudonymise": _pseudonymise(settings),
    }


def _pseudonymise(settings: Settings) -> bool:
    return settings.report_names != "real"


def _iso(value: date | str | None) -> str | None:
    """Return a period bound as an ISO date; raise :class:`PublishError` for an invalid one."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise PublishError(f"invalid date {value!r} for a report period; use YYYY-MM-DD") from None


def _describe_period(since: str | None, until: str | None) -> str:
    if since and until:
        return f"{since} to {until}"
    if since:
        return f"from {since}"
    if until:
        return f"until {until}"
    return "whole history"


def _as_of_line(data_as_of: datetime | None, last_message: datetime | None, zone: ZoneInfo) -> str:
    if data_as_of is None:
        return "No export imported yet"
    data = _format_time(data_as_of, zone)
    return f"Data as of {data}, last message {_format_time(last_message)}"


def _format_time(
    value: datetime | str | None, zone: ZoneInfo | None = None, *, seconds: bool = False
) -> str | None:
    """Format a time for readers; a time with a zone is shown in ``zone``, with its abbreviation.

    Times without a zone (message times, which are the exports' wall-clock
    times) are shown as they are.
    """
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is not None and zone is not None:
        value = value.astimezone(zone)
    text = value.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
    zone = value.strftime("%Z")
    return f"{text} {zone}" if zone else text


def _utc(value: datetime | None) -> datetime | None:
    """Mark a store time, naive UTC, as UTC."""
    return value.replace(tzinfo=UTC) if value is not None else None


def _zone(settings: Settings) -> ZoneInfo:
    return ZoneInfo(settings.timezone)


def _display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


_stylesheet_text: str | None = None


def _stylesheet() -> str:
    global _stylesheet_text
    if _stylesheet_text is None:
        _stylesheet_text = (TEMPLATES_DIR / "tafiti.css").read_text(encoding="utf-8")
    return _stylesheet_text


def _report_to_sentry(error: Exception, name: str) -> None:
    """Send a failed render to Sentry when SENTRY_DSN is set; chat content is scrubbed there."""
    from tafiti.monitoring import report_failure

    try:
        report_failure(error, step="render", group=name)
    except Exception:  # noqa: BLE001 - monitoring must never fail the publishing
        log.warning("could not report the failure of report %s to Sentry", name, exc_info=True)
