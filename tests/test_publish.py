"""Publishing: notebooks rendered to self-contained HTML pages, the index, re-rendering rules.

The notebook here is a small fixture (tests/fixtures/publish/group_report.ipynb)
standing in for the real report notebooks: it prints its parameters, writes to
stderr, plots a chart, shows a wide table, and raises for the group "broken".
The groups are written straight into a migrated database, so these tests do
not depend on the parser or the sync.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import shutil
from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
from browser import DESKTOP, PHONE, chromium, open_offline, page_overflow
from sqlalchemy import insert, update

from tafiti import __version__, publish
from tafiti.config import Settings
from tafiti.errors import PublishError
from tafiti.privacy import pseudonym
from tafiti.store.db import get_engine
from tafiti.store.models import ExportFile, Group, Message, Participant

FIXTURE_NOTEBOOK = Path(__file__).parent / "fixtures" / "publish" / "group_report.ipynb"

GROUPS = {
    "alpha": ("Alpha Cohort Nakuru", ["Amina Otieno", "Baraka Mwangi"]),
    "beta": ("Beta Cohort Mombasa", ["Chao Wanjiru"]),
    "broken": ("Broken Group", ["Dalia Kamau"]),
}


def _identity(*parts: object) -> bytes:
    return hashlib.md5(repr(parts).encode()).digest()


def store_group(engine, slug: str, name: str, people: list[str], messages: int = 3) -> None:
    """Write a group with ``messages`` messages from ``people`` and one imported export."""
    now = datetime(2026, 3, 1, 12, 0)
    with engine.begin() as connection:
        group_id = connection.execute(
            insert(Group).values(
                slug=slug,
                name=name,
                name_source="event",
                cohort="2026-A",
                programme="Tailoring",
                created_at=now,
                updated_at=now,
            )
        ).inserted_primary_key[0]
        export_id = connection.execute(
            insert(ExportFile).values(
                source="test",
                key=f"{slug}.txt",
                name=f"WhatsApp Chat with {name}.txt",
                checksum=slug,
                group_id=group_id,
                status="imported",
                records=messages,
                new_records=messages,
                known_records=0,
                imported_at=now,
                finished_at=now,
            )
        ).inserted_primary_key[0]
        participant_ids = [
            connection.execute(
                insert(Participant).values(
                    group_id=group_id, name=person, canonical_name=person, is_facilitator=False
                )
            ).inserted_primary_key[0]
            for person in people
        ]
    for number in range(messages):
        add_message(engine, slug, participant_ids[number % len(participant_ids)], export_id)


def add_message(engine, slug: str, participant_id: int | None = None, export_id=None) -> None:
    with engine.begin() as connection:
        group_id = connection.execute(Group.__table__.select().where(Group.slug == slug)).one().id
        if participant_id is None:
            participant_id = (
                connection.execute(
                    Participant.__table__.select().where(Participant.group_id == group_id)
                )
                .first()
                .id
            )
        count = connection.execute(
            Message.__table__.select().where(Message.group_id == group_id)
        ).all()
        connection.execute(
            insert(Message).values(
                group_id=group_id,
                participant_id=participant_id,
                identity=_identity(slug, len(count)),
                timestamp=datetime(2026, 2, 1, 9, len(count) % 60),
                kind="message",
                text=f"message {len(count)}",
                deleted=False,
                export_file_id=export_id,
            )
        )


def make_settings(folder: Path) -> Settings:
    return Settings(
        _env_file=None,
        source=str(folder / "exports"),
        database_url=f"sqlite:///{folder / 'tafiti.sqlite'}",
        reports_dir=folder / "reports",
        work_dir=folder / "work",
        groups_file=folder / "groups.yml",
        pseudonym_key="test-key",
    )


def use_notebooks(folder: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Point the publisher at the notebook copies in ``folder``, creating them if missing."""
    folder.mkdir(exist_ok=True)
    notebooks = {"group": folder / "group_report.ipynb", "overview": folder / "overview.ipynb"}
    for path in notebooks.values():
        if not path.exists():
            shutil.copy(FIXTURE_NOTEBOOK, path)
    monkeypatch.setattr(publish, "GROUP_NOTEBOOK", notebooks["group"])
    monkeypatch.setattr(publish, "OVERVIEW_NOTEBOOK", notebooks["overview"])
    return notebooks


