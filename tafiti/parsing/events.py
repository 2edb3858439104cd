"""Read the details of a system line: its event type, who did it, whom it concerns."""

from __future__ import annotations

import re
from functools import cache

from tafiti.parsing.phrases import PhraseBook
from tafiti.parsing.records import Record

YOU = "You"


def describe_event(record: Record, book: PhraseBook, authors: frozenset[str]) -> None:
    """Fill ``event``, ``actor``, ``people``, ``old_name`` and ``new_name`` of an event record.

    ``authors`` are the file's message authors: a listed name that contains a
    comma or a conjunction ("Esther Njeri, dukas") is kept whole when it is one of them.
    """
    first_line = record.text.partition("\n")[0]
    hit = book.events.match(first_line)
    if hit is None:
        record.event = "other"
        return
    phrase, found = hit
    record.event = phrase.event

    fields: dict[str, str] = dict(phrase.fixed)
    if found is not None:
        fields.update({k: v for k, v in found.groupdict().items() if v is not None})

    actor = fields.get("actor")
    if actor is not None:
        record.actor = _you(actor.strip(), book)
    people = fields.get("people")
    if people is not None:
        conjunctions = book.conjunctions.get(phrase.language, ())
        record.people = tuple(_you(p, book) for p in split_names(people, conjunctions, authors))

    if phrase.event == "created":
        record.new_name = fields.get("name")
    else:
        record.old_name = fields.get("old")
        record.new_name = fields.get("new") if phrase.event == "subject_changed" else None
    if phrase.event == "number_changed":
        record.people = record.people or ((record.actor,) if record.actor else ())


def _you(name: str, book: PhraseBook) -> str:
    return YOU if name in book.you_words else name


def split_names(text: str, conjunctions: tuple[str, ...], known: frozenset[str]) -> list[str]:
    """Split ``"A, B and C"`` into names, keeping known names that contain a separator whole."""
    separator = _separator(conjunctions)
    guarded = [name for name in known if separator.search(name)]
    if not guarded:
        return [n for n in (part.strip() for part in separator.split(text)) if n]

    # Replace each known name containing a separator with a token, longest first
    # so that "A, B" wins over "A", then split and put the names back.
    tokens: dict[str, str] = {}
    for index, name in enumerate(sorted(guarded, key=len, reverse=True)):
        if name in text:
            token = f"\x00{index}\x00"
            tokens[token] = name
            text = text.replace(name, token)
    names = [n for n in (part.strip() for part in separator.split(text)) if n]
    restored = []
    for name in names:
        for token, original in tokens.items():
            name = name.replace(token, original)
        restored.append(name)
    return restored


@cache
def _separator(conjunctions: tuple[str, ...]) -> re.Pattern[str]:
    words = "|".join(re.escape(word) for word in conjunctions)
    if not words:
        return re.compile(r",\s+")
    return re.compile(rf",\s+(?:(?:{words})\s+)?|\s+(?:{words})\s+")
