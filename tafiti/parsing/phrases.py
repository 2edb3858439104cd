"""WhatsApp's system phrases, media markers and deleted-message notices, read from CSV tables.

Each ``phrases/<language>.csv`` row has the columns ``language``, ``kind``,
``event``, ``pattern`` and ``source`` (where the wording was found, or
``unconfirmed``). ``kind`` is one of:

- ``event``: a system line; ``event`` holds its type (``added``, ``left``…).
- ``media``: a placeholder for media left out of the export (``<Media omitted>``).
- ``attachment``: a line naming an attached file (``{file} (file attached)``).
- ``deleted``: a deleted-message notice.
- ``you``: the word the export uses for the exporting member (``You``).
- ``and``: the word joining the last two names of a list (``and``).
- ``filename``: the export's file name, revealing the chat's name.

A pattern is literal text with placeholders: ``{actor}`` (who did it),
``{people}`` (one name or a list such as ``A, B and C``), ``{old}``, ``{new}``
and ``{name}`` (group names), ``{file}`` (an attached file) and ``{any}`` (text
that is ignored). ``{actor=You}`` or ``{people=You}`` set a value that the
wording implies without writing it ("You were added"). A straight double quote
matches any quotation mark WhatsApp uses (" “ ” „ « »), a straight apostrophe
also matches ’, and a final full stop is optional.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

KINDS = ("event", "media", "attachment", "deleted", "you", "and", "filename")
EVENT_TYPES = (
    "created",
    "added",
    "joined",
    "left",
    "removed",
    "subject_changed",
    "icon_changed",
    "description_changed",
    "encryption_notice",
    "security_code_changed",
    "number_changed",
    "admin_changed",
    "settings_changed",
    "other",
)
FIELDS = ("actor", "people", "old", "new", "name", "file")

# How many characters of a text's start and end the quick rejection compares.
ANCHOR_CHARS = 6

_QUOTES = '"“”„«»'
_APOSTROPHES = "'’"
_PLACEHOLDER = re.compile(r"\{(\w+)(?:=([^}]*))?\}")


class PhraseTableError(ValueError):
    """A phrase table row is malformed."""


@dataclass(slots=True, eq=False)
class Phrase:
    """One row of a phrase table, compiled."""

    language: str
    kind: str
    event: str | None
    pattern: str
    source: str
    regex: re.Pattern[str] | None = None
    fixed: dict[str, str] = field(default_factory=dict)
    literal_chars: int = 0
    prefixes: tuple[str, ...] = ()
    suffixes: tuple[str, ...] = ()

    @property
    def is_exact(self) -> bool:
        return self.regex is None


def compile_pattern(pattern: str) -> tuple[re.Pattern[str] | None, dict[str, str], int]:
    """Compile a table pattern to a full-match regex.

    Returns ``(None, fixed, length)`` for a pattern without placeholders, quotes
    or final full stop, which is matched by plain string comparison.
    """
    fixed: dict[str, str] = {}
    parts: list[str] = []
    literal_chars = 0
    position = 0
    seen: set[str] = set()
    for placeholder in _PLACEHOLDER.finditer(pattern):
        literal = pattern[position : placeholder.start()]
        parts.append(_literal_regex(literal))
        literal_chars += len(literal)
        name, value = placeholder.group(1), placeholder.group(2)
        if name != "any" and name not in FIELDS:
            raise PhraseTableError(f"unknown placeholder {{{name}}} in pattern {pattern!r}")
        if value is not None:
            fixed[name] = value
        elif name == "any":
            parts.append(".*?")
        else:
            if name in seen:
                raise PhraseTableError(f"placeholder {{{name}}} twice in pattern {pattern!r}")
            seen.add(name)
            parts.append(
                f"(?P<{name}>.+?)" if name in ("actor", "people", "file") else f"(?P<{name}>.*?)"
            )
        position = placeholder.end()
    tail = pattern[position:]
    literal_chars += len(tail)

    optional_stop = tail.endswith(".")
    if optional_stop:
        tail = tail[:-1]
    parts.append(_literal_regex(tail))
    if optional_stop:
        parts.append(r"\.?")

    if not seen and "any" not in pattern and not optional_stop and not _has_variants(pattern):
        return None, fixed, literal_chars
    return re.compile("".join(parts)), fixed, literal_chars


def _has_variants(text: str) -> bool:
    return any(c in _QUOTES or c in _APOSTROPHES for c in text)


def _literal_regex(literal: str) -> str:
    out = []
    for char in literal:
        if char in _QUOTES:
            out.append(f"[{_QUOTES}]")
        elif char in _APOSTROPHES:
            out.append(f"[{_APOSTROPHES}]")
        else:
            out.append(re.escape(char))
    return "".join(out)


def _variants(literal: str) -> tuple[str, ...]:
    """All spellings of a literal under the quote and apostrophe equivalences."""
    spellings = [""]
    for char in literal:
        if char in _QUOTES:
            choices = _QUOTES
        elif char in _APOSTROPHES:
            choices = _APOSTROPHES
        else:
            choices = char
        spellings = [s + c for s in spellings for c in choices]
        if len(spellings) > 64:
            return ()
    return tuple(spellings)


def without_fixed(pattern: str) -> str:
    """The pattern with its ``{field=value}`` placeholders removed: they match no text."""
    return _PLACEHOLDER.sub(lambda m: "" if m.group(2) is not None else m.group(0), pattern)


def _literal_spellings(pattern: str) -> tuple[str, ...]:
    """Every text a pattern without placeholders matches, or ``()`` when it has placeholders.

    Such patterns vary only in quotation marks, apostrophes and a final full
    stop, so they are matched by dictionary lookup.
    """
    literal = without_fixed(pattern)
    if _PLACEHOLDER.search(literal):
        return ()
    if literal.endswith("."):
        return _variants(literal[:-1]) + _variants(literal)
    return _variants(literal) or ()


def _anchors(pattern: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Literal text every match starts with, and ends with (both may be empty)."""
    pattern = without_fixed(pattern)
    pieces = _PLACEHOLDER.split(pattern)
    # split() with two groups yields literal, name, value, literal, name, value, ..., literal
    first, last = pieces[0], pieces[-1]
    has_placeholder = len(pieces) > 1
    optional_stop = last.endswith(".")
    if optional_stop:
        last = last[:-1]
    if not has_placeholder:
        first = last
    prefixes = _variants(first) if first else ()
    suffixes = _variants(last) if last else ()
    if optional_stop:
        suffixes += _variants(last + ".")
    return prefixes, suffixes


