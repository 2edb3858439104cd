"""Which stored group an export belongs to, the group's name and slug, and its metadata.

An export goes to, in this order:

1. the group whose metadata entry lists the export under ``exports``: the
   stored group with the entry's slug, else the one that has or had the
   entry's name, else a new group with the entry's slug;
2. a stored group that already contains some of the export's messages, when
   the two also share a name (the file's chat name, or a name from a creation
   or subject-change event) or the shared messages are at least half of the
   group's messages within the export's time span. Shared content alone is not
   enough, because a facilitator may post the same text to several groups in
   the same minute;
3. a stored group that shares a name and holds no message within the
   export's time span (exports of one group from two phones whose histories do
   not overlap);
4. a new group.

Two groups with the same name and no shared content are kept apart; a
metadata entry that pins the exports decides when that is wrong.

Names come from message time, not from the order files are synced in: the
current name is the newest subject change or creation event; only a group
with no such event in any of its exports takes the chat name of its newest
export.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, or_, select, update

from tafiti.errors import ConfigError
from tafiti.parsing.records import ParsedExport, Record
from tafiti.store.db import is_mysql
from tafiti.store.identity import minute_span
from tafiti.store.metadata import GroupDirectory, GroupMetadata
from tafiti.store.models import Event, ExportFile, Group, Message, Participant

groups_table = Group.__table__
messages_table = Message.__table__
events_table = Event.__table__
participants_table = Participant.__table__
export_files_table = ExportFile.__table__

NAMING_EVENTS = frozenset({"created", "subject_changed"})
# Name sources, weakest first: a naming event always beats a file name.
NAME_SOURCE_RANK = {"export": 0, "event": 1}
# Share of a group's messages within an export's time span that the export must
# contain for content alone (without a shared name) to put the export there.
MIN_CONTENT_SHARE = 0.5
# Identities per lookup statement; SQLite (3.32 and later) takes up to 32,766 parameters.
_IDENTITY_CHUNK = 5000


@dataclass(frozen=True)
class NameEvidence:
    """A name the group had, the message time it had it, and how that is known."""

    name: str
    time: datetime
    source: str  # "event" | "export"

    def sort_key(self) -> tuple[int, datetime, str]:
        return (NAME_SOURCE_RANK[self.source], self.time, self.name)


@dataclass(frozen=True)
class ResolvedGroup:
    id: int
    slug: str
    created: bool


def export_names(parsed: ParsedExport) -> set[str]:
    """Collect every name the export gives its group: the chat name and naming events' names."""
    names = {parsed.chat_name} if parsed.chat_name else set()
    for record in parsed.records:
        if record.kind == "event" and record.event in NAMING_EVENTS:
            names.update(name for name in (record.old_name, record.new_name) if name)
    return names


def name_evidence(parsed: ParsedExport, file_name: str) -> NameEvidence | None:
    """Pick the export's best evidence of the group's current name."""
    candidates = [
        NameEvidence(record.new_name, record.timestamp, "event")
        for record in parsed.records
        if record.kind == "event" and record.event in NAMING_EVENTS and record.new_name
    ]
    if parsed.records:
        last_time = max(record.timestamp for record in parsed.records)
        chat_name = parsed.chat_name or Path(file_name).stem
        candidates.append(NameEvidence(chat_name, last_time, "export"))
    return max(candidates, key=NameEvidence.sort_key, default=None)


