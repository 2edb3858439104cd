"""Write one parsed export into the database: only what is not stored yet, in batches.

:func:`import_export` runs inside the caller's transaction, which holds the
sync lock; it never commits, so a failure anywhere leaves nothing of the file.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Table, select, update
from sqlalchemy.exc import SQLAlchemyError

from tafiti.errors import ExportError
from tafiti.parsing.events import YOU
from tafiti.parsing.records import ParsedExport, Record
from tafiti.store.bulk import ColumnValues, insert_columns
from tafiti.store.db import is_mysql
from tafiti.store.groups import (
    apply_metadata,
    export_names,
    metadata_for_group,
    name_evidence,
    resolve_group,
    update_group_name,
)
from tafiti.store.identity import (
    canonical_author,
    identity_key,
    minute_span,
    record_identities,
)
from tafiti.store.metadata import GroupDirectory, GroupMetadata
from tafiti.store.models import ATTACHMENT_CHARS, Event, Message, Participant, fitted

log = logging.getLogger(__name__)

# Rows per insert statement (per executemany call on SQLite). Larger batches
# save round trips, and the transaction is the same whatever the size.
BATCH_SIZE = 5000

messages_table = Message.__table__
events_table = Event.__table__
participants_table = Participant.__table__

# Events whose people become participants even before they write.
MEMBERSHIP_EVENTS = frozenset({"added", "joined"})


@dataclass
class ImportResult:
    """Counts of the records one export contains and added to the database."""

    group_id: int
    group_slug: str
    group_created: bool
    records: int = 0
    messages: int = 0
    events: int = 0
    new_messages: int = 0
    new_events: int = 0
    # Stored messages marked deleted because this export has their deletion notice,
    # plus stored notices given the text this export has for them.
    deletions_linked: int = 0

    @property
    def new_records(self) -> int:
        return self.new_messages + self.new_events

    @property
    def known_records(self) -> int:
        return self.records - self.new_records


# A record not stored yet, with its identity. Plain tuples, because an export
# of a new group makes one per record.
_Pending = tuple[Record, bytes]


def import_export(
    connection: Connection,
    parsed: ParsedExport,
    *,
    export_file_id: int,
    pinned: GroupMetadata | None,
    directory: GroupDirectory,
    now: datetime,
    after_batch: Callable[[], None] | None = None,
) -> ImportResult:
    """Store the records of ``parsed`` that its group does not hold yet."""
    records = parsed.records
    _check_authors(parsed)
    entry = pinned or directory.for_group("", export_names(parsed))
    aliases = entry.aliases if entry else {}
    identities = record_identities(records, aliases)

    message_identities = [
        identity
        for record, identity in zip(records, identities, strict=True)
        if record.kind != "event"
    ]
    group = resolve_group(connection, parsed, message_identities, pinned, directory, now)
    group_entry = pinned or metadata_for_group(connection, group.id, group.slug, directory)
    group_aliases = group_entry.aliases if group_entry else {}
    if group_aliases != aliases:
        aliases = group_aliases
        identities = record_identities(records, aliases)

    result = ImportResult(group.id, group.slug, group.created, records=len(records))
    result.events = sum(1 for record in records if record.kind == "event")
    result.messages = result.records - result.events

    if group.created:
        new_messages, new_events = _split_records(records, identities, set(), set())
    else:
        new_messages, new_events = _unknown_records(connection, group.id, records, identities)
    if not group.created:
        new_messages, result.deletions_linked = _link_deletions(
            connection, group.id, new_messages, set(identities), aliases
        )

    participant_ids = _store_participants(connection, group.id, records, aliases, group_entry)
    with _foreign_key_checks_off(connection):
        _insert_messages(
            connection, group.id, export_file_id, new_messages, participant_ids, after_batch
        )
        _insert_events(connection, group.id, export_file_id, new_events, after_batch)
    result.new_messages = len(new_messages)
    result.new_events = len(new_events)

    update_group_name(connection, group.id, name_evidence(parsed, parsed.filename), now)
    apply_metadata(connection, group.id, group_entry, now)
    return result


@contextmanager
def _foreign_key_checks_off(connection: Connection) -> Iterator[None]:
    """Turn off MySQL's foreign key checks of this session for the bulk insert of new rows.

    Every key the new rows refer to was read or written in this transaction: the
    group, its participants and the export file. The checks would look each one
    up again for every row. On MariaDB 10.11 that was a tenth to a fifth of the
    server's work in a large import. SQLite does not check foreign keys unless asked.
    """
    if not is_mysql(connection):
        yield
        return
    connection.exec_driver_sql("SET SESSION foreign_key_checks = 0")
    try:
        yield
    except BaseException:
        # The pooled connection must not keep the checks off. If it cannot turn
        # them on again it is unusable, so it is dropped from the pool.
        try:
            connection.exec_driver_sql("SET SESSION foreign_key_checks = 1")
        except SQLAlchemyError:
            connection.invalidate()
        raise
    connection.exec_driver_sql("SET SESSION foreign_key_checks = 1")


def _check_authors(parsed: ParsedExport) -> None:
    for record in parsed.records:
        if record.kind != "event" and record.author is None:
            raise ExportError(
                f"a {record.kind} record has no author", filename=parsed.filename, line=record.line
            )


def _unknown_records(
    connection: Connection, group_id: int, records: Sequence[Record], identities: Sequence[bytes]
) -> tuple[list[_Pending], list[_Pending]]:
    if not records:
        return [], []
    start, end = minute_span(records)
    known_messages = _identities_between(connection, messages_table, group_id, start, end)
    # Few messages have a deletion identity, and its unique key finds them.
    known_messages.update(
        bytes(identity)
        for identity in connection.execute(
            select(messages_table.c.deletion_identity).where(
                messages_table.c.group_id == group_id,
                messages_table.c.deletion_identity.is_not(None),
            )
        ).scalars()
    )
    known_events = _identities_between(connection, events_table, group_id, start, end)

    return _split_records(records, identities, known_messages, known_events)


def _identities_between(
    connection: Connection, table: Table, group_id: int, start: datetime, end: datetime
) -> set[bytes]:
    """Return the identities of the group's rows in ``table`` from ``start`` to before ``end``."""
    return {
        bytes(identity)
        for identity in connection.execute(
            select(table.c.identity).where(
                table.c.group_id == group_id,
                table.c.timestamp >= start,
                table.c.timestamp < end,
            )
        ).scalars()
    }