def load_rows(lines: Iterable[str], origin: str) -> list[Phrase]:
    """Read phrase rows from CSV lines; ``origin`` names the table in error messages."""
    phrases = []
    reader = csv.DictReader(lines)
    missing = {"language", "kind", "event", "pattern", "source"} - set(reader.fieldnames or ())
    if missing:
        raise PhraseTableError(f"{origin}: missing columns {sorted(missing)}")
    for row in reader:
        where = f"{origin}, line {reader.line_num}"
        kind = (row["kind"] or "").strip()
        event = (row["event"] or "").strip() or None
        pattern = row["pattern"] or ""
        if kind not in KINDS:
            raise PhraseTableError(f"{where}: unknown kind {kind!r}; expected one of {KINDS}")
        if kind == "event" and event not in EVENT_TYPES:
            raise PhraseTableError(f"{where}: unknown event type {event!r}")
        if not pattern.strip():
            raise PhraseTableError(f"{where}: empty pattern")
        if not (row["source"] or "").strip():
            raise PhraseTableError(f"{where}: empty source (write 'unconfirmed' if unknown)")
        try:
            regex, fixed, literal_chars = compile_pattern(pattern)
        except (PhraseTableError, re.error) as error:
            raise PhraseTableError(f"{where}: {error}") from None
        prefixes, suffixes = _anchors(pattern)
        phrases.append(
            Phrase(
                language=row["language"].strip(),
                kind=kind,
                event=event,
                pattern=pattern,
                source=row["source"].strip(),
                regex=regex,
                fixed=fixed,
                literal_chars=literal_chars,
                prefixes=prefixes,
                suffixes=suffixes,
            )
        )
    return phrases


@cache
def builtin_phrases() -> tuple[Phrase, ...]:
    """Every row of the phrase tables shipped in ``tafiti/parsing/phrases/``."""
    folder = resources.files("tafiti.parsing").joinpath("phrases")
    phrases: list[Phrase] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".csv"):
            with entry.open(encoding="utf-8", newline="") as handle:
                phrases.extend(load_rows(handle, f"phrases/{entry.name}"))
    return tuple(phrases)