def slugify(name: str) -> str:
    """Turn ``name`` into a URL path segment: "Formação OHOLO C2" gives "formacao-oholo-c2"."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:150].rstrip("-") or "group"


def resolve_group(
    connection: Connection,
    parsed: ParsedExport,
    message_identities: Sequence[bytes],
    pinned: GroupMetadata | None,
    directory: GroupDirectory,
    now: datetime,
) -> ResolvedGroup:
    """Find the stored group the export belongs to, or create it. The caller holds the sync lock."""
    if pinned is not None:
        return _pinned_group(connection, parsed, pinned, now)

    names = export_names(parsed)
    group_id = _match_stored_group(connection, parsed.records, message_identities, names)
    if group_id is not None:
        slug = connection.execute(
            select(groups_table.c.slug).where(groups_table.c.id == group_id)
        ).scalar_one()
        return ResolvedGroup(group_id, slug, created=False)

    evidence = name_evidence(parsed, parsed.filename)
    name = evidence.name if evidence else Path(parsed.filename).stem
    entry = directory.for_group("", names | {name})
    slug = entry.slug if entry and entry.slug else slugify(name)
    return _create_group(connection, parsed, slug, name, now, exact_slug=False)


def _pinned_group(
    connection: Connection, parsed: ParsedExport, pinned: GroupMetadata, now: datetime
) -> ResolvedGroup:
    """Find the group of a metadata entry by its slug, else by its name, or create it.

    Looking up the name too keeps a group stored before the entry was written
    from being split in two when the entry's slug differs from the stored one.
    """
    slug = pinned.slug or slugify(pinned.name)
    group_id = connection.execute(
        select(groups_table.c.id).where(groups_table.c.slug == slug)
    ).scalar()
    if group_id is not None:
        return ResolvedGroup(group_id, slug, created=False)

    named = sorted(_groups_named(connection, {pinned.name}))
    if len(named) > 1:
        slugs = _slugs(connection, named)
        raise ConfigError(
            f"the group metadata entry {pinned.name!r} matches several stored groups "
            f"({', '.join(slugs)}); give the entry the slug of one"
        )
    if named:
        (group_id,) = named
        stored_slug = connection.execute(
            select(groups_table.c.slug).where(groups_table.c.id == group_id)
        ).scalar_one()
        return ResolvedGroup(group_id, stored_slug, created=False)
    return _create_group(connection, parsed, slug, pinned.name, now, exact_slug=True)


def _match_stored_group(
    connection: Connection,
    records: Sequence[Record],
    message_identities: Sequence[bytes],
    names: set[str],
) -> int | None:
    if not records:
        return None
    span_start, span_end = minute_span(records)

    # Only a group with messages in the export's span can share an identity
    # with it, so an export of a new group costs no identity lookups.
    shared = (
        _shared_message_counts(connection, message_identities)
        if _any_message_between(connection, span_start, span_end)
        else {}
    )
    named = _groups_named(connection, names)
    if not shared and not named:
        return None

    accepted: list[tuple[int, int]] = []
    for group_id in sorted(set(shared) | named):
        in_span = connection.execute(
            select(func.count())
            .select_from(messages_table)
            .where(
                messages_table.c.group_id == group_id,
                messages_table.c.timestamp >= span_start,
                messages_table.c.timestamp < span_end,
            )
        ).scalar_one()
        count = shared.get(group_id, 0)
        by_content = count > 0 and (group_id in named or count >= MIN_CONTENT_SHARE * in_span)
        by_name = group_id in named and in_span == 0
        if by_content or by_name:
            accepted.append((count, group_id))

    if not accepted:
        return None
    accepted.sort(reverse=True)
    if len(accepted) > 1 and accepted[0][0] == accepted[1][0]:
        slugs = _slugs(connection, [group_id for _, group_id in accepted])
        raise ConfigError(
            f"the export fits several stored groups equally ({', '.join(slugs)}); "
            "list it under 'exports' of one group in the group metadata file"
        )
    return accepted[0][1]


def _any_message_between(connection: Connection, start: datetime, end: datetime) -> bool:
    """Return whether any group has a message from ``start`` to before ``end``.

    One probe of the group-time index per group, so the cost follows the
    number of groups, not of messages.
    """
    in_span = (
        select(messages_table.c.id)
        .where(
            messages_table.c.group_id == groups_table.c.id,
            messages_table.c.timestamp >= start,
            messages_table.c.timestamp < end,
        )
        .exists()
    )
    return connection.execute(select(groups_table.c.id).where(in_span).limit(1)).first() is not None


def _shared_message_counts(connection: Connection, identities: Sequence[bytes]) -> dict[int, int]:
    """Count, per stored group, the messages whose identity is in ``identities``.

    The statements are written by hand: SQLAlchemy's expanding ``IN`` binds
    and escapes each identity on its own, which took seconds for an export of
    100,000 messages. Identities are bytes, so on MySQL they are written as
    hex literals and need no escaping.
    """
    counts: dict[int, int] = {}
    unique = list(dict.fromkeys(identities))
    mysql = is_mysql(connection)
    for start in range(0, len(unique), _IDENTITY_CHUNK):
        chunk = unique[start : start + _IDENTITY_CHUNK]
        if mysql:
            values = ",".join(["X'" + identity.hex() + "'" for identity in chunk])
            rows = connection.exec_driver_sql(
                f"SELECT group_id, COUNT(*) FROM messages WHERE identity IN ({values}) "
                "GROUP BY group_id"
            )
        else:
            rows = connection.exec_driver_sql(
                f"SELECT group_id, COUNT(*) FROM messages WHERE identity IN "
                f"({','.join('?' * len(chunk))}) GROUP BY group_id",
                tuple(chunk),
            )
        for group_id, count in rows:
            counts[group_id] = counts.get(group_id, 0) + count
    return counts


def _groups_named(connection: Connection, names: set[str]) -> set[int]:
    """Find the groups that have or had one of ``names``, compared exactly in any collation."""
    if not names:
        return set()
    found: set[int] = set()
    queries = [
        select(groups_table.c.id, groups_table.c.name).where(groups_table.c.name.in_(names)),
        select(events_table.c.group_id, events_table.c.old_name).where(
            events_table.c.old_name.in_(names)
        ),
        select(events_table.c.group_id, events_table.c.new_name).where(
            events_table.c.new_name.in_(names)
        ),
        select(export_files_table.c.group_id, export_files_table.c.chat_name).where(
            export_files_table.c.chat_name.in_(names),
            export_files_table.c.group_id.is_not(None),
            export_files_table.c.status != "failed",
        ),
    ]
    for query in queries:
        found.update(group_id for group_id, name in connection.execute(query) if name in names)
    return found


def _slugs(connection: Connection, group_ids: Iterable[int]) -> list[str]:
    rows = connection.execute(
        select(groups_table.c.slug).where(groups_table.c.id.in_(list(group_ids)))
    )
    return sorted(slug for (slug,) in rows)


def _create_group(
    connection: Connection,
    parsed: ParsedExport,
    slug: str,
    name: str,
    now: datetime,
    *,
    exact_slug: bool,
) -> ResolvedGroup:
    if not exact_slug:
        slug = _free_slug(connection, slug)
    evidence = name_evidence(parsed, parsed.filename)
    result = connection.execute(
        groups_table.insert().values(
            slug=slug,
            name=evidence.name if evidence else name,
            name_changed_at=evidence.time if evidence else None,
            name_source=evidence.source if evidence else "export",
            created_at=now,
            updated_at=now,
        )
    )
    return ResolvedGroup(result.inserted_primary_key[0], slug, created=True)


def _free_slug(connection: Connection, base: str) -> str:
    taken = set(
        connection.execute(
            select(groups_table.c.slug).where(
                or_(groups_table.c.slug == base, groups_table.c.slug.like(f"{base}-%"))
            )
        ).scalars()
    )
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def update_group_name(
    connection: Connection, group_id: int, evidence: NameEvidence | None, now: datetime
) -> None:
    """Make ``evidence`` the group's name if it is newer than the evidence behind the stored one."""
    if evidence is None:
        return
    row = connection.execute(
        select(
            groups_table.c.name, groups_table.c.name_changed_at, groups_table.c.name_source
        ).where(groups_table.c.id == group_id)
    ).one()
    if row.name_changed_at is not None:
        stored = NameEvidence(row.name, row.name_changed_at, row.name_source)
        if evidence.sort_key() <= stored.sort_key():
            return
    connection.execute(
        update(groups_table)
        .where(groups_table.c.id == group_id)
        .values(
            name=evidence.name,
            name_changed_at=evidence.time,
            name_source=evidence.source,
            updated_at=now,
        )
    )