def _split_records(
    records: Sequence[Record],
    identities: Sequence[bytes],
    known_messages: set[bytes],
    known_events: set[bytes],
) -> tuple[list[_Pending], list[_Pending]]:
    """Return the records whose identity is not known: messages, then events."""
    pending = list(zip(records, identities, strict=True))
    new_messages = [
        pair for pair in pending if pair[0].kind != "event" and pair[1] not in known_messages
    ]
    new_events = [
        pair for pair in pending if pair[0].kind == "event" and pair[1] not in known_events
    ]
    return new_messages, new_events


def _link_deletions(
    connection: Connection,
    group_id: int,
    new_messages: list[_Pending],
    export_identities: set[bytes],
    aliases: dict[str, str],
) -> tuple[list[_Pending], int]:
    """Pair new deletion notices and new messages with their stored counterparts.

    Returns the new messages left to insert and the number of pairs made. The
    rule and its limits are described in ``tafiti.store.identity``.
    """
    notices = [pending for pending in new_messages if pending[0].kind == "deleted"]
    texts = [pending for pending in new_messages if pending[0].kind != "deleted"]
    paired: set[int] = set()

    if notices:
        for pending, message_id in _stored_messages_for_notices(
            connection, group_id, notices, export_identities, aliases
        ):
            connection.execute(
                update(messages_table)
                .where(messages_table.c.id == message_id)
                .values(deleted=True, deletion_identity=pending[1])
            )
            paired.add(id(pending))

    if texts:
        for pending, notice_id, notice_identity in _stored_notices_for_messages(
            connection, group_id, texts, export_identities, aliases
        ):
            record, identity = pending
            connection.execute(
                update(messages_table)
                .where(messages_table.c.id == notice_id)
                .values(
                    identity=identity,
                    deletion_identity=notice_identity,
                    kind=record.kind,
                    text=record.text,
                    attachment=_fitted_attachment(record.attachment),
                    deleted=True,
                    language=_detect_languages([record.text])[0]
                    if record.kind == "message"
                    else None,
                )
            )
            paired.add(id(pending))

    remaining = [pending for pending in new_messages if id(pending) not in paired]
    return remaining, len(paired)


