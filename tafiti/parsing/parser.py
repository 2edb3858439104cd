"""Read the text of a WhatsApp export into records, in one pass over the text.

The steps of :func:`parse_export_text`:

1. normalise line ends and find the file's header format from its first headers;
2. walk the headers with one regex (``finditer``): the text between two headers
   is the body of the first, so continuation lines need no work of their own;
   each body is classified (message, media, deleted, event) as it is cut;
3. decide the date order from the distinct dates seen, then turn every
   header's date and time into a timestamp;
4. read the events' details (type, actor, people, names), which needs the
   file's authors to split lists of names containing commas.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from datetime import date, datetime, time

from tafiti.errors import ExportTooLargeError, NotAChatError
from tafiti.parsing.dates import DateSeen, decide_date_order, plausible, split_date, to_date
from tafiti.parsing.events import describe_event
from tafiti.parsing.headers import MARKS, HeaderFormat, detect_format, header_regex, parse_time
from tafiti.parsing.phrases import PhraseBook, default_phrase_book
from tafiti.parsing.records import ParsedExport, ParseWarning, Record

log = logging.getLogger(__name__)

_LINE_MARKS = re.compile(f"\n[{MARKS}]+")
_QUOTE_CHARS = '"“”„«»'
_COPY_SUFFIX = re.compile(r"\s*\(\d+\)$")
# An author longer than this that contains a quotation mark is probably the
# start of a system line whose quoted group name contains ": ".
_SUSPECT_AUTHOR_CHARS = 20


def parse_export_text(
    text: str,
    filename: str,
    *,
    default_date_order: str,
    default_source: str,
    max_message_chars: int,
    names: tuple[str, ...] = (),
    media_files: tuple[str, ...] = (),
    book: PhraseBook | None = None,
) -> ParsedExport:
    """Parse decoded export text.

    ``names`` are file names that may reveal the chat's name (zip member, file),
    most telling first. Raises :class:`~tafiti.errors.NotAChatError` when no
    line reads as a message header.
    """
    book = book or default_phrase_book()
    text = _normalise_line_ends(text)

    detected = detect_format(text)
    if detected is None:
        raise NotAChatError(
            "not a WhatsApp chat export: no line starts with a message header "
            "such as '12/07/2017, 22:35 - Name: text' or '[01/03/2023, 08:00:12] Name: text'",
            filename=filename,
        )
    shape, _ = detected

    scan = _Scan(text, shape, book, max_message_chars, filename)
    scan.run()
    if not scan.records:
        raise NotAChatError(
            f"not a WhatsApp chat export: no line is a readable message header "
            f"(format {shape.describe()})",
            filename=filename,
        )

    decision = decide_date_order(scan.dates, shape.year_first, default_date_order, default_source)
    records = _apply_timestamps(scan, decision.order)

    authors = frozenset(r.author for r in records if r.author is not None)
    for record in records:
        if record.kind == "event":
            describe_event(record, book, authors)

    return ParsedExport(
        filename=filename,
        format=shape.id,
        date_order=decision.order,  # type: ignore[arg-type]
        date_order_reason=decision.reason,
        records=records,
        warnings=sorted(scan.warnings, key=lambda w: w.line),
        chat_name=_chat_name(scan.group_authors, names, book),
        media_files=media_files,
        format_description=shape.describe(decision.order),
    )


def _normalise_line_ends(text: str) -> str:
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" not in text:
        return text
    text = text.replace("\r\n", "\n")
    # Old Mac-style files end lines with CR alone; a CR inside a message of an
    # LF file is kept.
    if text.count("\r") > text.count("\n"):
        text = text.replace("\r", "\n")
    return text


class _Scan:
    """The one pass over the text: headers, bodies, kinds, distinct dates."""

    def __init__(
        self,
        text: str,
        shape: HeaderFormat,
        book: PhraseBook,
        max_message_chars: int,
        filename: str,
    ):
        self.text = "\n" + text
        self.shape = shape
        self.book = book
        self.max_message_chars = max_message_chars
        self.filename = filename
        self.records: list[Record] = []
        self.warnings: list[ParseWarning] = []
        self.dates: list[DateSeen] = []
        self.date_parts: dict[str, tuple[int, int, int]] = {}
        self.group_authors: Counter[str] = Counter()

    def run(self) -> None:
        text = self.text
        shape = self.shape
        records = self.records
        warnings = self.warnings
        date_parts = self.date_parts
        times: dict[str, time | None] = {}
        new_record = self._record

        line = 0
        counted_to = 0
        pending: tuple[str, time, str | None, int] | None = None
        body_start = 0
        for found in header_regex(shape).finditer(text):
            start = found.start()
            line += text.count("\n", counted_to, start + 1)
            counted_to = start + 1
            date_text, time_text, author, odd = found.groups()

            if odd is not None:
                warnings.append(
                    ParseWarning(
                        line,
                        f"line starts like a message header but not in this file's format "
                        f"({shape.describe()}); kept as part of the message above: {odd[:80]!r}",
                    )
                )
                continue

            clock = times.get(time_text, False)
            if clock is False:
                clock = times[time_text] = parse_time(time_text)
            if clock is None:
                warnings.append(
                    ParseWarning(
                        line,
                        f"invalid time {time_text!r} in a message header; "
                        "kept as part of the message above",
                    )
                )
                continue

            if date_text not in date_parts:
                parts = split_date(date_text)
                if not plausible(parts, shape.year_first):
                    warnings.append(
                        ParseWarning(
                            line,
                            f"invalid date {date_text!r} in a message header; "
                            "kept as part of the message above",
                        )
                    )
                    continue
                date_parts[date_text] = parts
                self.dates.append(DateSeen(date_text, line))

            if pending is None:
                self._check_preamble(start)
            else:
                records.append(new_record(pending, text[body_start:start]))
            pending = (date_text, clock, author, line)
            body_start = found.end()

        if pending is not None:
            records.append(new_record(pending, text[body_start:].rstrip("\n")))

    def _check_preamble(self, start: int) -> None:
        preamble = self.text[:start]
        if preamble.strip():
            lines = preamble.count("\n")
            self.warnings.append(
                ParseWarning(
                    1,
                    f"{lines} line(s) before the first message header are not part of any "
                    f"message and were not read: {preamble.strip()[:80]!r}",
                )
            )

    def _record(self, pending: tuple[str, time, str | None, int], body: str) -> Record:
        date_text, clock, author, line = pending
        if len(body) > self.max_message_chars:
            raise ExportTooLargeError(
                f"a message has {len(body):,} characters, more than the limit of "
                f"{self.max_message_chars:,} (setting TAFITI_MAX_MESSAGE_CHARS)",
                filename=self.filename,
                line=line,
            )

        marked = False
        if body and body[0] in MARKS:
            body = body.lstrip(MARKS)
            marked = True
        if "\n\u200e" in body or "\n\u200f" in body:
            body = _LINE_MARKS.sub("\n", body)

        if author is None:
            return Record((date_text, clock), None, body, "event", line)  # type: ignore[arg-type]

        if len(author) > _SUSPECT_AUTHOR_CHARS and any(q in author for q in _QUOTE_CHARS):
            whole = f"{author}: {body}"
            if self.book.events.match(whole.partition("\n")[0]) is not None:
                return Record((date_text, clock), None, whole, "event", line)  # type: ignore[arg-type]

        newline = body.find("\n")
        first = body if newline < 0 else body[:newline]
        hit = self.book.authored.match(first)
        if hit is not None:
            phrase, found = hit
            if phrase.kind in ("media", "attachment"):
                attachment = (
                    found["file"] if found is not None and "file" in found.re.groupindex else None
                )
                record = Record((date_text, clock), author, body, "media", line)  # type: ignore[arg-type]
                record.attachment = attachment
                return record
            if phrase.kind == "deleted":
                if newline < 0:
                    return Record((date_text, clock), author, body, "deleted", line)  # type: ignore[arg-type]
            else:
                return self._authored_event(date_text, clock, author, body, line)
        if marked or author in self.group_authors:
            if self.book.events.match(first) is not None:
                return self._authored_event(date_text, clock, author, body, line)
        return Record((date_text, clock), author, body, "message", line)  # type: ignore[arg-type]

    def _authored_event(
        self, date_text: str, clock: time, author: str, body: str, line: int
    ) -> Record:
        # iOS writes system lines with the group's name as the author; a person
        # named at the start of the line is the one the event is about instead.
        if not body.startswith(author):
            self.group_authors[author] += 1
        return Record((date_text, clock), None, body, "event", line)  # type: ignore[arg-type]


def _apply_timestamps(scan: _Scan, order: str) -> list[Record]:
    """Replace each record's (date text, time) with its timestamp under ``order``.

    A header whose date does not exist under the decided order (30/02) becomes
    part of the message above, with a warning.
    """
    days: dict[str, date | None] = {
        text: to_date(parts, order) for text, parts in scan.date_parts.items()
    }
    combine = datetime.combine
    records = scan.records
    if all(day is not None for day in days.values()):
        for record in records:
            day_text, clock = record.timestamp  # type: ignore[misc]
            record.timestamp = combine(days[day_text], clock)  # type: ignore[arg-type]
        return records

    kept: list[Record] = []
    lines: list[str] | None = None
    for record in records:
        day_text, clock = record.timestamp  # type: ignore[misc]
        day = days[day_text]
        if day is None:
            scan.warnings.append(
                ParseWarning(
                    record.line,
                    f"date {day_text!r} does not exist in {order} order; "
                    "kept as part of the message above",
                )
            )
            if kept:
                if lines is None:
                    lines = scan.text.split("\n")
                _, newline, rest = record.text.partition("\n")
                kept[-1].text += "\n" + lines[record.line] + newline + rest
            continue
        record.timestamp = combine(day, clock)
        kept.append(record)
    return kept


def _chat_name(group_authors: Counter[str], names: tuple[str, ...], book: PhraseBook) -> str | None:
    if group_authors:
        return group_authors.most_common(1)[0][0]
    for name in names:
        stem = name.rsplit("/", 1)[-1]
        if "." in stem:
            stem = stem.rsplit(".", 1)[0]
        stem = _COPY_SUFFIX.sub("", stem)
        hit = book.filenames.match(stem)
        if hit is not None and hit[1] is not None and hit[1]["name"]:
            return hit[1]["name"]
    return None
