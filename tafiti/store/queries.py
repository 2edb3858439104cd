"""Read-side queries over the store for the command line and the publishing step."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select

from tafiti.errors import ConfigError
from tafiti.store.models import Event, ExportFile, Group, Message, Participant

groups_table = Group.__table__
messages_table = Message.__table__
events_table = Event.__table__
participants_table = Participant.__table__
export_files_table = ExportFile.__table__


def list_groups(engine: Engine) -> list[dict[str, Any]]:
    """List every group with its counts, sorted by name.

    Each group is ``{slug, name, messages, events, participants, first, last}``.
    ``messages`` counts every record that is not an event (text, media,
    deleted). ``participants`` counts distinct people after alias resolution:
    everyone who wrote a message or was added or joined. ``first`` and ``last``
    are the earliest and latest message time in ISO 8601 (local wall-clock
    time, as exported), or ``None`` for a group without messages.
    """
    message_stats = (
        select(
            messages_table.c.group_id,
            func.count().label("messages"),
            func.min(messages_table.c.timestamp).label("first"),
            func.max(messages_table.c.timestamp).label("last"),
        )
        .group_by(messages_table.c.group_id)
        .subquery()
    )
    event_stats = (
        select(events_table.c.group_id, func.count().label("events"))
        .group_by(events_table.c.group_id)
        .subquery()
    )
    people = (
        select(
            participants_table.c.group_id,
            func.count(func.distinct(participants_table.c.canonical_name)).label("participants"),
        )
        .group_by(participants_table.c.group_id)
        .subquery()
    )
    query = (
        select(
            groups_table.c.slug,
            groups_table.c.name,
            message_stats.c.messages,
            message_stats.c.first,
            message_stats.c.last,
            event_stats.c.events,
            people.c.participants,
        )
        .select_from(groups_table)
        .outerjoin(message_stats, message_stats.c.group_id == groups_table.c.id)
        .outerjoin(event_stats, event_stats.c.group_id == groups_table.c.id)
        .outerjoin(people, people.c.group_id == groups_table.c.id)
        .order_by(groups_table.c.name, groups_table.c.slug)
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return [
        {
            "slug": row.slug,
            "name": row.name,
            "messages": row.messages or 0,
            "events": row.events or 0,
            "participants": row.participants or 0,
            "first": _iso(row.first),
            "last": _iso(row.last),
        }
        for row in rows
    ]


def list_export_files(engine: Engine) -> list[dict[str, Any]]:
    """List every export file row, sorted by source and key, with its group's slug."""
    query = (
        select(export_files_table, groups_table.c.slug.label("group"))
        .select_from(export_files_table)
        .outerjoin(groups_table, groups_table.c.id == export_files_table.c.group_id)
        .order_by(export_files_table.c.source, export_files_table.c.key)
    )
    with engine.connect() as connection:
        rows = connection.execute(query).mappings().all()
    files = []
    for row in rows:
        item = {key: value for key, value in row.items() if key != "group_id"}
        for key, value in item.items():
            if isinstance(value, datetime):
                item[key] = value.isoformat()
        files.append(item)
    return files


def resolve_group_slugs(engine: Engine, names: Sequence[str]) -> list[str]:
    """Map each group slug or name in ``names`` to its slug; raise for one that matches nothing."""
    with engine.connect() as connection:
        rows = connection.execute(select(groups_table.c.slug, groups_table.c.name)).all()
    by_slug = {row.slug: row.slug for row in rows}
    by_name: dict[str, list[str]] = {}
    for row in rows:
        by_name.setdefault(row.name, []).append(row.slug)

    slugs = []
    for name in names:
        if name in by_slug:
            slugs.append(name)
        elif len(by_name.get(name, [])) == 1:
            slugs.append(by_name[name][0])
        elif name in by_name:
            choices = ", ".join(sorted(by_name[name]))
            raise ConfigError(f"several groups are named {name!r}; give a slug: {choices}")
        else:
            known = ", ".join(sorted(by_slug)) or "none stored yet"
            raise ConfigError(f"no group with slug or name {name!r}; known slugs: {known}")
    return slugs


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
