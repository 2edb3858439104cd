"""Message identity: what makes two records of two exports the same message.

A record's identity is a 16-byte BLAKE2b hash of

- the local wall-clock time cut to the minute (iOS exports carry seconds,
  Android ones do not, so seconds cannot take part),
- the author after alias resolution (``None`` for system lines),
- the text with every media marker folded to one token (a phone that exported
  "with media" writes ``IMG-2024….jpg (file attached)`` where another writes
  ``<Media omitted>``), and every deletion notice folded to another token,
- the record's occurrence number among records with the same three values in
  the same export, so two identical "ok"s in one minute stay two messages
  while a re-export of the same history maps onto the same identities.

Messages and events hash in separate domains and live in separate tables.

Deleted between two exports. The deletion notice ("This message was deleted")
of a message has a different identity from the message it replaced, because
its text differs, so the import links the two (``tafiti.store.importer``). A
new notice is paired with a stored message of the same author in the same
minute that is not deleted yet and that the notice's own export lacks. That
message is marked deleted and keeps its text. A new message is paired the same
way with a stored notice that has no message yet. The stored row then matches
both identities (``Message.identity`` and ``Message.deletion_identity``).

NOTE: the pairing can go wrong in these cases. A notice whose minute also
contains other messages of that author missing from its export (a phone whose
history starts in that minute) may mark the wrong message deleted. A message
that was edited ("<This message was edited>") between two exports is stored
twice, because edits are not paired. Aliases added to the group metadata
after a group was synced change the identities of later imports only: the
messages already stored under the old author name are not re-keyed, so a
re-export adds them once more under the canonical name.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tafiti.parsing import media_folded_text
from tafiti.parsing.records import Record

try:
    from tafiti.store import _identities
except ImportError:  # built by setup.py; without a C compiler the Python loop runs
    _identities = None

# Change this when the hashed content changes, so old and new identities never mix.
IDENTITY_VERSION = b"tafiti-identity-1"
DELETED_TOKEN = "\x00deleted"
# The BLAKE2b personalisation of every identity hash.
HASH_PERSON = b"tafiti"


@dataclass(frozen=True, slots=True)
class IdentityKey:
    """The content of a record that takes part in its identity, before the occurrence number."""

    is_event: bool
    minute: datetime
    author: str | None
    text: str


def canonical_author(author: str | None, aliases: Mapping[str, str]) -> str | None:
    """Return the name ``aliases`` maps ``author`` to, or ``author`` itself."""
    if author is None:
        return None
    return aliases.get(author, author)


def identity_key(record: Record, aliases: Mapping[str, str] | None = None) -> IdentityKey:
    """Build the identity-relevant content of ``record``.

    Raises ValueError for an aware timestamp: identities are defined on the
    wall-clock time as exported, which the parser gives as a naive datetime.
    """
    _check_naive(record.timestamp)
    aliases = aliases or {}
    is_event = record.kind == "event"
    if is_event:
        text = record.text
    elif record.kind == "deleted":
        text = DELETED_TOKEN
    else:
        text = media_folded_text(record)
    return IdentityKey(
        is_event=is_event,
        minute=record.timestamp.replace(second=0, microsecond=0),
        author=None if is_event else canonical_author(record.author, aliases),
        text=text,
    )


def minute_span(records: Sequence[Record]) -> tuple[datetime, datetime]:
    """Return the first minute of ``records`` and the minute after their last (not empty).

    An identity contains its record's minute, so a stored row can share an
    identity with one of these records only if its time falls in this span.
    """
    times = [record.timestamp for record in records]
    start = min(times).replace(second=0, microsecond=0)
    end = max(times).replace(second=0, microsecond=0) + timedelta(minutes=1)
    return start, end


def hash_identity(key: IdentityKey, occurrence: int) -> bytes:
    """Hash ``key`` and its occurrence number to the 16-byte identity stored in the database."""
    payload = _fields(
        IDENTITY_VERSION,
        b"event" if key.is_event else b"message",
        key.minute.isoformat(timespec="minutes").encode(),
        b"\x00" if key.author is None else b"a" + key.author.encode("utf-8"),
        key.text.encode("utf-8", "surrogatepass"),
        str(occurrence).encode(),
    )
    return hashlib.blake2b(payload, digest_size=16, person=HASH_PERSON).digest()


def record_identities(
    records: Iterable[Record], aliases: Mapping[str, str] | None = None
) -> list[bytes]:
    """Compute the identity of each record of one export, in the order given.

    The result equals :func:`hash_identity` of :func:`identity_key` for each
    record. An import hashes every record of the export, so the loop runs in
    the C module ``tafiti.store._identities`` when it was built, and in
    :func:`_identities_in_python` otherwise.
    """
    if _identities is None:
        return _identities_in_python(records, aliases)
    return _identities.identities(
        list(records),
        dict(aliases or {}),
        _fields(IDENTITY_VERSION, b"message"),
        _fields(IDENTITY_VERSION, b"event"),
        HASH_PERSON,
        DELETED_TOKEN,
        media_folded_text,
        _minute_field,
    )


def _check_naive(timestamp: datetime) -> None:
    if timestamp.tzinfo is not None:
        raise ValueError("a record's timestamp must be naive (the wall-clock time as exported)")


def _minute_field(timestamp: datetime) -> bytes:
    _check_naive(timestamp)
    return _fields(
        timestamp.replace(second=0, microsecond=0).isoformat(timespec="minutes").encode()
    )


def _identities_in_python(
    records: Iterable[Record], aliases: Mapping[str, str] | None = None
) -> list[bytes]:
    """Compute what :func:`record_identities` returns, with less work per record than hash_identity.

    The hash state of the fields shared by all messages (or all events) is
    copied instead of recomputed, and the encoded fields of each minute,
    author and occurrence number are built once.
    """
    aliases = aliases or {}
    prefixes = {
        is_event: _hash_state(_fields(IDENTITY_VERSION, b"event" if is_event else b"message"))
        for is_event in (False, True)
    }
    minute_fields: dict[datetime, bytes] = {}
    author_fields: dict[str | None, bytes] = {None: _fields(b"\x00")}
    occurrence_fields = [_fields(str(occurrence).encode()) for occurrence in range(16)]
    seen: dict[tuple[bool, bytes], int] = {}
    identities = []
    for record in records:
        kind = record.kind
        is_event = kind == "event"
        if is_event or kind == "message":
            # media_folded_text returns the text itself for these kinds.
            text = record.text
        elif kind == "deleted":
            text = DELETED_TOKEN
        else:
            text = media_folded_text(record)
        author = None if is_event else record.author

        author_field = author_fields.get(author)
        if author_field is None:
            canonical = aliases.get(author, author)  # type: ignore[arg-type]
            author_field = _fields(b"a" + canonical.encode("utf-8"))  # type: ignore[union-attr]
            author_fields[author] = author_field
        timestamp = record.timestamp
        minute_field = minute_fields.get(timestamp)
        if minute_field is None:
            minute_field = _minute_field(timestamp)
            minute_fields[timestamp] = minute_field
        encoded_text = text.encode("utf-8", "surrogatepass")
        # The minute, author and text fields are the identity key before the
        # occurrence number; two keys are equal exactly when these bytes are.
        body = minute_field + author_field + len(encoded_text).to_bytes(8, "big") + encoded_text

        key = (is_event, body)
        occurrence = seen.get(key, 0)
        seen[key] = occurrence + 1
        occurrence_field = (
            occurrence_fields[occurrence]
            if occurrence < len(occurrence_fields)
            else _fields(str(occurrence).encode())
        )

        state = prefixes[is_event].copy()
        state.update(body + occurrence_field)
        identities.append(state.digest())
    return identities


def _fields(*fields: bytes) -> bytes:
    # Each field is length-prefixed, so no text can imitate a field boundary.
    return b"".join(len(field).to_bytes(8, "big") + field for field in fields)


def _hash_state(data: bytes) -> Any:
    state = hashlib.blake2b(digest_size=16, person=HASH_PERSON)
    state.update(data)
    return state