@pytest.fixture(scope="module")
def published_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with a database of two groups (alpha, beta), published once.

    Rendering takes a kernel start per report, so the tests below start from
    copies of this folder instead of publishing again.
    """
    folder = tmp_path_factory.mktemp("published")
    settings = make_settings(folder)
    with pytest.MonkeyPatch.context() as monkeypatch:
        use_notebooks(folder / "notebooks", monkeypatch)
        engine = get_engine(settings.database_url)
        for slug in ("alpha", "beta"):
            name, people = GROUPS[slug]
            store_group(engine, slug, name, people)
        summary = publish.publish_reports(settings)
        engine.dispose()
    assert rendered_names(summary) == ["alpha", "beta", "overview"], summary.failed
    return folder


@pytest.fixture()
def site(published_base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A private copy of the published folder: its settings, engine and notebooks."""
    folder = tmp_path / "site"
    shutil.copytree(published_base, folder)
    settings = make_settings(folder)
    engine = get_engine(settings.database_url)
    notebooks = use_notebooks(folder / "notebooks", monkeypatch)
    yield SimpleNamespace(settings=settings, engine=engine, notebooks=notebooks, folder=folder)
    engine.dispose()


def group_page(settings: Settings, slug: str) -> str:
    return (settings.reports_dir / "groups" / slug / "index.html").read_text(encoding="utf-8")


def index_page(settings: Settings) -> str:
    return (settings.reports_dir / "index.html").read_text(encoding="utf-8")


def text_of(page: str) -> str:
    """The text of an HTML fragment, tags left out."""
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def rendered_names(summary: publish.PublishSummary) -> list[str]:
    return sorted(result.name for result in summary.rendered)


# --- one report -------------------------------------------------------------------------


def test_group_report_hides_code_and_stderr(site):
    page = group_page(site.settings, "alpha")

    assert "GROUP=alpha SINCE=None UNTIL=None PSEUDONYMISE=True" in page
    assert "code-marker" not in page
    assert "SOURCE_MARKER" not in page
    assert "stderr-marker" not in page
    assert "warning-marker" not in page
    assert "In&nbsp;[" not in page
    assert "Out[" not in page


def test_group_report_loads_nothing_from_the_internet(site):
    for page in (group_page(site.settings, "alpha"), index_page(site.settings)):
        assert not re.search(r"<script[^>]*\bsrc=", page, re.IGNORECASE)
        assert not re.search(r"<link[^>]*\bhref=", page, re.IGNORECASE)
        assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", page, re.IGNORECASE)
        for marker in ("cdnjs", "jsdelivr", "unpkg.com", "require.js", "MathJax", "mermaid"):
            assert marker not in page
    images = re.findall(r"<img[^>]*\bsrc=\"([^\"]*)\"", group_page(site.settings, "alpha"))
    assert len(images) == 1
    assert images[0].startswith("data:image/png;base64,")


def test_group_report_has_toc_of_headings(site):
    page = group_page(site.settings, "alpha")

    toc = re.search(r'<nav class="toc".*?</nav>', page, re.DOTALL)
    assert toc is not None
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', toc.group(0))
    # The first heading (the h1 title) is left out; the last one comes from a code cell's output.
    assert links == [
        ("Activity", "Activity"),
        ("A-wide-table", "A wide table"),
        ("Membership", "Membership"),
        ("Joins-and-leaves", "Joins and leaves"),
    ]
    for anchor, _ in links:
        assert f'id="{anchor}"' in page