class PhraseMatcher:
    """Finds the phrase a text is, among a set of phrases, with cheap rejection first.

    Exact phrases are a dictionary lookup. A text is tried against patterns only
    when it starts with one of their literal beginnings or ends with one of their
    literal endings. :meth:`may_match` rejects most ordinary messages with set
    lookups of their first and last three characters.
    """

    def __init__(self, phrases: Iterable[Phrase]):
        self.exact: dict[str, Phrase] = {}
        patterns: list[Phrase] = []
        for phrase in phrases:
            spellings = _literal_spellings(phrase.pattern)
            if spellings:
                for spelling in spellings:
                    self.exact.setdefault(spelling, phrase)
            else:
                patterns.append(phrase)
        # The most specific wording wins: more literal text, then table order.
        self.patterns = sorted(patterns, key=lambda p: -p.literal_chars)
        self.prefixes = tuple({s for p in self.patterns for s in p.prefixes})
        self.suffixes = tuple({s for p in self.patterns for s in p.suffixes})
        self.unanchored = any(not p.prefixes and not p.suffixes for p in self.patterns)

        starts = [*self.exact, *self.prefixes]
        ends = [*self.exact, *self.suffixes]
        size = ANCHOR_CHARS
        self.heads = frozenset(s[:size] for s in starts if len(s) >= size)
        """The first ``ANCHOR_CHARS`` characters of every literal beginning."""
        self.short_heads = tuple(s for s in starts if 0 < len(s) < size)
        self.tails = frozenset(s[-size:] for s in ends if len(s) >= size)
        """The last ``ANCHOR_CHARS`` characters of every literal ending."""
        self.short_tails = tuple(s for s in ends if 0 < len(s) < size)
        self.head_texts = (*sorted(self.heads), *sorted(self.short_heads))
        """Every text a line that may match starts with: the heads and the short heads."""
        self.tail_texts = (*sorted(self.tails), *sorted(self.short_tails))
        """Every text a line that may match ends with: the tails and the short tails."""

    def may_match(self, text: str) -> bool:
        """False when ``text`` certainly matches no phrase; cheap enough for every message."""
        size = ANCHOR_CHARS
        return (
            self.unanchored
            or text[:size] in self.heads
            or text[-size:] in self.tails
            or text.startswith(self.short_heads)
            or text.endswith(self.short_tails)
        )

    def match(self, text: str) -> tuple[Phrase, re.Match[str] | None] | None:
        phrase = self.exact.get(text)
        if phrase is not None:
            return phrase, None
        if not self.patterns:
            return None
        if not (self.unanchored or text.startswith(self.prefixes) or text.endswith(self.suffixes)):
            return None
        for phrase in self.patterns:
            if phrase.prefixes and not text.startswith(phrase.prefixes):
                continue
            if phrase.suffixes and not text.endswith(phrase.suffixes):
                continue
            assert phrase.regex is not None
            found = phrase.regex.fullmatch(text)
            if found is not None:
                return phrase, found
        return None


@dataclass(slots=True)
class PhraseBook:
    """The phrase tables sorted into the matchers the parser uses."""

    events: PhraseMatcher
    authored: PhraseMatcher
    """Media markers, deleted notices and the events recognised whoever the author is."""
    media: PhraseMatcher
    you_words: frozenset[str]
    conjunctions: dict[str, tuple[str, ...]]
    filenames: PhraseMatcher


# Event types recognised in a message body whoever its author is: iOS writes
# these with the group's name as the author, without a direction mark in older exports.
ANY_AUTHOR_EVENTS = frozenset({"encryption_notice", "created"})


def build_phrase_book(phrases: Iterable[Phrase]) -> PhraseBook:
    """Sort phrase rows into the matchers used by the parser."""
    rows = list(phrases)
    events = [p for p in rows if p.kind == "event"]
    conjunctions: dict[str, list[str]] = {}
    for p in rows:
        if p.kind == "and":
            conjunctions.setdefault(p.language, []).append(p.pattern)
    return PhraseBook(
        events=PhraseMatcher(events),
        authored=PhraseMatcher(
            p
            for p in rows
            if p.kind in ("media", "attachment", "deleted") or p.event in ANY_AUTHOR_EVENTS
        ),
        media=PhraseMatcher(p for p in rows if p.kind in ("media", "attachment")),
        you_words=frozenset(p.pattern for p in rows if p.kind == "you"),
        conjunctions={k: tuple(v) for k, v in conjunctions.items()},
        filenames=PhraseMatcher(p for p in rows if p.kind == "filename"),
    )


@cache
def default_phrase_book() -> PhraseBook:
    """The phrase book built from the shipped tables, built once per process."""
    return build_phrase_book(builtin_phrases())
