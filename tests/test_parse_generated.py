"""Exports written by tafiti.generate parse to what its manifest counted.

The generator writes export text without importing the parser and counts the
records it generated, so its manifest is an independent expectation.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tafiti.generate import FORMAT_NAMES, write_export
from tafiti.parsing import ParsedExport, parse_file

# Each test runs with the parser's C module and with its Python steps.
pytestmark = pytest.mark.usefixtures("column_code")

SAMPLE_EXPORTS = Path(__file__).resolve().parent.parent / "data" / "exports"


def _check_against_manifest(parsed: ParsedExport, entry: dict[str, Any]) -> None:
    kinds = Counter(record.kind for record in parsed.records)
    events = Counter(record.event for record in parsed.records if record.kind == "event")
    attachments = [record for record in parsed.records if record.attachment is not None]

    assert parsed.date_order == entry["date_order"]
    assert parsed.warnings == []
    assert len(parsed.records) == entry["records"]
    assert kinds["message"] == entry["text"]
    assert kinds["media"] == entry["media"]
    assert kinds["deleted"] == entry["deleted"]
    assert dict(events) == entry["event_types"]
    assert len(attachments) == entry["attachments"]
    assert len({r.author for r in parsed.records if r.author is not None}) == entry["authors"]
    assert parsed.records[0].timestamp.isoformat() == entry["first_record"]
    assert max(r.timestamp for r in parsed.records).isoformat() == entry["last_record"]
    assert parsed.format.startswith(entry["platform"])


def _sample_files() -> list[str]:
    manifest = SAMPLE_EXPORTS / "manifest.json"
    if not manifest.exists():
        return []
    return sorted(json.loads(manifest.read_text(encoding="utf-8"))["files"])


@pytest.mark.parametrize("name", _sample_files())
def test_sample_export_matches_manifest(name: str) -> None:
    manifest = json.loads((SAMPLE_EXPORTS / "manifest.json").read_text(encoding="utf-8"))
    entry = manifest["files"][name]

    parsed = parse_file(SAMPLE_EXPORTS / name)

    _check_against_manifest(parsed, entry)
    assert parsed.chat_name == entry["name"]


@pytest.mark.parametrize("zipped", [False, True], ids=["txt", "zip"])
@pytest.mark.parametrize("fmt", FORMAT_NAMES)
def test_generated_export_matches_manifest(tmp_path: Path, fmt: str, zipped: bool) -> None:
    path = tmp_path / f"WhatsApp Chat - Biashara {fmt}.{'zip' if zipped else 'txt'}"
    manifest = write_export(path, 2000, fmt, seed=7)
    entry = next(iter(manifest["files"].values()))

    parsed = parse_file(path)

    _check_against_manifest(parsed, entry)
    if zipped:
        assert sorted(parsed.media_files) == sorted(entry["attachment_files"])
