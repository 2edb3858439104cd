"""Views of a parsed export: the JSON contract, a readable summary, media-folded text."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from tafiti.parsing.phrases import PhraseBook, default_phrase_book
from tafiti.parsing.records import ParsedExport, Record

MEDIA_TOKEN = "\x00media\x00"

_MAX_WARNINGS_SHOWN = 20
# json.dumps with an indent runs in pure Python, several times slower than the
# compact C encoder; above this many records the JSON text is written compact.
_MAX_INDENTED_RECORDS = 10_000


def record_to_json(record: Record) -> dict[str, Any]:
    """One record in the export corpus contract."""
    item: dict[str, Any] = {
        "timestamp": record.timestamp.isoformat(timespec="seconds"),
        "author": record.author,
        "text": record.text,
        "kind": record.kind,
    }
    if record.kind == "event":
        item["event"] = record.event or "other"
    if record.attachment is not None:
        item["attachment"] = record.attachment
    return item


def parsed_to_json(parsed: ParsedExport) -> dict[str, Any]:
    """``{"date_order": …, "records": […]}`` as in the export corpus contract."""
    return {
        "date_order": parsed.date_order,
        "records": [record_to_json(record) for record in parsed.records],
    }


def parsed_to_json_text(parsed: ParsedExport) -> str:
    """:func:`parsed_to_json` as JSON text: indented for small exports, compact for large ones."""
    payload = parsed_to_json(parsed)
    if len(parsed.records) > _MAX_INDENTED_RECORDS:
        return json.dumps(payload, ensure_ascii=False)
    return json.dumps(payload, ensure_ascii=False, indent=1)


def summarize(parsed: ParsedExport) -> str:
    """A readable summary: format, date order and why, counts by kind, warnings."""
    kinds = Counter(record.kind for record in parsed.records)
    events = Counter(record.event or "other" for record in parsed.records if record.kind == "event")
    authors = {record.author for record in parsed.records if record.author is not None}

    lines = [
        f"file:        {parsed.filename}"
        + (f" ({parsed.container}, {parsed.encoding})" if parsed.container else ""),
        f"chat name:   {parsed.chat_name or 'unknown'}",
        f"format:      {parsed.format} ({parsed.format_description})",
        f"date order:  {parsed.date_order}: {parsed.date_order_reason}",
        f"records:     {len(parsed.records):,}",
    ]
    for kind in ("message", "media", "deleted", "event"):
        lines.append(f"  {kind + ':':<10} {kinds.get(kind, 0):,}")
    if events:
        detail = ", ".join(f"{name} {count:,}" for name, count in sorted(events.items()))
        lines.append(f"  events by type: {detail}")
    lines.append(f"authors:     {len(authors):,}")
    if parsed.records:
        times = [record.timestamp for record in parsed.records]
        lines.append(f"period:      {min(times):%Y-%m-%d %H:%M} to {max(times):%Y-%m-%d %H:%M}")
    if parsed.media_files:
        lines.append(f"media files: {len(parsed.media_files):,} in the zip archive")

    lines.append(f"warnings:    {len(parsed.warnings):,}")
    for warning in parsed.warnings[:_MAX_WARNINGS_SHOWN]:
        lines.append(f"  line {warning.line}: {warning.message}")
    if len(parsed.warnings) > _MAX_WARNINGS_SHOWN:
        lines.append(f"  … and {len(parsed.warnings) - _MAX_WARNINGS_SHOWN:,} more")
    return "\n".join(lines)


def media_folded_text(record: Record, book: PhraseBook | None = None) -> str:
    """The record's text with its media marker replaced by ``"\\x00media\\x00"``.

    The marker is the first line of the body (``<Media omitted>``,
    ``<attached: …>``, ``IMG-….jpg (file attached)`` and their translations);
    a caption on the lines below is kept. The same message exported with and
    without media folds to the same text.
    """
    if record.kind != "media":
        return record.text
    book = book or default_phrase_book()
    first, newline, rest = record.text.partition("\n")
    if book.media.match(first) is None:
        return record.text
    return MEDIA_TOKEN + newline + rest
