"""The phrase tables: every shipped row loads, and a malformed row is rejected with its line."""

from __future__ import annotations

import pytest

from tafiti.parsing.phrases import (
    EVENT_TYPES,
    KINDS,
    PhraseTableError,
    build_phrase_book,
    builtin_phrases,
    load_rows,
)

HEADER = "language,kind,event,pattern,source\n"


def test_shipped_rows_are_valid() -> None:
    phrases = builtin_phrases()

    assert {p.language for p in phrases} >= {"en", "sw", "pt", "es", "fr", "de"}
    assert all(p.kind in KINDS for p in phrases)
    assert all(p.event in EVENT_TYPES for p in phrases if p.kind == "event")
    assert all(p.source for p in phrases)


@pytest.mark.parametrize("language", ["en", "sw", "pt", "es", "fr", "de"])
def test_each_language_has_core_rows(language: str) -> None:
    rows = [p for p in builtin_phrases() if p.language == language]
    events = {p.event for p in rows if p.kind == "event"}
    kinds = {p.kind for p in rows}

    assert {"joined", "added", "left", "removed", "subject_changed"} <= events
    assert {"media", "attachment", "deleted", "and", "you"} <= kinds


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("en,sound,,x,unconfirmed", "unknown kind 'sound'"),
        ("en,event,waved,{actor} waved,unconfirmed", "unknown event type 'waved'"),
        ("en,event,left,{person} left,unconfirmed", "unknown placeholder {person}"),
        ("en,event,left,{people} left {people},unconfirmed", "placeholder {people} twice"),
        ("en,media,,,unconfirmed", "empty pattern"),
        ("en,media,,<Media omitted>,", "empty source"),
    ],
)
def test_malformed_row_is_rejected_with_its_line(row: str, message: str) -> None:
    with pytest.raises(PhraseTableError) as raised:
        load_rows((HEADER + row + "\n").splitlines(keepends=True), "phrases/test.csv")

    assert str(raised.value).startswith("phrases/test.csv, line 2: ")
    assert message in str(raised.value)


def test_missing_column_is_rejected() -> None:
    with pytest.raises(PhraseTableError) as raised:
        load_rows(["language,kind,pattern\n", "en,media,x\n"], "phrases/test.csv")

    assert "missing columns ['event', 'source']" in str(raised.value)


def test_added_row_is_recognised() -> None:
    rows = load_rows(
        [HEADER, "xx,event,left,{people} amefunga virago,unconfirmed\n"], "phrases/xx.csv"
    )
    book = build_phrase_book([*builtin_phrases(), *rows])

    phrase, found = book.events.match("Bo amefunga virago")

    assert phrase.event == "left"
    assert found is not None
    assert found["people"] == "Bo"


@pytest.mark.parametrize(
    "text",
    [
        'Ana created group "Duka"',
        "Ana created group “Duka”",
        "Ana created group «Duka»",
    ],
)
def test_quotes_match_any_quotation_mark(text: str) -> None:
    phrase, found = build_phrase_book(builtin_phrases()).events.match(text)

    assert phrase.event == "created"
    assert found["name"] == "Duka"


@pytest.mark.parametrize("text", ["This message was deleted", "This message was deleted."])
def test_final_full_stop_is_optional(text: str) -> None:
    hit = build_phrase_book(builtin_phrases()).authored.match(text)

    assert hit is not None
    assert hit[0].kind == "deleted"
