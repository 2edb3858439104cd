"""The real report notebooks published from the sample exports, checked against the manifest.

A copy of data/exports is synced into a temporary database and published with
notebooks/group_report.ipynb and notebooks/overview.ipynb. Expected numbers
and the names to look for come from data/exports/manifest.json and from the
export text read with a plain regular expression, never from tafiti's parser.
"""

from __future__ import annotations

import base64
import html
import json
import re
import shutil
import zipfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from browser import DESKTOP, PHONE, chromium, open_offline, page_overflow

from tafiti import publish
from tafiti.config import Settings
from tafiti.sources import open_source
from tafiti.store.db import get_engine
from tafiti.store.queries import list_groups
from tafiti.store.sync import sync_source

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_EXPORTS = PROJECT_ROOT / "data" / "exports"
SCREENSHOTS = PROJECT_ROOT / ".ci" / "results" / "screenshots"

pytestmark = pytest.mark.slow

# The sender of an exported message: Android "12/03/2024, 09:15 - Name: text" or
# iOS "[12/03/2024, 09:15:42] Name: text", with any 12-hour suffix and the
# direction marks some phones add.
AUTHOR_LINE = re.compile(
    r"^[\u200e\u200f]*\[?\d{1,4}[./-]\d{1,2}[./-]\d{1,4},? \d{1,2}[:.]\d{2}(?:[:.]\d{2})?"
    r"(?:[\s\u202f]?[aApP]\.?\s?[mM]\.?)?\]?(?: -)? ([^:\n]{1,80}?): ",
    re.MULTILINE,
)
PHONE_NUMBER = re.compile(r"\+\d{1,3}(?:[ -]?\d){7,12}")


def manifest() -> dict[str, Any]:
    return json.loads((SAMPLE_EXPORTS / "manifest.json").read_text(encoding="utf-8"))


def export_texts() -> list[str]:
    """The text of every sample export, the chat file inside each zip included."""
    texts = []
    for path in sorted(SAMPLE_EXPORTS.rglob("*")):
        if path.suffix == ".txt":
            texts.append(path.read_text(encoding="utf-8-sig"))
        elif path.suffix == ".zip":
            with zipfile.ZipFile(path) as archive:
                for member in archive.namelist():
                    if member.endswith(".txt"):
                        texts.append(archive.read(member).decode("utf-8-sig"))
    return texts


def people_in_sample() -> tuple[set[str], set[str]]:
    """Every participant name and phone number of the sample data."""
    names: set[str] = set()
    numbers: set[str] = set()
    for group in manifest()["groups"].values():
        names.update(group["participant_messages"])
        names.update(group["facilitators"])
        names.update([group["advisor"], group["exporter"]])
        for name, aliases in group["aliases"].items():
            names.add(name)
            names.update(aliases)
    for text in export_texts():
        names.update(author.strip() for author in AUTHOR_LINE.findall(text))
        numbers.update(PHONE_NUMBER.findall(text))
    numbers.update(name for name in names if PHONE_NUMBER.fullmatch(name))
    names -= numbers
    names.discard("You")
    # iOS exports write system notices ("Messages and calls are end-to-end
    # encrypted") with the group's name as the sender.
    for group in manifest()["groups"].values():
        names.difference_update(group["names"])
    return names, numbers


def published_text(path: Path) -> str:
    """A published file's text, HTML entities decoded, SVG data URIs decoded and appended."""
    text = html.unescape(path.read_text(encoding="utf-8", errors="replace"))
    svgs = re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", text)
    decoded = [base64.b64decode(svg).decode("utf-8", errors="replace") for svg in svgs]
    return "\n".join([text, *decoded])


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    """The sample exports synced and published with pseudonyms, in a temporary folder."""
    if not (SAMPLE_EXPORTS / "manifest.json").is_file():
        pytest.skip(f"no sample exports in {SAMPLE_EXPORTS}; run `make sample`")
    folder = tmp_path_factory.mktemp("sample")
    shutil.copytree(SAMPLE_EXPORTS, folder / "exports")
    settings = Settings(
        _env_file=None,
        source=str(folder / "exports"),
        database_url=f"sqlite:///{folder / 'tafiti.sqlite'}",
        reports_dir=folder / "reports",
        work_dir=folder / "work",
        groups_file=PROJECT_ROOT / "data" / "groups.yml",
        pseudonym_key="sample-test-key",
    )
    engine = get_engine(settings.database_url)
    sync = sync_source(open_source(settings.source, settings), engine, settings)
    summary = publish.publish_reports(settings)
    groups = {group["name"]: group for group in list_groups(engine)}
    engine.dispose()
    return SimpleNamespace(settings=settings, sync=sync, summary=summary, groups=groups)


