"""Views of a parsed export: the JSON contract, a readable summary, media-folded text."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from itertools import compress, repeat
from operator import attrgetter, is_not
from typing import Any

from tafiti.parsing.phrases import PhraseBook, default_phrase_book
from tafiti.parsing.records import ParsedExport, Record

MEDIA_TOKEN = "\x00media\x00"

_MAX_WARNINGS_SHOWN = 20


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
    """:func:`parsed_to_json` as JSON text, one record per line.

    Built column by column with the json module's C string encoder, which is
    several times faster than ``json.dumps`` on a list of a million dicts.
    """
    records = parsed.records
    if not records:
        return json.dumps(parsed_to_json(parsed), ensure_ascii=False)

    encode = json.encoder.encode_basestring
    stamps = map(_ISO_SECONDS, map(attrgetter("timestamp"), records))
    author_json = {
        author: "null" if author is None else encode(author)
        for author in set(map(attrgetter("author"), records))
    }
    authors = map(author_json.__getitem__, map(attrgetter("author"), records))
    texts = map(encode, map(attrgetter("text"), records))
    kinds = list(map(attrgetter("kind"), records))

    # Only events and attachments carry more keys; find them without a Python loop.
    indexes = range(len(records))
    special = set(compress(indexes, map("event".__eq__, kinds)))
    special.update(
        compress(indexes, map(is_not, map(attrgetter("attachment"), records), repeat(None)))
    )
    extras = [""] * len(records)
    for index in special:
        record = records[index]
        if record.kind == "event":
            extras[index] += f', "event": {encode(record.event or "other")}'
        if record.attachment is not None:
            extras[index] += f', "attachment": {encode(record.attachment)}'

    lines = map(_RECORD_JSON.format, stamps, authors, texts, kinds, extras)
    head = f'{{"date_order": {encode(parsed.date_order)}, "records": [\n'
    return head + ",\n".join(lines) + "\n]}"


# Timestamps carry no microseconds, so isoformat() gives seconds precision.
_ISO_SECONDS = datetime.isoformat
_RECORD_JSON = '{{"timestamp": "{}", "author": {}, "text": {}, "kind": "{}"{}}}'


def summarize(parsed: ParsedExport) -> str:
    """A readable summary: format, date order and why, counts by kind, warnings."""
    records = parsed.records
    kinds = Counter(map(attrgetter("kind"), records))
    is_event = map("event".__eq__, map(attrgetter("kind"), records))
    events = Counter(record.event or "other" for record in compress(records, is_event))
    authors = set(map(attrgetter("author"), records)) - {None}

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
    if records:
        first = min(map(attrgetter("timestamp"), records))
        last = max(map(attrgetter("timestamp"), records))
        lines.append(f"period:      {first:%Y-%m-%d %H:%M} to {last:%Y-%m-%d %H:%M}")
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