def _candidates_by_minute(
    connection: Connection, group_id: int, minutes: set[datetime], *, notices: bool
) -> dict[tuple[datetime, str], list[tuple[int, bytes]]]:
    """Find stored messages (or unpaired notices) in ``minutes``, by minute and canonical author."""
    base = (
        select(
            messages_table.c.id,
            messages_table.c.identity,
            messages_table.c.timestamp,
            participants_table.c.canonical_name,
        )
        .join(participants_table, participants_table.c.id == messages_table.c.participant_id)
        .where(messages_table.c.group_id == group_id)
        .order_by(messages_table.c.timestamp, messages_table.c.id)
    )
    if notices:
        # Unpaired notices are few, so one query fetches them all, because a new
        # export can hold thousands of minutes. The time range lets the query
        # read the group-time index instead of every message of the group.
        queries = [
            base.where(
                messages_table.c.kind == "deleted",
                messages_table.c.deletion_identity.is_(None),
                messages_table.c.timestamp >= min(minutes),
                messages_table.c.timestamp < max(minutes) + timedelta(minutes=1),
            )
        ]
    else:
        alive = base.where(messages_table.c.kind != "deleted", messages_table.c.deleted.is_(False))
        queries = [
            alive.where(
                messages_table.c.timestamp >= minute,
                messages_table.c.timestamp < minute + timedelta(minutes=1),
            )
            for minute in sorted(minutes)
        ]

    by_key: dict[tuple[datetime, str], list[tuple[int, bytes]]] = defaultdict(list)
    for query in queries:
        for row in connection.execute(query):
            minute = row.timestamp.replace(second=0, microsecond=0)
            if minute in minutes:
                by_key[(minute, row.canonical_name)].append((row.id, bytes(row.identity)))
    return by_key


def _stored_messages_for_notices(
    connection: Connection,
    group_id: int,
    notices: list[_Pending],
    export_identities: set[bytes],
    aliases: dict[str, str],
) -> list[tuple[_Pending, int]]:
    minutes = {identity_key(record).minute for record, _ in notices}
    candidates = _candidates_by_minute(connection, group_id, minutes, notices=False)
    pairs = []
    for pending in notices:
        key = identity_key(pending[0], aliases)
        available = [
            (message_id, identity)
            for message_id, identity in candidates.get((key.minute, key.author or ""), [])
            if identity not in export_identities
        ]
        if available:
            message_id, identity = available[0]
            candidates[(key.minute, key.author or "")].remove((message_id, identity))
            pairs.append((pending, message_id))
    return pairs


def _stored_notices_for_messages(
    connection: Connection,
    group_id: int,
    texts: list[_Pending],
    export_identities: set[bytes],
    aliases: dict[str, str],
) -> list[tuple[_Pending, int, bytes]]:
    minutes = {identity_key(record).minute for record, _ in texts}
    candidates = _candidates_by_minute(connection, group_id, minutes, notices=True)
    if not candidates:
        return []
    pairs = []
    for pending in texts:
        key = identity_key(pending[0], aliases)
        slot = candidates.get((key.minute, key.author or ""), [])
        available = [entry for entry in slot if entry[1] not in export_identities]
        if available:
            slot.remove(available[0])
            pairs.append((pending, available[0][0], available[0][1]))
    return pairs


def _store_participants(
    connection: Connection,
    group_id: int,
    records: Sequence[Record],
    aliases: dict[str, str],
    entry: GroupMetadata | None,
) -> dict[str, int]:
    """Insert the export's new participants, widen first/last seen, and return every id by name.

    A participant is a name that wrote a message or was added or joined. "You"
    is not one, because it is the exporting phone's owner, whose messages carry
    their own name.
    """
    seen: dict[str, tuple[datetime, datetime]] = {}
    for record in records:
        if record.kind != "event":
            names: Sequence[str] = (record.author,) if record.author is not None else ()
        elif record.event in MEMBERSHIP_EVENTS:
            names = [person for person in record.people if person != YOU]
        else:
            continue
        for name in names:
            first, last = seen.get(name, (record.timestamp, record.timestamp))
            seen[name] = (min(first, record.timestamp), max(last, record.timestamp))

    stored = {
        row.name: row
        for row in connection.execute(
            select(
                participants_table.c.id,
                participants_table.c.name,
                participants_table.c.first_seen,
                participants_table.c.last_seen,
            ).where(participants_table.c.group_id == group_id)
        )
    }
    facilitators = set(entry.facilitators) if entry else set()
    new_rows = []
    for name, (first, last) in seen.items():
        row = stored.get(name)
        if row is None:
            canonical = canonical_author(name, aliases) or name
            new_rows.append(
                {
                    "group_id": group_id,
                    "name": name,
                    "canonical_name": canonical,
                    "is_facilitator": canonical in facilitators or name in facilitators,
                    "first_seen": first,
                    "last_seen": last,
                }
            )
            continue
        widened_first = min(first, row.first_seen) if row.first_seen else first
        widened_last = max(last, row.last_seen) if row.last_seen else last
        if (widened_first, widened_last) != (row.first_seen, row.last_seen):
            connection.execute(
                update(participants_table)
                .where(participants_table.c.id == row.id)
                .values(first_seen=widened_first, last_seen=widened_last)
            )
    if new_rows:
        connection.execute(participants_table.insert(), new_rows)

    return {
        name: participant_id
        for participant_id, name in connection.execute(
            select(participants_table.c.id, participants_table.c.name).where(
                participants_table.c.group_id == group_id
            )
        )
    }