def test_every_sample_report_renders(sample):
    failures = {result.name: result.error for result in sample.summary.failed}

    assert failures == {}
    assert sorted(result.name for result in sample.summary.reports) == sorted(
        group["slug"] for group in sample.groups.values()
    )
    assert sample.summary.overview.status == "rendered"


def test_report_pages_show_manifest_message_counts(sample):
    reports = sample.settings.reports_dir

    for name, expected in manifest()["groups"].items():
        page = reports / "groups" / sample.groups[name]["slug"] / "index.html"
        text = html.unescape(page.read_text(encoding="utf-8"))
        shown = re.search(r"<th[^>]*>Messages</th>\s*<td[^>]*>([\d,]+)</td>", text)
        assert shown is not None, f"no message count in the report of {name}"
        assert int(shown.group(1).replace(",", "")) == expected["messages"], name


def test_index_shows_manifest_figures(sample):
    index = html.unescape((sample.settings.reports_dir / "index.html").read_text("utf-8"))

    for name, expected in manifest()["groups"].items():
        slug = sample.groups[name]["slug"]
        row = re.search(
            rf'<tbody class="group"[^>]*>\s*<tr>\s*<td class="name"><a href="groups/{slug}/'
            r'index\.html">(?P<name>[^<]*)</a>.*?</tbody>',
            index,
            re.DOTALL,
        )
        assert row is not None, f"{name} has no linked row in the index"
        assert row.group("name") == name
        messages = re.search(r'data-label="Messages">([\d,]+)<', row.group(0)).group(1)
        assert int(messages.replace(",", "")) == expected["messages"], name
        first = re.search(r'data-label="First message" title="([^"]+)"', row.group(0)).group(1)
        last = re.search(r'data-label="Last message" title="([^"]+)"', row.group(0)).group(1)
        assert first == expected["first"].replace("T", " ")[:16], name
        assert last == expected["last"].replace("T", " ")[:16], name
    total = sum(group["messages"] for group in manifest()["groups"].values())
    assert f"{total:,} messages." in index


def test_published_files_hide_names_and_numbers(sample):
    names, numbers = people_in_sample()
    # The regular expression and the manifest must agree, or the search below proves little.
    assert len(names) > 100
    assert len(numbers) > 5
    files = [path for path in sample.settings.reports_dir.rglob("*") if path.is_file()]
    assert sample.settings.reports_dir / "index.html" in files
    assert sample.settings.reports_dir / "overview" / "index.html" in files

    found = []
    for path in files:
        text = published_text(path).casefold()
        digits = re.sub(r"[\s-]", "", text)
        for name in names:
            if name.casefold() in text:
                found.append((path.name, name))
        for number in numbers:
            if re.sub(r"\D", "", number) in digits:
                found.append((path.name, number))

    assert found == []


def test_sample_pages_load_offline(sample):
    reports = sample.settings.reports_dir
    pages = sorted(reports.rglob("index.html"))
    assert len(pages) == len(sample.groups) + 2

    with chromium() as browser:
        for page_file in pages:
            with open_offline(browser, page_file, reports) as (page, load):
                assert load.blocked == [], page_file
                assert load.errors == [], page_file
                assert page.locator("footer.provenance").is_visible()
            with open_offline(browser, page_file, reports, viewport=PHONE) as (page, _):
                assert page_overflow(page) == 0, page_file


def test_sample_screenshots(sample):
    """Save screenshots of the index and a group report for people to look at."""
    reports = sample.settings.reports_dir
    first_group = sorted(group["slug"] for group in sample.groups.values())[0]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shots = {
        "index-desktop.png": (reports / "index.html", DESKTOP),
        "index-phone.png": (reports / "index.html", PHONE),
        "group-desktop.png": (reports / "groups" / first_group / "index.html", DESKTOP),
        "group-phone.png": (reports / "groups" / first_group / "index.html", PHONE),
        "overview-desktop.png": (reports / "overview" / "index.html", DESKTOP),
    }

    with chromium() as browser:
        for name, (page_file, viewport) in shots.items():
            with open_offline(browser, page_file, reports, viewport=viewport) as (page, _):
                page.screenshot(path=str(SCREENSHOTS / name), full_page=True)

    for name in shots:
        assert (SCREENSHOTS / name).stat().st_size > 10_000, name