def group_names(connection: Connection, group_id: int) -> set[str]:
    """Collect every name the stored group has or had."""
    names = {
        connection.execute(
            select(groups_table.c.name).where(groups_table.c.id == group_id)
        ).scalar_one()
    }
    rows = connection.execute(
        select(events_table.c.old_name, events_table.c.new_name).where(
            events_table.c.group_id == group_id,
            or_(events_table.c.old_name.is_not(None), events_table.c.new_name.is_not(None)),
        )
    )
    for old_name, new_name in rows:
        names.update(name for name in (old_name, new_name) if name)
    chat_names = connection.execute(
        select(export_files_table.c.chat_name).where(
            export_files_table.c.group_id == group_id,
            export_files_table.c.chat_name.is_not(None),
        )
    ).scalars()
    names.update(chat_names)
    return names


def metadata_for_group(
    connection: Connection, group_id: int, slug: str, directory: GroupDirectory
) -> GroupMetadata | None:
    """Find the entry pinning one of the group's exports, else the one for its slug or name."""
    if not directory.entries:
        return None
    files = connection.execute(
        select(export_files_table.c.key, export_files_table.c.name).where(
            export_files_table.c.group_id == group_id
        )
    )
    for key, name in files:
        entry = directory.pinned(key, name)
        if entry is not None:
            return entry
    return directory.for_group(slug, group_names(connection, group_id))