def test_group_report_sets_phone_viewport(site):
    page = group_page(site.settings, "alpha")

    viewport = re.search(r"<meta[^>]*name=\"viewport\"[^>]*>", page)
    assert viewport is not None
    assert 'content="width=device-width, initial-scale=1"' in viewport.group(0)


def test_group_report_shows_provenance(site):
    page = group_page(site.settings, "alpha")

    footer = re.search(r'<footer class="provenance">.*?</footer>', page, re.DOTALL).group(0)
    assert "<dd>Alpha Cohort Nakuru (alpha)</dd>" in footer
    assert "<dd>whole history</dd>" in footer
    assert "<dd>pseudonyms</dd>" in footer
    assert f"<dd>{__version__}</dd>" in footer
    # The export was imported at 12:00 UTC, shown in Africa/Nairobi.
    assert "<dt>Data as of</dt><dd>2026-03-01 15:00 EAT</dd>" in footer
    assert "<dt>Last message</dt><dd>2026-02-01 09:02</dd>" in footer
    assert "<dt>Rendered</dt>" in footer
    parameters = re.search(r"<dt>Parameters</dt><dd>([^<]*)</dd>", footer).group(1)
    assert json.loads(html.unescape(parameters)) == {
        "group": "alpha",
        "since": None,
        "until": None,
        "pseudonymise": True,
    }


def test_period_report_shows_period(site):
    result = publish.render_group_report(
        "alpha", site.settings, since="2026-01-01", until=date(2026, 2, 28)
    )

    assert result.status == "rendered", result.error
    page = group_page(site.settings, "alpha")
    assert "GROUP=alpha SINCE=2026-01-01 UNTIL=2026-02-28 PSEUDONYMISE=True" in page
    assert "<dd>2026-01-01 to 2026-02-28</dd>" in page
    # The next run without a period must bring back the whole-history report.
    assert publish.groups_to_render(site.settings) == ["alpha"]


def test_invalid_period_date_raises(site):
    with pytest.raises(PublishError, match="invalid date '2024-13-01' for a report period"):
        publish.render_group_report("alpha", site.settings, since="2024-13-01")
    with pytest.raises(PublishError, match="invalid date 'last week'"):
        publish.publish_reports(site.settings, until="last week")


def test_kernel_reads_the_callers_settings(site, published_base):
    # The page was rendered in published_base, before the site was copied.
    database_url = make_settings(published_base).database_url

    assert f"DATABASE={database_url}" in group_page(site.settings, "alpha")


def test_executed_notebook_goes_to_work_dir(site):
    executed = site.settings.work_dir / "groups" / "alpha.ipynb"

    notebook = nbformat.read(executed, as_version=4)
    assert notebook.cells[1].metadata["tags"] == ["injected-parameters"]
    assert (site.settings.work_dir / "overview.ipynb").is_file()
    assert sorted(path.name for path in site.notebooks["group"].parent.iterdir()) == [
        "group_report.ipynb",
        "overview.ipynb",
    ]


def test_real_names_turn_pseudonymise_off(site):
    settings = site.settings.model_copy(update={"report_names": "real"})

    publish.render_group_report("alpha", settings)

    assert "PSEUDONYMISE=False" in group_page(settings, "alpha")
    assert "<dd>real names</dd>" in group_page(settings, "alpha")


def test_unknown_group_raises_publish_error(site):
    with pytest.raises(PublishError, match="no group with slug 'gamma'; known groups: alpha, beta"):
        publish.render_group_report("gamma", site.settings)


def test_missing_notebook_fails_the_report(site, monkeypatch):
    missing = site.folder / "notebooks" / "absent.ipynb"
    monkeypatch.setattr(publish, "GROUP_NOTEBOOK", missing)

    result = publish.render_group_report("alpha", site.settings)

    assert result.status == "failed"
    assert result.error == f"PublishError: report notebook not found: {missing}"


