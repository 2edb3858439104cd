"""The export corpus: every case matches its expected parse, every peer file its table row."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import CORPUS

from tafiti.parsing import parse_file, parsed_to_json, parsed_to_json_text

# Each test runs with the parser's C module and with its Python steps.
pytestmark = pytest.mark.usefixtures("column_code")

CASES = CORPUS / "cases"
PEERS = CORPUS / "peers"


def _case_files() -> list[Path]:
    if not CASES.is_dir():
        return []
    return sorted(
        path
        for path in CASES.iterdir()
        if path.suffix in (".txt", ".zip") and _expected(path).exists()
    )


def _expected(path: Path) -> Path:
    return path.with_name(path.stem + ".expected.json")


@pytest.mark.parametrize("path", _case_files(), ids=lambda p: p.name)
def test_corpus_case_matches_expected(corpus: Path, path: Path) -> None:
    expected = json.loads(_expected(path).read_text(encoding="utf-8"))

    got = parsed_to_json(parse_file(path))

    assert got["date_order"] == expected["date_order"]
    assert len(got["records"]) == len(expected["records"])
    for index, (record, want) in enumerate(zip(got["records"], expected["records"], strict=True)):
        for key in ("timestamp", "author", "text", "kind"):
            assert record[key] == want[key], f"record {index}: {key}"
        if "event" in want:
            assert record.get("event") == want["event"], f"record {index}: event"
        assert record.get("attachment") == want.get("attachment"), f"record {index}: attachment"


def test_corpus_has_cases(corpus: Path) -> None:
    assert len(_case_files()) >= 9


def _counts(path: Path) -> tuple[int, int]:
    records = parse_file(path).records
    return len(records), sum(1 for r in records if r.kind == "event")


def test_rwhatsapp_sample_text(corpus: Path) -> None:
    parsed = parse_file(PEERS / "rwhatsapp-sample.txt")

    assert len(parsed.records) == 9
    assert [r.event for r in parsed.records if r.kind == "event"] == [
        "encryption_notice",
        "created",
    ]
    assert [r.text for r in parsed.records if r.kind == "media"] == ["<Media omitted>"]
    two_line = [r for r in parsed.records if "\n" in r.text]
    assert [r.text for r in two_line] == ["It's fun doing text analysis with R\nisn't it?"]


def test_rwhatsapp_zip_equals_text(corpus: Path) -> None:
    from_zip = parsed_to_json(parse_file(PEERS / "rwhatsapp-sample.zip"))
    from_text = parsed_to_json(parse_file(PEERS / "rwhatsapp-sample.txt"))

    assert from_zip == from_text


def test_whatstk_pokemon(corpus: Path) -> None:
    parsed = parse_file(PEERS / "whatstk-pokemon.txt")

    assert len(parsed.records) == 20
    events = [r for r in parsed.records if r.kind == "event"]
    assert len(events) == 2
    assert parsed.records[0].kind == "event"
    assert parsed.records[0].author is None
    assert parsed.records[0].event == "encryption_notice"
    assert parsed.chat_name == "Pokemon Chat"


@pytest.mark.parametrize(
    ("name", "records"),
    [
        ("whatstk-lorem.txt", 500),
        ("whatstk-lorem-2000.txt", 2000),
        ("whatstk-lorem-merge-part1.txt", 300),
        ("whatstk-lorem-merge-part2.txt", 300),
    ],
)
def test_whatstk_lorem_counts(corpus: Path, name: str, records: int) -> None:
    assert _counts(PEERS / name) == (records, 0)


CHAT_MINER = [
    "chat-miner-ddmmyy_24hrs.txt",
    "chat-miner-mmddyy_24hrs.txt",
    "chat-miner-mmddyyyy_12hrs.txt",
    "chat-miner-yyyymmdd_24hrs.txt",
    "chat-miner-bracket-mmddyy_24hrs.txt",
]


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.mark.parametrize("name", CHAT_MINER)
def test_chat_miner_formats_match_target(corpus: Path, name: str) -> None:
    target = json.loads((PEERS / "chat-miner-target.json").read_text(encoding="utf-8"))
    parsed = parse_file(PEERS / name)

    assert len(parsed.records) == 9
    events = {r.event for r in parsed.records if r.kind == "event"}
    assert {"created", "added"} <= events
    oddity = [r for r in parsed.records if r.text.endswith(":.") or r.text == "."]
    assert len(parsed.records) - len(oddity) - 2 == 6

    found = {
        (r.timestamp.isoformat(timespec="seconds"), r.author, _squeeze(r.text))
        for r in parsed.records
    }
    for message in target:
        assert (message["timestamp"], message["author"], _squeeze(message["message"])) in found


@pytest.mark.parametrize("name", CHAT_MINER)
def test_chat_miner_you_were_added(corpus: Path, name: str) -> None:
    parsed = parse_file(PEERS / name)

    added = [r for r in parsed.records if r.event == "added"]
    created = [r for r in parsed.records if r.event == "created"]
    assert [r.people for r in added] == [("You",)]
    assert [(r.actor, r.new_name) for r in created] == [("+12 345 578", "Groupname")]


@pytest.mark.parametrize("path", _case_files(), ids=lambda p: p.name)
def test_json_text_equals_contract(corpus: Path, path: Path) -> None:
    parsed = parse_file(path)

    assert json.loads(parsed_to_json_text(parsed)) == parsed_to_json(parsed)