def apply_metadata(
    connection: Connection, group_id: int, entry: GroupMetadata | None, now: datetime
) -> bool:
    """Write the entry's values to the group and its participants; return whether anything changed.

    Only differing values are written, so a sync with nothing new leaves the rows as they were.
    """
    values: dict[str, Any] = {
        "cohort": entry.cohort if entry else None,
        "programme": entry.programme if entry else None,
        "advisor": entry.advisor if entry else None,
        "timezone": entry.timezone if entry else None,
        "start_date": entry.start_date if entry else None,
        "info": _info(entry),
    }
    row = connection.execute(
        select(*(groups_table.c[name] for name in values)).where(groups_table.c.id == group_id)
    ).one()
    changed = {name: value for name, value in values.items() if row._mapping[name] != value}
    if changed:
        connection.execute(
            update(groups_table)
            .where(groups_table.c.id == group_id)
            .values(**changed, updated_at=now)
        )
    return _apply_to_participants(connection, group_id, entry) or bool(changed)


def _info(entry: GroupMetadata | None) -> dict[str, Any] | None:
    if entry is None or not (entry.facilitators or entry.aliases):
        return None
    return {
        "facilitators": list(entry.facilitators),
        "aliases": dict(sorted(entry.aliases.items())),
    }


def _apply_to_participants(
    connection: Connection, group_id: int, entry: GroupMetadata | None
) -> bool:
    aliases = entry.aliases if entry else {}
    facilitators = set(entry.facilitators) if entry else set()
    rows = connection.execute(
        select(
            participants_table.c.id,
            participants_table.c.name,
            participants_table.c.canonical_name,
            participants_table.c.is_facilitator,
        ).where(participants_table.c.group_id == group_id)
    ).all()
    changed = False
    for row in rows:
        canonical = aliases.get(row.name, row.name)
        is_facilitator = canonical in facilitators or row.name in facilitators
        if row.canonical_name != canonical or bool(row.is_facilitator) != is_facilitator:
            connection.execute(
                update(participants_table)
                .where(participants_table.c.id == row.id)
                .values(canonical_name=canonical, is_facilitator=is_facilitator)
            )
            changed = True
    return changed