def _insert_messages(
    connection: Connection,
    group_id: int,
    export_file_id: int,
    pending: list[_Pending],
    participant_ids: dict[str, int],
    after_batch: Callable[[], None] | None,
) -> None:
    records = [record for record, _ in pending]
    count = len(records)
    kinds = [record.kind for record in records]
    texts = [record.text if record.kind == "message" else None for record in records]
    guess_languages = _LanguageGuesser()
    columns: dict[str, ColumnValues] = {
        "group_id": [group_id] * count,
        "participant_id": [participant_ids[record.author] for record in records],  # type: ignore[index]
        "identity": [identity for _, identity in pending],
        "deletion_identity": [None] * count,
        "timestamp": [record.timestamp for record in records],
        "kind": kinds,
        "text": [record.text for record in records],
        "attachment": [_fitted_attachment(record.attachment) for record in records],
        "deleted": [kind == "deleted" for kind in kinds],
        # Guessed batch by batch, while the batch before is being stored.
        "language": lambda start, stop: guess_languages(texts[start:stop]),
        "export_file_id": [export_file_id] * count,
    }
    insert_columns(
        connection, messages_table, columns, batch_rows=BATCH_SIZE, after_batch=after_batch
    )


def _fitted_attachment(name: str | None) -> str | None:
    # A file name longer than the column (file systems allow 255 bytes, but a
    # document's name comes from its sender) keeps its start and a digest,
    # instead of failing the export on MySQL.
    return None if name is None else fitted(name, ATTACHMENT_CHARS)


def _insert_events(
    connection: Connection,
    group_id: int,
    export_file_id: int,
    pending: list[_Pending],
    after_batch: Callable[[], None] | None,
) -> None:
    records = [record for record, _ in pending]
    count = len(records)
    columns = {
        "group_id": [group_id] * count,
        "identity": [identity for _, identity in pending],
        "timestamp": [record.timestamp for record in records],
        "type": [record.event or "other" for record in records],
        "text": [record.text for record in records],
        "actor": [record.actor for record in records],
        "people": [list(record.people) or None for record in records],
        "old_name": [record.old_name for record in records],
        "new_name": [record.new_name for record in records],
        "export_file_id": [export_file_id] * count,
    }
    insert_columns(
        connection, events_table, columns, batch_rows=BATCH_SIZE, after_batch=after_batch
    )


_language_warning_logged = False


class _LanguageGuesser:
    """Guess the language of message texts, each distinct text once, however many batches ask.

    Chats repeat short texts ("ok", "Asante"), so a guess is kept for every
    text seen. ``None`` entries stay ``None``, and every guess is ``None``
    when ``tafiti.language`` is not installed or fails.
    """

    def __init__(self) -> None:
        self._guesses: dict[str, str | None] = {}

    def __call__(self, texts: Sequence[str | None]) -> list[str | None]:
        new = [text for text in dict.fromkeys(texts) if text is not None]
        new = [text for text in new if text not in self._guesses]
        if new:
            self._guesses.update(zip(new, _detect_languages(new), strict=True))
        return [None if text is None else self._guesses[text] for text in texts]


def _detect_languages(texts: list[str]) -> list[str | None]:
    global _language_warning_logged
    try:
        from tafiti.language import detect_languages
    except ImportError:
        return [None] * len(texts)
    try:
        return detect_languages(texts)
    except Exception as error:  # noqa: BLE001 - a failed guess must not fail the import
        if not _language_warning_logged:
            log.warning("language detection failed, storing no language: %s", error)
            _language_warning_logged = True
        return [None] * len(texts)
