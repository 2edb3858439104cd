"""Read the text of a WhatsApp export into records, in one pass over the text.

The steps of :func:`parse_export_text`:

1. normalise line ends and find the file's header format from its first headers;
2. cut the text at every header with one ``re.split``: the text between two
   headers is the body of the first, so continuation lines cost nothing;
3. decide the date order from the distinct dates, and fold any header that
   cannot be read (an invalid date or time, another format) into the message above;
4. turn each header and body into a record, classifying media, deleted
   notices and events by their first line;
5. read the events' details (type, actor, people, names), which needs all of
   the file's authors to split lists of names that contain commas.
"""

from __future__ import annotations

import gc
import logging
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import MISSING, fields
from datetime import date, datetime, time
from itertools import accumulate, compress, repeat
from operator import add, itemgetter

from tafiti.errors import ExportTooLargeError, NotAChatError
from tafiti.parsing.dates import (
    DateSeen,
    decide_date_order,
    plausible,
    split_date,
    to_date,
)
from tafiti.parsing.events import describe_event
from tafiti.parsing.headers import MARKS, HeaderFormat, detect_format, header_regex, parse_time
from tafiti.parsing.phrases import ANCHOR_CHARS, PhraseBook, default_phrase_book
from tafiti.parsing.reader import ExportText
from tafiti.parsing.records import ParsedExport, ParseWarning, Record

try:
    from tafiti.parsing import _columns
except ImportError:  # installed without a C compiler: the same steps run in Python
    _columns = None

log = logging.getLogger(__name__)

_LINE_MARKS = re.compile(f"\n[{MARKS}]+")
_QUOTE_CHARS = '"“”„«»'
_COPY_SUFFIX = re.compile(r"\s*\(\d+\)$")
# An author longer than this that contains a quotation mark is probably the
# start of a system line whose quoted group name contains ": ".
_SUSPECT_AUTHOR_CHARS = 20
_NO_AUTHOR = frozenset({None})
# The C module fills a Record's slots directly: its first five from the columns
# build() makes, the rest with their defaults.
_RECORD_NAMES = tuple(f.name for f in fields(Record))
_RECORD_DEFAULTS = tuple(f.default for f in fields(Record)[5:])
if MISSING in _RECORD_DEFAULTS:
    raise TypeError("every Record field after the first five needs a plain default")
# re.split of the header regex gives, per header: date, time, author, odd line, body.
_STRIDE = 5


