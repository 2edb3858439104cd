"""The report notebooks: committed clean, and executed with papermill on a small database.

The database is built by syncing ``tests/fixtures/analysis``: one hand-written
Android export of an invented training group, and its group metadata. Every
expected number below was counted by hand in that export file.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import nbformat
import pytest

import tafiti.config
from tafiti.config import configure

PROJECT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((PROJECT / "notebooks").glob("*.ipynb"))
FIXTURE = PROJECT / "tests" / "fixtures" / "analysis"
EXPORT = "WhatsApp Chat with Biashara Bora C1.txt"
SLUG = "biashara-bora-c1"
KEY = "notebook-test-key"

# Every name and phone number written in the fixture export.
REAL_NAMES = [
    "Grace Wanjiku",
    "Amina Said",
    "Peter Otieno",
    "Juma Mwangi",
    "Mary Akinyi",
    "Grace",
    "Wanjiku",
    "Amina",
    "Otieno",
    "Juma",
    "Mwangi",
    "Akinyi",
]
PHONE_NUMBERS = ["+254 711 222 333", "711 222 333", "0722 333 444", "722 333 444"]


def test_notebooks_found() -> None:
    names = {path.name for path in NOTEBOOKS}

    assert {"group_report.ipynb", "overview.ipynb", "explore.ipynb"} <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_notebook_committed_without_outputs(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)

    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name}: a cell has outputs"
            assert cell.execution_count is None, f"{path.name}: a cell has an execution count"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_notebook_first_cell_is_parameters(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    first = notebook.cells[0]

    assert first.cell_type == "code"
    assert "parameters" in first.metadata.get("tags", [])
    assert "pseudonymise" in first.source or path.name == "explore.ipynb"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_notebook_has_section_headings(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    headings = [
        line
        for cell in notebook.cells
        if cell.cell_type == "markdown"
        for line in cell.source.splitlines()
        if line.startswith("## ")
    ]

    assert len(headings) >= 3


@pytest.fixture(scope="module")
def report_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Sync the fixture export into a fresh SQLite database; yield its environment."""
    from tafiti.sources import LocalFolderSource
    from tafiti.store.db import dispose_engines, get_engine
    from tafiti.store.sync import sync_source

    folder = tmp_path_factory.mktemp("analysis-db")
    exports = folder / "exports"
    exports.mkdir()
    shutil.copy(FIXTURE / EXPORT, exports / EXPORT)
    environment = {
        "TAFITI_DATABASE_URL": f"sqlite:///{folder / 'tafiti.sqlite'}",
        "TAFITI_PSEUDONYM_KEY": KEY,
        "TAFITI_GROUPS_FILE": str(FIXTURE / "groups.yml"),
        "TAFITI_SOURCE": str(exports),
        "TAFITI_REPORT_NAMES": "pseudonym",
    }
    previous = tafiti.config._current
    settings = configure(
        source=str(exports),
        database_url=environment["TAFITI_DATABASE_URL"],
        groups_file=FIXTURE / "groups.yml",
        pseudonym_key=KEY,
        work_dir=folder / "work",
        reports_dir=folder / "reports",
    )
    summary = sync_source(LocalFolderSource(exports), get_engine(), settings)
    assert summary.imported == 1, summary.errors
    try:
        yield environment
    finally:
        dispose_engines()
        tafiti.config._current = previous


