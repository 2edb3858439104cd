"""Plain data passed from the parser to the store."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

RecordKind = Literal["message", "media", "deleted", "event"]
DateOrder = Literal["DMY", "MDY", "YMD"]


@dataclass(slots=True)
class Record:
    """One message or system line of an export, in export order.

    ``timestamp`` is the wall-clock time written in the export (naive, no zone).
    ``author`` is ``None`` for system lines. ``text`` is the body exactly as
    exported, continuation lines joined with ``\\n``. ``event`` is the event type
    for ``kind == "event"`` (``"other"`` when no phrase matched). ``people`` are
    the participants an event concerns ("X added A and B" gives ``("A", "B")``),
    ``actor`` the one who did it, and ``old_name``/``new_name`` are set on
    subject changes and group creation.

    The parser's C module makes records by setting these slots as the generated
    ``__init__`` does, so every field needs a plain default after the first five,
    and the class no ``__post_init__``.
    """

    timestamp: datetime
    author: str | None
    text: str
    kind: RecordKind
    line: int
    event: str | None = None
    attachment: str | None = None
    actor: str | None = None
    people: tuple[str, ...] = ()
    old_name: str | None = None
    new_name: str | None = None


@dataclass(slots=True)
class ParseWarning:
    """A line that looked like a header but could not be read."""

    line: int
    message: str


@dataclass(slots=True)
class ParsedExport:
    """The result of parsing one export file."""

    filename: str
    format: str
    date_order: DateOrder
    date_order_reason: str
    records: list[Record]
    warnings: list[ParseWarning] = field(default_factory=list)
    chat_name: str | None = None
    media_files: tuple[str, ...] = ()
    format_description: str = ""
    """The header layout in words, such as ``dd/mm/yyyy, HH:MM - author: text``."""
    encoding: str = "utf-8"
    container: str = "text"
    """``"text"`` for a .txt export, ``"zip"`` for a zip export."""