def test_render_state_records_outcome(site):
    state_path = site.settings.reports_dir / "groups" / "alpha" / ".render-state.json"

    state = json.loads(state_path.read_text(encoding="utf-8"))
    assert state["status"] == "rendered"
    assert state["error"] is None
    assert state["parameters"] == {
        "group": "alpha",
        "since": None,
        "until": None,
        "pseudonymise": True,
    }
    assert state["notebook"] == hashlib.sha256(site.notebooks["group"].read_bytes()).hexdigest()
    assert "test-key" not in state_path.read_text(encoding="utf-8")


# --- publishing every group ----------------------------------------------------------------


def test_failed_report_listed_others_publish(site):
    # "a-broken" renders first, and fails; alpha, changed too, renders after it.
    store_group(site.engine, "a-broken", *GROUPS["broken"])
    add_message(site.engine, "alpha")

    summary = publish.publish_reports(site.settings)

    assert [result.name for result in summary.reports] == ["a-broken", "alpha"]
    assert rendered_names(summary) == ["alpha", "overview"]
    assert [result.name for result in summary.failed] == ["a-broken"]
    error = summary.failed[0].error
    assert error.startswith("RuntimeError: cannot render a-broken (in notebook cell 3;")
    assert "work/groups/a-broken.ipynb" in error
    assert not (site.settings.reports_dir / "groups" / "a-broken" / "index.html").exists()

    index = index_page(site.settings)
    assert '<a href="groups/alpha/index.html">Alpha Cohort Nakuru</a>' in index
    assert '<a href="groups/beta/index.html">Beta Cohort Mombasa</a>' in index
    pattern = r'<tbody class="group" data-search="broken group.*?</tbody>'
    group = re.search(pattern, index, re.DOTALL)
    assert group is not None
    assert "<strong>Broken Group</strong>" in group.group(0)
    assert 'class="status-failed">failed 20' in group.group(0)
    assert '<div class="error">RuntimeError: cannot render a-broken' in group.group(0)
    assert "1 report failed to render: Broken Group." in index
    # A failed report is tried again at the next run.
    assert publish.groups_to_render(site.settings) == ["a-broken"]


def test_failed_rerender_keeps_previous_page(site):
    notebook = nbformat.read(site.notebooks["group"], as_version=4)
    failing = notebook.cells[2].source.replace('if "broken" in group', 'if "alpha" in group')
    assert failing != notebook.cells[2].source
    notebook.cells[2].source = failing
    nbformat.write(notebook, site.notebooks["group"])

    result = publish.render_group_report("alpha", site.settings)

    assert result.status == "failed"
    assert result.path == site.settings.reports_dir / "groups" / "alpha" / "index.html"
    assert "GROUP=alpha" in group_page(site.settings, "alpha")
    index = publish.write_index(site.settings).read_text(encoding="utf-8")
    assert '<a href="groups/alpha/index.html">Alpha Cohort Nakuru</a>' in index
    assert "showing the render of" in index


def test_failed_overview_listed_in_index(site):
    notebook = nbformat.read(site.notebooks["overview"], as_version=4)
    notebook.cells[2].source = notebook.cells[2].source.replace(
        'if "broken" in group', 'if "sample" in group'
    )
    nbformat.write(notebook, site.notebooks["overview"])

    result = publish.render_overview(site.settings)

    assert result.status == "failed"
    assert result.error.startswith("RuntimeError: cannot render sample")
    index = publish.write_index(site.settings).read_text(encoding="utf-8")
    assert "1 report failed to render: the overview." in index
    assert '<a href="overview/index.html">Overview of all groups</a>' in index
    assert "(its last render failed)" in index

    (site.settings.reports_dir / "overview" / "index.html").unlink()
    index = publish.write_index(site.settings).read_text(encoding="utf-8")
    assert "The overview failed to render." in index
    assert 'href="overview/index.html"' not in index