def parse_export_text(
    source: str | ExportText,
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

    ``source`` is the text, or an :class:`ExportText` whose text the parser takes
    out, so that the text is freed as soon as it is cut into messages.
    ``names`` are file names that may reveal the chat's name (zip member, file),
    most telling first. Raises :class:`~tafiti.errors.NotAChatError` when no
    line reads as a message header.
    """
    book = book or default_phrase_book()
    if isinstance(source, ExportText):
        text, source.text = source.text, ""
    else:
        text = source
    text = _normalise_line_ends(text)

    detected = detect_format(text)
    if detected is None:
        raise NotAChatError(
            "not a WhatsApp chat export: no line starts with a message header "
            "such as '12/07/2017, 22:35 - Name: text' or '[01/03/2023, 08:00:12] Name: text'",
            filename=filename,
        )
    shape, _ = detected

    with _gc_paused():
        marks = tuple(mark for mark in MARKS if mark in text)
        parts = _split_at_headers(text, header_regex(shape))
        days, clocks, valid_dates = _read_dates_and_times(
            parts, shape, default_date_order, default_source
        )
        builder = _RecordBuilder(book, max_message_chars, filename, marks)
        parts = builder.fold_unreadable_headers(parts, days, clocks, shape, text)
        del text
        builder.build(parts, days, clocks)
    records = builder.records
    if not records:
        raise NotAChatError(
            f"not a WhatsApp chat export: no line is a readable message header "
            f"(format {shape.describe()})",
            filename=filename,
        )

    # Decided again with the line numbers now known, for the reason text.
    decision = decide_date_order(
        [DateSeen(day, builder.first_line_of) for day in valid_dates],
        shape.year_first,
        default_date_order,
        default_source,
    )
    for record in builder.events:
        describe_event(record, book, builder.authors)

    return ParsedExport(
        filename=filename,
        format=shape.id,
        date_order=decision.order,  # type: ignore[arg-type]
        date_order_reason=decision.reason,
        records=records,
        warnings=sorted(builder.warnings, key=lambda w: w.line),
        chat_name=_chat_name(builder.group_authors, names, book),
        media_files=media_files,
        format_description=shape.describe(decision.order),
    )


def _split_at_headers(text: str, regex: re.Pattern[str]) -> list[str | None]:
    """Cut the text at every header: the preamble, then per header its groups and body.

    The regex finds headers after a line end, which the first line lacks, so
    the first line is matched on its own instead of copying the whole text
    behind a "\n". The preamble keeps a leading "\n" either way, so that its
    line ends count the lines before the first header.
    """
    parts: list[str | None] = regex.split(text)
    first_line = _first_line(text)
    found = regex.match("\n" + first_line)
    preamble = parts[0] or ""
    if found is None:
        parts[0] = "\n" + preamble
    else:
        parts[0:1] = ["", *found.groups(), preamble[found.end() - 1 :]]
    return parts


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building a million small objects.

    The records hold no reference cycles, and collections triggered by every
    few hundred allocations would otherwise take most of the parse time.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        # Without this, the first collections after re-enabling would walk every
        # new record through the young generations. freeze() then unfreeze()
        # moves all tracked objects straight to the oldest generation; skip it
        # when the caller has frozen objects of its own.
        if gc.get_freeze_count() == 0:
            gc.freeze()
            gc.unfreeze()
        if enabled:
            gc.enable()


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


def _read_dates_and_times(
    parts: list[str | None], shape: HeaderFormat, default_order: str, default_source: str
) -> tuple[dict[str | None, date | None], dict[str | None, time | None], list[str]]:
    """Parse each distinct header date and time once, under the date order they decide.

    Returns the date of each date text, the time of each time text, and the
    distinct date texts that are valid in some order. Invalid dates and times,
    and dates that do not exist in the decided order, map to ``None``, so that
    their headers are folded into the message above.
    """
    distinct_dates = [d for d in dict.fromkeys(parts[1::_STRIDE]) if d is not None]
    numbers = {d: split_date(d) for d in distinct_dates}
    valid = [d for d in distinct_dates if plausible(numbers[d], shape.year_first)]
    decision = decide_date_order(
        [DateSeen(d) for d in valid], shape.year_first, default_order, default_source
    )
    days: dict[str | None, date | None] = dict.fromkeys(distinct_dates)
    for d in valid:
        days[d] = to_date(numbers[d], decision.order)
    days[None] = None

    clocks: dict[str | None, time | None] = {
        t: parse_time(t) for t in dict.fromkeys(parts[2::_STRIDE]) if t is not None
    }
    clocks[None] = None
    return days, clocks, valid


class _RecordBuilder:
    """Turns the pieces cut by the header regex into records."""

    def __init__(
        self, book: PhraseBook, max_message_chars: int, filename: str, marks: tuple[str, ...]
    ):
        self.book = book
        self.marks = marks
        """The direction marks found anywhere in the text (iOS exports have them)."""
        self.max_message_chars = max_message_chars
        self.filename = filename
        self.records: list[Record] = []
        self.warnings: list[ParseWarning] = []
        self.group_authors: Counter[str] = Counter()
        self.events: list[Record] = []
        self._event_indexes: set[int] = set()
        self._dates: list[str | None] = []
        self._lines: list[int] = []
        self.authors: frozenset[str] = frozenset()

    def fold_unreadable_headers(
        self,
        parts: list[str | None],
        days: dict[str | None, date | None],
        clocks: dict[str | None, time | None],
        shape: HeaderFormat,
        text: str,
    ) -> list[str | None]:
        """Join each header that cannot be read to the body above it, with a warning.

        Returns ``parts`` itself when every header is readable, the common case.
        """
        preamble = parts[0] or ""
        if preamble.strip():
            self.warnings.append(
                ParseWarning(
                    1,
                    f"{preamble.count(chr(10))} line(s) before the first message header are "
                    f"not part of any message and were not read: {preamble.strip()[:80]!r}",
                )
            )
        unreadable = (
            any(v is None for k, v in days.items() if k is not None)
            or any(v is None for k, v in clocks.items() if k is not None)
            or parts[4::_STRIDE].count(None) != len(parts) // _STRIDE
        )
        if not unreadable:
            return parts

        source_lines: list[str] | None = None
        folded: list[str | None] = [parts[0]]
        line = _first_header_line(preamble)
        for index in range(1, len(parts), _STRIDE):
            date_text, time_text, author, odd, body = parts[index : index + _STRIDE]
            assert body is not None
            header_line = line
            line += 1 + body.count("\n")

            if odd is not None:
                reason = (
                    f"line starts like a message header but not in this file's format "
                    f"({shape.describe()})"
                )
                raw = odd
            elif days[date_text] is None or clocks[time_text] is None:
                field = "date" if days[date_text] is None else "time"
                value = date_text if field == "date" else time_text
                reason = f"invalid {field} {value!r} in a message header"
                if source_lines is None:
                    source_lines = ("\n" + text).split("\n")
                raw = _raw_line(source_lines, header_line, author, body)
            else:
                folded.extend((date_text, time_text, author, None, body))
                continue

            # Before the first readable header, the line joins the preamble, which is not read.
            if len(folded) == 1:
                outcome = "not part of any message and not read"
            else:
                outcome = "kept as part of the message above"
            self.warnings.append(ParseWarning(header_line, f"{reason}; {outcome}"))
            rest = body if odd is not None else body[len(_first_line(body)) :]
            folded[-1] = (folded[-1] or "") + "\n" + raw + rest
        return folded

    def build(
        self,
        parts: list[str | None],
        days: dict[str | None, date | None],
        clocks: dict[str | None, time | None],
    ) -> None:
        """Make one record per header, column by column.

        Line numbers, timestamps and the cheap "could this be a phrase?" test
        run as ``map`` over whole columns, in C. Python looks at a body only
        when it passes that test, spans several lines, carries direction marks
        or has no author: a few percent of a typical export.
        """
        dates = parts[1::_STRIDE]
        times = parts[2::_STRIDE]
        authors = parts[3::_STRIDE]
        bodies: list[str] = parts[5::_STRIDE]  # type: ignore[assignment]
        if not bodies:
            return
        bodies[-1] = _without_trailing_blank_lines(bodies[-1])
        first_line = _first_header_line(parts[0] or "")
        if _columns is not None:
            stamps, authors, lines, candidates, distinct_authors, longest, longest_index = (
                _columns.columns(
                    dates,
                    times,
                    authors,
                    bodies,
                    days,
                    clocks,
                    first_line,
                    self.book.authored.head_texts,
                    self.book.authored.tail_texts,
                    "".join(self.marks),
                )
            )
            if self.book.authored.unanchored:
                candidates = range(len(bodies))
            else:
                candidates = self._add_suspects(candidates, authors, distinct_authors)
        else:
            # One string object per distinct author instead of one per message.
            distinct_authors = {author: author for author in dict.fromkeys(authors)}
            authors = list(map(distinct_authors.__getitem__, authors))
            newlines = list(map(str.count, bodies, repeat("\n")))
            lines = list(accumulate(map(add, newlines, repeat(1)), initial=first_line))
            lines.pop()
            longest = max(map(len, bodies))
            longest_index = list(map(len, bodies)).index(longest)
            stamps = list(
                map(
                    datetime.combine,
                    map(days.__getitem__, dates),
                    map(clocks.__getitem__, times),
                )
            )
            candidates = self._candidates(authors, bodies, newlines, distinct_authors)
        self._check_length(longest, lines[longest_index])
        self._dates, self._lines = dates, lines

        kinds = ["message"] * len(bodies)
        attachments: dict[int, str] = {}
        for index in candidates:
            self._classify(index, authors, bodies, kinds, attachments)
        if self.group_authors:
            # Lines by the group's name (iOS) are events even without a direction mark.
            for index in compress(
                range(len(authors)), map(self.group_authors.__contains__, authors)
            ):
                if kinds[index] == "message" and self.book.events.match(_first_line(bodies[index])):
                    self._to_event(index, authors, bodies, kinds)

        if _columns is not None:
            records = _columns.records(
                Record, _RECORD_NAMES, (stamps, authors, bodies, kinds, lines), _RECORD_DEFAULTS
            )
        else:
            records = list(map(Record, stamps, authors, bodies, kinds, lines))
        for index, name in attachments.items():
            records[index].attachment = name
        self.records = records
        self.events = [records[index] for index in sorted(self._event_indexes)]
        # After classification: authors of lines that turned out to be system lines
        # are not participants.
        self.authors = frozenset(authors) - {None}  # type: ignore[operator]

    def first_line_of(self, date_text: str) -> int:
        """Return the line of the first header with this date, scanning the headers."""
        return self._lines[self._dates.index(date_text)]

    def _check_length(self, longest: int, line: int) -> None:
        if longest > self.max_message_chars:
            raise ExportTooLargeError(
                f"a message has {longest:,} characters, more than the limit of "
                f"{self.max_message_chars:,} (setting TAFITI_MAX_MESSAGE_CHARS)",
                filename=self.filename,
                line=line,
            )

    def _candidates(
        self,
        authors: list[str | None],
        bodies: list[str],
        newlines: list[int],
        distinct_authors: Iterable[str | None],
    ) -> list[int]:
        """Indexes of the records that may be anything but a plain message."""
        matcher = self.book.authored
        if matcher.unanchored:
            return list(range(len(bodies)))
        flags = [
            map(matcher.heads.__contains__, map(itemgetter(slice(0, ANCHOR_CHARS)), bodies)),
            map(matcher.tails.__contains__, map(itemgetter(slice(-ANCHOR_CHARS, None)), bodies)),
            map(_NO_AUTHOR.__contains__, authors),
            newlines,
        ]
        if matcher.short_heads:
            flags.append(map(str.startswith, bodies, repeat(matcher.short_heads)))
        if matcher.short_tails:
            flags.append(map(str.endswith, bodies, repeat(matcher.short_tails)))
        for mark in self.marks:
            flags.append(map(str.__contains__, bodies, repeat(mark)))
        suspects = _suspect_authors(distinct_authors)
        if suspects:
            flags.append(map(suspects.__contains__, authors))
        indexes = range(len(bodies))
        found: set[int] = set()
        for flag in flags:
            found.update(compress(indexes, flag))
        return sorted(found)

    @staticmethod
    def _add_suspects(
        candidates: list[int], authors: list[str | None], distinct_authors: Iterable[str | None]
    ) -> list[int]:
        """Add the records whose author may be the start of a system line."""
        suspects = _suspect_authors(distinct_authors)
        if not suspects:
            return candidates
        found = set(candidates)
        found.update(compress(range(len(authors)), map(suspects.__contains__, authors)))
        return sorted(found)

    def _classify(
        self,
        index: int,
        authors: list[str | None],
        bodies: list[str],
        kinds: list[str],
        attachments: dict[int, str],
    ) -> None:
        body = bodies[index]
        marked = False
        if "\u200e" in body or "\u200f" in body:
            marked = body[0] in MARKS
            body = bodies[index] = _LINE_MARKS.sub("\n", body.lstrip(MARKS))

        author = authors[index]
        if author is None:
            kinds[index] = "event"
            self._event_indexes.add(index)
            return
        if len(author) > _SUSPECT_AUTHOR_CHARS and self._is_system_line(author, body):
            authors[index] = None
            bodies[index] = f"{author}: {body}"
            kinds[index] = "event"
            self._event_indexes.add(index)
            return

        first = _first_line(body)
        hit = self.book.authored.match(first)
        if hit is not None:
            phrase, found = hit
            if phrase.kind in ("media", "attachment"):
                kinds[index] = "media"
                if found is not None and "file" in found.re.groupindex:
                    attachments[index] = found["file"]
                return
            if phrase.kind == "event":
                self._to_event(index, authors, bodies, kinds)
                return
            if first is body or first == body:
                kinds[index] = "deleted"
                return
        if marked and self.book.events.match(first) is not None:
            self._to_event(index, authors, bodies, kinds)

    def _to_event(
        self, index: int, authors: list[str | None], bodies: list[str], kinds: list[str]
    ) -> None:
        # iOS writes system lines with the group's name as the author. When the
        # line starts with the author's name, the author is the person concerned.
        author = authors[index]
        assert author is not None
        if not bodies[index].startswith(author):
            self.group_authors[author] += 1
        authors[index] = None
        kinds[index] = "event"
        self._event_indexes.add(index)

    def _is_system_line(self, author: str, body: str) -> bool:
        if not any(quote in author for quote in _QUOTE_CHARS):
            return False
        first_line = f"{author}: {body}".partition("\n")[0]
        return self.book.events.match(first_line) is not None


def _without_trailing_blank_lines(body: str) -> str:
    """Return the export's last body without the line ends and mark-only lines after it."""
    body = body.rstrip("\n")
    while True:
        head, newline, line = body.rpartition("\n")
        if not (newline and line and not line.strip(MARKS)):
            return body
        body = head.rstrip("\n")


def _suspect_authors(distinct_authors: Iterable[str | None]) -> set[str]:
    """Return the authors long and quoted enough to be the start of a system line."""
    return {
        a
        for a in distinct_authors
        if a is not None and len(a) > _SUSPECT_AUTHOR_CHARS and any(q in a for q in _QUOTE_CHARS)
    }


def _first_line(text: str) -> str:
    # Unlike str.partition, this copies nothing after the first line.
    end = text.find("\n")
    return text if end < 0 else text[:end]


def _first_header_line(preamble: str) -> int:
    """Line number of the first header, given the text before it (which starts with "\\n")."""
    return preamble.count("\n") + 1 if preamble else 1


def _raw_line(lines: list[str], line: int, author: str | None, body: str) -> str:
    return lines[line] if line < len(lines) else f"{author}: {body.partition(chr(10))[0]}"


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
