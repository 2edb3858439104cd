"""The export generator: determinism, manifest numbers, the committed sample set.

The manifest is what other tests compare the pipeline against, so here it is
checked against counts taken from the written text with plain regular
expressions written for this test, not with tafiti's parser.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from tafiti.cli import main
from tafiti.generate import overlapping_exports, write_export, write_sample

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = PROJECT_ROOT / "data" / "exports"
GROUPS_FILE = PROJECT_ROOT / "data" / "groups.yml"

# Header regex and strptime pattern of each format, written out by hand.
HEADERS = {
    "android": (r"(\d{2}/\d{2}/\d{4}, \d{2}:\d{2}) - ", "%d/%m/%Y, %H:%M"),
    "android-us": (r"(\d{1,2}/\d{1,2}/\d{2}, \d{1,2}:\d{2}\u202f[AP]M) - ", "%m/%d/%y, %I:%M %p"),
    "android-pt": (r"(\d{2}/\d{2}/\d{4} \d{2}:\d{2}) - ", "%d/%m/%Y %H:%M"),
    "ios": (r"\u200e?\[(\d{2}/\d{2}/\d{4}, \d{2}:\d{2}:\d{2})\] ", "%d/%m/%Y, %H:%M:%S"),
    "ios-us": (
        r"\u200e?\[(\d{1,2}/\d{1,2}/\d{2}, \d{1,2}:\d{2}:\d{2}\u202f[AP]M)\] ",
        "%m/%d/%y, %I:%M:%S %p",
    ),
}
MEDIA_BODIES = {"<Media omitted>", "<Arquivo de mídia oculto>"}
DELETED_BODIES = {
    "This message was deleted",
    "You deleted this message",
    "This message was deleted.",
    "You deleted this message.",
    "Mensagem apagada",
    "Você apagou esta mensagem",
}


def split_records(text: str, fmt: str) -> list[tuple[datetime, str]]:
    """Split export text into (time, rest of the record) at each header line."""
    pattern, time_format = HEADERS[fmt]
    header = re.compile(pattern)
    records: list[tuple[datetime, str]] = []
    for line in text.split("\n"):
        match = header.match(line)
        if match:
            stamp = datetime.strptime(match.group(1).replace("\u202f", " "), time_format)
            records.append((stamp, line[match.end() :]))
        elif records:
            moment, rest = records[-1]
            records[-1] = (moment, rest + "\n" + line)
    if records and text.endswith("\n"):
        moment, rest = records[-1]
        records[-1] = (moment, rest.removesuffix("\n"))
    return records


def count_text(text: str, fmt: str, group_name: str) -> dict:
    """Count records, messages, media, deleted, events and authors in export text."""
    counts: Counter[str] = Counter()
    authors: Counter[str] = Counter()
    message_times = []
    for moment, rest in split_records(text, fmt):
        counts["records"] += 1
        author, _, body = rest.partition(": ")
        if fmt.startswith("ios"):
            is_event = author == group_name
        else:
            is_event = ": " not in rest.split("\n")[0]
        if is_event:
            counts["events"] += 1
            if "joined using this group's invite link" in rest or "entrou usando o link" in rest:
                counts["joined"] += 1
            if rest.endswith(" left") or rest.endswith(" saiu"):
                counts["left"] += 1
            continue
        counts["messages"] += 1
        authors[author] += 1
        message_times.append(moment)
        body = body.lstrip("\u200e")
        if (
            body in MEDIA_BODIES
            or body.startswith("<attached: ")
            or body.endswith(" omitted")
            or body.endswith(" (file attached)")
        ):
            counts["media"] += 1
        elif body in DELETED_BODIES:
            counts["deleted"] += 1
    return {
        "counts": counts,
        "authors": authors,
        "first": message_times[0].isoformat() if message_times else None,
        "last": message_times[-1].isoformat() if message_times else None,
    }


def chat_text(path: Path) -> str:
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as archive:
            name = next(n for n in archive.namelist() if n.endswith(".txt"))
            return archive.read(name).decode("utf-8")
    return path.read_text(encoding="utf-8")


def assert_file_matches_text(path: Path, entry: dict) -> None:
    found = count_text(chat_text(path), entry["format"], entry["name"])
    counts = found["counts"]
    for key in ("records", "messages", "media", "deleted", "events"):
        assert counts[key] == entry[key], f"{path.name}: {key}"
    assert counts["joined"] == entry["event_types"].get("joined", 0), path.name
    assert counts["left"] == entry["event_types"].get("left", 0), path.name
    assert found["first"] == entry["first"], path.name
    assert found["last"] == entry["last"], path.name
    written = {name: n for name, n in entry["participant_messages"].items() if n}
    assert dict(found["authors"]) == written, path.name
    assert len(found["authors"]) == entry["authors"], path.name


@pytest.fixture(scope="module")
def sample_manifest() -> dict:
    return json.loads((SAMPLE_DIR / "manifest.json").read_text(encoding="utf-8"))


# --- the committed sample set ----------------------------------------------


def test_sample_manifest_matches_text(sample_manifest: dict) -> None:
    for name, entry in sample_manifest["files"].items():
        assert_file_matches_text(SAMPLE_DIR / name, entry)


def test_sample_meets_minimums(sample_manifest: dict) -> None:
    groups = sample_manifest["groups"].values()
    files = sample_manifest["files"].values()

    assert len(sample_manifest["groups"]) >= 4
    assert sample_manifest["totals"]["messages"] >= 3000
    assert {entry["platform"] for entry in files} == {"android", "ios"}
    assert any(entry["zip"] and entry["attachment_files"] for entry in files)
    assert {"en", "sw", "pt"} <= {language for group in groups for language in group["languages"]}
    assert any(group["event_types"].get("subject_changed") for group in groups)
    assert any(len(group["names"]) >= 2 for group in groups)
    for key in ("joins", "leaves", "media", "deleted"):
        assert all(group[key] > 0 for group in groups), key
    assert any(group["participants"] > group["authors"] for group in groups)


def test_sample_zip_carries_its_attachments(sample_manifest: dict) -> None:
    for name, entry in sample_manifest["files"].items():
        if not entry["zip"]:
            continue
        with zipfile.ZipFile(SAMPLE_DIR / name) as archive:
            members = archive.namelist()
        assert entry["chat_file"] in members
        assert sorted(members) == sorted([entry["chat_file"], *entry["attachment_files"]])
        assert len(entry["attachment_files"]) == entry["attachments"]


def test_sample_reexport_repeats_earlier_history(sample_manifest: dict) -> None:
    repeated = [group for group in sample_manifest["groups"].values() if len(group["files"]) > 1]
    assert repeated, "no group is exported twice"

    for group in repeated:
        earlier, later = (SAMPLE_DIR / name for name in group["files"])
        earlier_text, later_text = chat_text(earlier), chat_text(later)
        assert len(earlier_text) < len(later_text)
        assert later_text.startswith(earlier_text)

        later_entry = sample_manifest["files"][group["files"][-1]]
        for key in ("records", "messages", "events", "participants", "first", "last"):
            assert group[key] == later_entry[key], key
        earlier_entry = sample_manifest["files"][group["files"][0]]
        assert earlier_entry["name"] != later_entry["name"]


def test_sample_groups_file_matches_manifest(sample_manifest: dict) -> None:
    metadata = yaml.safe_load(GROUPS_FILE.read_text(encoding="utf-8"))
    by_name = {group["name"]: group for group in metadata["groups"]}

    assert set(by_name) == set(sample_manifest["groups"])
    for name, group in sample_manifest["groups"].items():
        entry = by_name[name]
        assert entry["exports"] == group["files"]
        assert all((SAMPLE_DIR / export).is_file() for export in entry["exports"])
        assert entry["advisor"] == group["advisor"]
        assert entry["facilitators"] == group["facilitators"]
        assert str(entry["start_date"]) == group["start_date"]
        assert entry["timezone"].startswith("Africa/")
        assert entry["aliases"] == group["aliases"]


def test_committed_sample_is_generator_output(tmp_path: Path) -> None:
    manifest = write_sample(tmp_path / "exports", tmp_path / "groups.yml")

    assert (tmp_path / "groups.yml").read_text() == GROUPS_FILE.read_text()
    committed = json.loads((SAMPLE_DIR / "manifest.json").read_text(encoding="utf-8"))
    assert manifest == committed
    for name in manifest["files"]:
        assert chat_text(tmp_path / "exports" / name) == chat_text(SAMPLE_DIR / name), name


# --- write_export and overlapping_exports ----------------------------------


@pytest.mark.parametrize("fmt", ["android", "android-us", "android-pt", "ios", "ios-us"])
def test_export_manifest_matches_text(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / "export.txt"
    manifest = write_export(path, 3000, fmt, seed=7)

    entry = manifest["files"]["export.txt"]
    assert entry["messages"] == 3000
    assert_file_matches_text(path, entry)
    assert json.loads((tmp_path / "export.txt.manifest.json").read_text()) == manifest


@pytest.mark.parametrize("messages", [1, 2, 5, 12])
def test_export_tiny_reaches_count(tmp_path: Path, messages: int) -> None:
    for seed in range(3):
        manifest = write_export(tmp_path / f"{seed}.zip", messages, "android", seed=seed)

        assert manifest["files"][f"{seed}.zip"]["messages"] == messages


def test_export_same_seed_same_bytes(tmp_path: Path) -> None:
    for name in ("a", "b"):
        write_export(tmp_path / f"{name}.txt", 2000, "android-us", seed=11)
        write_export(tmp_path / f"{name}.zip", 2000, "ios", seed=11)
    write_export(tmp_path / "c.txt", 2000, "android-us", seed=12)

    assert (tmp_path / "a.txt").read_bytes() == (tmp_path / "b.txt").read_bytes()
    assert chat_text(tmp_path / "a.zip") == chat_text(tmp_path / "b.zip")
    assert (tmp_path / "a.txt").read_bytes() != (tmp_path / "c.txt").read_bytes()


def test_export_zip_holds_chat_and_media(tmp_path: Path) -> None:
    manifest = write_export(tmp_path / "export.zip", 1500, "ios", seed=3)

    entry = manifest["files"]["export.zip"]
    with zipfile.ZipFile(tmp_path / "export.zip") as archive:
        members = archive.namelist()
        text = archive.read("_chat.txt").decode("utf-8")
    assert entry["attachment_files"]
    assert sorted(members) == sorted(["_chat.txt", *entry["attachment_files"]])
    for name in entry["attachment_files"]:
        assert f"<attached: {name}>" in text
    assert_file_matches_text(tmp_path / "export.zip", entry)


def test_overlapping_exports_share_history(tmp_path: Path) -> None:
    manifest = overlapping_exports(tmp_path, exports=4, messages=1000, overlap=0.9, seed=5)

    names = list(manifest["files"])
    assert len(names) == 4
    group = next(iter(manifest["groups"].values()))
    assert group["messages"] == 1000 + 3 * 100
    messages_by_file = []
    for name in names:
        entry = manifest["files"][name]
        assert entry["messages"] == 1000
        assert_file_matches_text(tmp_path / name, entry)
        records = split_records(chat_text(tmp_path / name), "android")
        messages_by_file.append([r for r in records if ": " in r[1].split("\n")[0]])
    for earlier, later in zip(messages_by_file, messages_by_file[1:], strict=False):
        assert earlier[100:] == later[:900]


def test_overlapping_exports_full_overlap_repeats(tmp_path: Path) -> None:
    manifest = overlapping_exports(tmp_path, exports=2, messages=500, overlap=1.0, fmt="ios")

    first, second = (chat_text(tmp_path / name) for name in manifest["files"])
    assert first == second
    assert next(iter(manifest["groups"].values()))["messages"] == 500


def test_generator_imports_no_parser() -> None:
    code = (
        "import sys, tafiti.generate\n"
        "print(any(name.startswith('tafiti.parsing') for name in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


# --- command line --------------------------------------------------------------


def test_cli_generate_writes_export_and_manifest(tmp_path: Path) -> None:
    out = tmp_path / "big.zip"
    result = CliRunner().invoke(
        main, ["generate", "--messages", "800", "--format", "ios", "--zip", "--out", str(out)]
    )

    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "big.zip.manifest.json").read_text())
    assert manifest["files"]["big.zip"]["messages"] == 800
    assert zipfile.is_zipfile(out)


def test_cli_generate_sample(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["generate", "--sample", str(tmp_path / "exports")])

    assert result.exit_code == 0, result.output
    assert (tmp_path / "groups.yml").is_file()
    manifest = json.loads((tmp_path / "exports" / "manifest.json").read_text())
    assert sorted(p.name for p in (tmp_path / "exports").iterdir()) == sorted(
        [*manifest["files"], "manifest.json"]
    )


def test_cli_generate_needs_out(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["generate", "--messages", "10"])

    assert result.exit_code != 0
    assert "--out" in result.output