def test_unchanged_publish_renders_nothing(site):
    summary = publish.publish_reports(site.settings)

    assert summary.reports == []
    assert summary.overview is None
    assert summary.unchanged == ["alpha", "beta"]
    assert publish.groups_to_render(site.settings) == []
    assert not publish.overview_changed(site.settings)


def test_changed_notebook_rerenders_every_group(site):
    notebook = nbformat.read(site.notebooks["group"], as_version=4)
    notebook.cells.append(nbformat.v4.new_markdown_cell("## Added section"))
    nbformat.write(notebook, site.notebooks["group"])

    assert publish.groups_to_render(site.settings) == ["alpha", "beta"]
    summary = publish.publish_reports(site.settings)

    assert rendered_names(summary) == ["alpha", "beta", "overview"]
    assert "Added section" in group_page(site.settings, "alpha")


def test_overview_notebook_change_rerenders_overview(site):
    notebook = nbformat.read(site.notebooks["overview"], as_version=4)
    notebook.cells.append(nbformat.v4.new_markdown_cell("## Added section"))
    nbformat.write(notebook, site.notebooks["overview"])

    assert publish.groups_to_render(site.settings) == []
    assert publish.overview_changed(site.settings)


def test_new_message_rerenders_only_its_group(site):
    add_message(site.engine, "beta")
    calls = []

    assert publish.groups_to_render(site.settings) == ["beta"]
    summary = publish.publish_reports(
        site.settings,
        progress=lambda result, done, total: calls.append((result.name, done, total)),
    )

    assert rendered_names(summary) == ["beta", "overview"]
    assert summary.unchanged == ["alpha"]
    assert calls == [("beta", 1, 2), ("overview", 2, 2)]


def test_deleted_flag_changes_fingerprint(site):
    with site.engine.begin() as connection:
        connection.execute(update(Message).where(Message.text == "message 0").values(deleted=True))

    assert publish.groups_to_render(site.settings) == ["alpha", "beta"]


def test_new_import_changes_fingerprint(site):
    with site.engine.begin() as connection:
        connection.execute(
            update(ExportFile)
            .where(ExportFile.key == "beta.txt")
            .values(imported_at=datetime(2026, 3, 2))
        )

    assert publish.groups_to_render(site.settings) == ["beta"]


def test_skipped_sync_does_not_rerender(site):
    # A sync that finds a file unchanged updates its status and times, not imported_at.
    with site.engine.begin() as connection:
        connection.execute(
            update(ExportFile).values(status="skipped", finished_at=datetime(2026, 3, 5))
        )

    assert publish.groups_to_render(site.settings) == []
    assert not publish.overview_changed(site.settings)


def test_group_metadata_change_rerenders(site):
    with site.engine.begin() as connection:
        connection.execute(update(Group).where(Group.slug == "alpha").values(advisor="Z. Achieng"))

    assert publish.groups_to_render(site.settings) == ["alpha"]


def test_force_renders_every_group(site):
    assert publish.groups_to_render(site.settings, force=True) == ["alpha", "beta"]
    assert publish.overview_changed(site.settings, force=True)

    summary = publish.publish_reports(site.settings, force=True)

    assert rendered_names(summary) == ["alpha", "beta", "overview"]


def test_names_setting_change_rerenders(site):
    real = site.settings.model_copy(update={"report_names": "real"})

    assert publish.groups_to_render(real) == ["alpha", "beta"]
    assert publish.overview_changed(real)


def test_pseudonym_key_change_rerenders(site):
    other_key = site.settings.model_copy(update={"pseudonym_key": "another-key"})

    assert publish.groups_to_render(other_key) == ["alpha", "beta"]


def test_deleted_page_rerenders(site):
    (site.settings.reports_dir / "groups" / "beta" / "index.html").unlink()

    assert publish.groups_to_render(site.settings) == ["beta"]