@pytest.fixture()
def report_settings(report_database: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Point tafiti (and any kernel started from here) at the fixture database."""
    for name, value in report_database.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(tafiti.config, "_current", None)


# --- the frames on the fixture database --------------------------------------------


def test_load_messages_counts(report_settings: None) -> None:
    import tafiti

    messages = tafiti.load_messages(group=SLUG)

    assert len(messages) == 23
    assert messages["kind"].value_counts().to_dict() == {"message": 19, "media": 3, "deleted": 1}
    assert messages["author"].value_counts()["Amina Said"] == 7
    assert messages["is_facilitator"].sum() == 5  # Grace Wanjiku's messages
    assert messages.loc[messages["kind"] == "message", "language"].notna().all()


def test_load_messages_period_includes_until_day(report_settings: None) -> None:
    import tafiti

    messages = tafiti.load_messages(group=SLUG, since="2024-03-11", until="2024-03-20")

    assert len(messages) == 8
    assert str(messages["timestamp"].min()) == "2024-03-11 08:31:00"
    assert str(messages["timestamp"].max()) == "2024-03-20 16:00:00"


def test_load_events_types(report_settings: None) -> None:
    import tafiti

    events = tafiti.load_events(group=SLUG)

    assert events["type"].tolist() == [
        "encryption_notice",
        "created",
        "added",
        "joined",
        "added",
        "subject_changed",
        "left",
    ]
    assert events.loc[2, "people"] == ["Amina Said", "Peter Otieno", "+254 711 222 333"]


def test_load_groups_metadata(report_settings: None) -> None:
    import tafiti

    groups = tafiti.load_groups()

    assert groups["group"].tolist() == [SLUG]
    assert groups.loc[0, "name"] == "Biashara Bora C1 - Nakuru"
    assert groups.loc[0, "programme"] == "Biashara Bora"


def test_unknown_group_rejected(report_settings: None) -> None:
    import tafiti
    from tafiti.errors import TafitiError

    with pytest.raises(TafitiError, match="no-such-group"):
        tafiti.load_messages(group="no-such-group")


def test_group_report_data_pseudonymised(report_settings: None) -> None:
    from tafiti.analysis import report
    from tafiti.privacy import pseudonym

    data = report.load_group_report(SLUG, pseudonymise=True)
    amina = pseudonym("Amina Said", KEY.encode())

    assert data.messages["author"].value_counts()[amina] == 7
    assert report.silent_members(data)["person"].tolist() == [
        pseudonym("Mary Akinyi", KEY.encode())
    ]
    assert len(data.members()) == 6
    summary = report.summary(data)["value"]
    assert summary["Messages"] == "23"
    assert summary["Joined"] == "5"  # 3 added, Juma joined, Mary added
    assert summary["Left or removed"] == "1"
    assert summary["Most active participant"] == f"{amina} (7 messages)"


def test_group_report_data_real_names(report_settings: None) -> None:
    from tafiti.analysis import report

    data = report.load_group_report(SLUG, pseudonymise=False)

    assert data.messages["author"].value_counts()["Amina Said"] == 7
    assert "0722 333 444" in " ".join(data.messages["text"])


def _every_section(data: object) -> None:
    from tafiti.analysis import content, metrics, plots, report

    daily = report.daily(data)
    tables = report.sentiment_tables(data)
    frames = [
        report.summary(data),
        report.top_participants(data),
        report.top_participants(data, last_days=14),
        report.participation(data),
        report.silent_members(data),
        report.facilitators(data),
        report.membership_changes(data),
        report.retention(data),
        report.activity_retention(data),
        report.questions(data),
        report.reply_times(data),
        report.reply_matrix(data),
        report.languages(data),
        report.name_history(data),
        report.export_files(data),
        report.export_warnings(data),
        report.provenance(data),
        content.top_words(data.messages),
        content.emoji_counts(data.messages),
        content.domain_counts(data.messages),
        content.media_counts(data.messages).to_frame(),
        content.kind_counts(data.messages).to_frame(),
        content.lengths(data.messages).describe(),
        *tables.values(),
    ]
    figures = [
        plots.activity(daily),
        plots.weekly_activity(metrics.weekly_activity(data.messages)),
        plots.weekday_hour(metrics.weekday_hour_counts(data.messages)),
        plots.calendar(daily),
        plots.top_participants(report.top_participants(data)),
        plots.lorenz(report.message_counts_of_members(data)),
        plots.group_size(report.group_sizes(data), report.membership_changes(data)),
        plots.retention(report.retention(data)),
        plots.retention(report.activity_retention(data), "writing", "week"),
        plots.bars(content.kind_counts(data.messages), "kinds"),
        plots.length_histogram(content.lengths(data.messages)),
        plots.delay_histogram(metrics.first_reply_times(data.messages)["reply_delay"], "delays"),
        plots.reply_heatmap(report.reply_matrix(data)),
        plots.sentiment_over_time(tables["scored"]),
    ]
    for table in frames:
        report.styled(table)
    for figure in figures:
        figure.savefig(BytesIO(), format="png")


@pytest.mark.parametrize(
    ("since", "until"),
    [(None, None), ("2024-03-11", "2024-03-20"), ("2030-01-01", None), (None, "2024-03-04")],
    ids=["whole", "period", "after-the-data", "first-day"],
)
def test_every_section_renders(report_settings: None, since: str | None, until: str | None) -> None:
    from tafiti.analysis import report

    _every_section(report.load_group_report(SLUG, since=since, until=until, pseudonymise=True))


# --- the notebooks executed ----------------------------------------------------------


def _outputs_text(notebook: nbformat.NotebookNode) -> str:
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            for mime, value in output.get("data", {}).items():
                if mime.startswith("text/") or mime == "application/json":
                    parts.append(value if isinstance(value, str) else json.dumps(value))
            if output.get("output_type") == "error":
                parts.append(f"{output['ename']}: {output['evalue']}")
    return "\n".join(parts)


def _execute(path: Path, output: Path, parameters: dict[str, object]) -> nbformat.NotebookNode:
    import papermill

    papermill.execute_notebook(
        str(path),
        str(output),
        parameters=parameters,
        kernel_name="python3",
        cwd=str(output.parent),
        progress_bar=False,
    )
    return nbformat.read(output, as_version=4)


@pytest.mark.slow
def test_group_report_notebook_shows_no_names(report_settings: None, tmp_path: Path) -> None:
    from tafiti.privacy import pseudonym

    notebook = _execute(
        PROJECT / "notebooks" / "group_report.ipynb",
        tmp_path / "group_report.ipynb",
        {"group": SLUG, "since": None, "until": None, "pseudonymise": True},
    )
    text = _outputs_text(notebook)

    for name in REAL_NAMES + PHONE_NUMBERS:
        assert name not in text, f"{name!r} appears in the executed report"
    assert pseudonym("Amina Said", KEY.encode()) in text
    assert "[phone]" not in text or "0722" not in text
    images = [
        output
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        if "image/png" in output.get("data", {})
    ]
    assert len(images) >= 15


@pytest.mark.slow
def test_group_report_notebook_period(report_settings: None, tmp_path: Path) -> None:
    notebook = _execute(
        PROJECT / "notebooks" / "group_report.ipynb",
        tmp_path / "group_report.ipynb",
        {"group": SLUG, "since": "2024-03-11", "until": "2024-03-20", "pseudonymise": True},
    )
    summary = _outputs_text(notebook)

    assert "11 Mar 2024 – 20 Mar 2024" in summary
    assert '<td id="T_' in summary  # styled tables rendered
    assert ">8<" in summary  # messages in the period


@pytest.mark.slow
def test_overview_notebook_executes(report_settings: None, tmp_path: Path) -> None:
    from tafiti.privacy import pseudonym

    notebook = _execute(
        PROJECT / "notebooks" / "overview.ipynb",
        tmp_path / "overview.ipynb",
        {"pseudonymise": True},
    )
    text = _outputs_text(notebook)

    assert "Biashara Bora C1 - Nakuru" in text
    assert pseudonym("Grace Wanjiku", KEY.encode()) in text  # the advisor
    for name in REAL_NAMES + PHONE_NUMBERS:
        assert name not in text, f"{name!r} appears in the executed overview"


@pytest.mark.slow
def test_explore_notebook_executes(report_settings: None, tmp_path: Path) -> None:
    notebook = _execute(PROJECT / "notebooks" / "explore.ipynb", tmp_path / "explore.ipynb", {})

    assert "Biashara Bora C1 - Nakuru" in _outputs_text(notebook)