def test_unreadable_state_rerenders(site):
    (site.settings.reports_dir / "groups" / "beta" / ".render-state.json").write_text("{")

    assert publish.groups_to_render(site.settings) == ["beta"]


def test_publish_named_groups_only(site):
    store_group(site.engine, "gamma", "Gamma Cohort", ["Esther Njeri"])

    summary = publish.publish_reports(site.settings, groups=["alpha"])

    assert rendered_names(summary) == ["alpha", "overview"]
    assert summary.unchanged == ["beta", "gamma"]
    assert "not rendered yet" in index_page(site.settings)
    with pytest.raises(PublishError, match="no group with slug delta"):
        publish.publish_reports(site.settings, groups=["delta"])


# --- the index ----------------------------------------------------------------------------


def test_index_lists_groups_with_key_figures(site):
    add_message(site.engine, "beta")
    index = publish.write_index(site.settings).read_text(encoding="utf-8")

    groups = re.findall(r'<tbody class="group".*?</tbody>', index, re.DOTALL)
    assert len(groups) == 2
    alpha, beta = groups
    number = r'<td class="number" data-label="(\w+)">([^<]*)</td>'
    assert re.findall(number, alpha) == [("Messages", "3"), ("Participants", "2")]
    assert re.findall(number, beta) == [("Messages", "4"), ("Participants", "1")]
    assert '<td data-label="First message" title="2026-02-01 09:00">2026-02-01</td>' in alpha
    assert '<td data-label="Last message" title="2026-02-01 09:02">2026-02-01</td>' in alpha
    assert '<td data-label="Data updated">2026-03-01 15:00 EAT</td>' in alpha
    assert 'data-search="alpha cohort nakuru alpha 2026-a tailoring"' in alpha
    assert "cohort 2026-A, programme Tailoring" in text_of(alpha)
    assert "rendered 2026-" in alpha
    assert '<a href="overview/index.html">Overview of all groups</a>' in index
    assert "2 groups," in index
    assert "7 messages." in index
    assert "<dd>pseudonyms</dd>" in index


def test_index_lists_failed_export_files(site):
    with site.engine.begin() as connection:
        connection.execute(
            insert(ExportFile).values(
                source="test",
                key="bad.txt",
                name="bad.txt",
                checksum="x",
                status="failed",
                error="bad.txt, line 3: Amina Otieno: not a header; call +254 712 345 678",
                records=0,
                new_records=0,
                known_records=0,
                finished_at=datetime(2026, 3, 1, 9, 0),
            )
        )

    index = publish.write_index(site.settings).read_text(encoding="utf-8")

    section = index.split('id="failed-exports"', 1)[1]
    assert "1 export file failed" in section
    assert "<td>bad.txt</td>" in section
    amina = pseudonym("Amina Otieno", b"test-key")
    assert f"bad.txt, line 3: {amina}: not a header; call [phone]" in section
    assert "712 345" not in index
    assert "Amina" not in index
    # Stored as 09:00 UTC, shown in Africa/Nairobi.
    assert "<td>2026-03-01 12:00 EAT</td>" in section
    # The overview lists failed files too, so it is out of date now.
    assert publish.overview_changed(site.settings)


def test_index_shows_advisor_as_pseudonym(site):
    with site.engine.begin() as connection:
        connection.execute(
            update(Group).where(Group.slug == "alpha").values(advisor="Baraka Mwangi")
        )

    index = publish.write_index(site.settings).read_text(encoding="utf-8")

    assert f"advisor {pseudonym('Baraka Mwangi', b'test-key')}" in text_of(index)
    assert "Baraka" not in index


def test_index_shows_advisor_name_with_real_names(site):
    real = site.settings.model_copy(update={"report_names": "real"})
    with site.engine.begin() as connection:
        connection.execute(
            update(Group).where(Group.slug == "alpha").values(advisor="Baraka Mwangi")
        )

    index = publish.write_index(real).read_text(encoding="utf-8")

    assert "advisor Baraka Mwangi" in text_of(index)


def test_index_with_empty_database(settings, monkeypatch, tmp_path):
    use_notebooks(tmp_path / "notebooks", monkeypatch)

    summary = publish.publish_reports(settings)

    assert summary.reports == []
    assert "No group in the database yet" in summary.index.read_text(encoding="utf-8")


def test_index_search_script_is_inline(site):
    index = index_page(site.settings)

    assert '<input id="group-search" class="search" type="search"' in index
    assert re.findall(r"<script[^>]*>", index) == ["<script>"]


# --- in a browser -------------------------------------------------------------------------


def published_pages(reports_dir: Path) -> list[Path]:
    return sorted(reports_dir.rglob("index.html"))


def test_pages_load_nothing_outside_reports(site):
    reports = site.settings.reports_dir
    pages = published_pages(reports)
    assert [page.relative_to(reports).as_posix() for page in pages] == [
        "groups/alpha/index.html",
        "groups/beta/index.html",
        "index.html",
        "overview/index.html",
    ]

    with chromium() as browser:
        for page_file in pages:
            with open_offline(browser, page_file, reports) as (page, load):
                assert load.blocked == [], page_file
                assert load.errors == [], page_file
                assert page.title()


def test_report_links_lead_to_index(site):
    reports = site.settings.reports_dir

    with chromium() as browser:
        with open_offline(browser, reports / "groups" / "alpha" / "index.html", reports) as (
            page,
            load,
        ):
            page.click("text=All reports")
            page.wait_for_load_state("load")
            assert page.url == (reports / "index.html").as_uri()
            page.click("text=Alpha Cohort Nakuru")
            page.wait_for_load_state("load")
            assert page.url == (reports / "groups" / "alpha" / "index.html").as_uri()
            assert load.blocked == []


def test_pages_fit_phone_width(site):
    reports = site.settings.reports_dir

    with chromium() as browser:
        for page_file in published_pages(reports):
            with open_offline(browser, page_file, reports, viewport=PHONE) as (page, _):
                assert page_overflow(page) == 0, page_file
                # The wide table scrolls inside its own box instead.
                if "groups" in page_file.parts:
                    output = page.locator("div.jp-OutputArea-output:has(table)").first
                    box = output.bounding_box()
                    assert box["x"] + box["width"] <= PHONE["width"]
                    assert output.evaluate("box => box.scrollWidth > box.clientWidth")


def test_contents_open_on_wide_screens_only(site):
    reports = site.settings.reports_dir
    report = reports / "groups" / "alpha" / "index.html"

    with chromium() as browser:
        with open_offline(browser, report, reports, viewport=DESKTOP) as (page, _):
            assert page.locator("nav.toc details").get_attribute("open") is not None
            assert page.locator("nav.toc a", has_text="Membership").is_visible()
        with open_offline(browser, report, reports, viewport=PHONE) as (page, _):
            assert page.locator("nav.toc details").get_attribute("open") is None
            page.click("nav.toc summary")
            page.click("nav.toc a:has-text('Membership')")
            assert page.url.endswith("#Membership")


def test_index_search_filters_groups(site):
    reports = site.settings.reports_dir

    with chromium() as browser:
        with open_offline(browser, reports / "index.html", reports) as (page, _):
            groups = page.locator("tbody.group")
            assert groups.count() == 2

            page.fill("#group-search", "mombasa")
            assert [groups.nth(i).is_visible() for i in range(2)] == [False, True]

            page.fill("#group-search", "cohort tailoring")
            assert [groups.nth(i).is_visible() for i in range(2)] == [True, True]

            page.fill("#group-search", "kisumu")
            assert [groups.nth(i).is_visible() for i in range(2)] == [False, False]
            assert page.locator("#no-match").is_visible()
