"""pandas frames of the stored groups, messages, events, participants and export files.

Every loader takes an engine (default: the database of the settings), reads
through SQLAlchemy Core, and returns one row per stored row with the group's
slug in a ``group`` column. Times are the wall-clock times of the export
(naive ``datetime64``), as stored.

A period is ``since`` (inclusive) to ``until`` (inclusive when it is a date,
exclusive when it is a time of day): ``until="2024-03-31"`` keeps the whole of
31 March.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Engine, Select, select

from tafiti.errors import ConfigError, TafitiError
from tafiti.store.models import Event, ExportFile, Group, Message, Participant

GroupSelector = str | Sequence[str] | None
# The parser's name for the exporting phone's owner in system lines ("You added X").
EXPORTER = "You"
TimeBound = str | date | datetime | None

MESSAGE_COLUMNS = [
    "id",
    "group",
    "timestamp",
    "author",
    "author_name",
    "participant_id",
    "is_facilitator",
    "kind",
    "text",
    "attachment",
    "deleted",
    "language",
    "export_file_id",
]
EVENT_COLUMNS = [
    "id",
    "group",
    "timestamp",
    "type",
    "text",
    "actor",
    "people",
    "old_name",
    "new_name",
    "export_file_id",
]


@dataclass(frozen=True)
class Period:
    """A half-open time range ``[start, end)``; either end may be open (``None``)."""

    start: datetime | None = None
    end: datetime | None = None

    @classmethod
    def parse(cls, since: TimeBound = None, until: TimeBound = None) -> Period:
        """Build a period from ISO dates or times; a date ``until`` includes that day."""
        start = _parse_bound(since, "since", end=False)
        end = _parse_bound(until, "until", end=True)
        if start is not None and end is not None and end <= start:
            raise ConfigError(f"period: until={until!r} is not after since={since!r}")
        return cls(start, end)

    def label(self) -> str:
        """Return the period as people read it: "1 Mar 2024 – 31 Mar 2024", "whole history"."""
        if self.start is None and self.end is None:
            return "whole history"
        start = _day_label(self.start) if self.start else "first message"
        if self.end is None:
            end = "last message"
        else:
            # An end at midnight is exclusive, so the last day included is the day before.
            last = self.end - timedelta(microseconds=1) if self.end.time() == time() else self.end
            end = _day_label(last)
        return f"{start} – {end}"

    def contains(self, timestamps: pd.Series) -> pd.Series:
        """Return a boolean mask of the timestamps inside the period."""
        mask = pd.Series(True, index=timestamps.index)
        if self.start is not None:
            mask &= timestamps >= pd.Timestamp(self.start)
        if self.end is not None:
            mask &= timestamps < pd.Timestamp(self.end)
        return mask


def _day_label(moment: datetime) -> str:
    return f"{moment.day} {moment:%b %Y}"


def _parse_bound(value: TimeBound, setting: str, *, end: bool) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        day = datetime.combine(value, time())
        return day + timedelta(days=1) if end else day
    try:
        parsed = datetime.fromisoformat(str(value).strip())
    except ValueError as error:
        raise ConfigError(
            f"{setting}={value!r} is not an ISO date or time; write it as 2024-03-31"
        ) from error
    is_date_only = len(str(value).strip()) <= len("2024-03-31")
    if is_date_only and end:
        return parsed + timedelta(days=1)
    return parsed


def _engine(engine: Engine | None) -> Engine:
    if engine is not None:
        return engine
    from tafiti.store.db import get_engine

    return get_engine()


def _read(engine: Engine, statement: Select[Any], columns: list[str]) -> pd.DataFrame:
    """Run ``statement`` and return its rows as a frame of ``columns``, matched by label.

    A column the statement does not select is NaN.
    """
    with engine.connect() as connection:
        result = connection.execute(statement)
        labels = list(result.keys())
        rows = [tuple(row) for row in result.all()]
    return pd.DataFrame(rows, columns=labels).reindex(columns=columns)


def _group_ids(engine: Engine, group: GroupSelector) -> list[int] | None:
    """Return the ids of the selected groups (by slug, else by current name), or None for all."""
    if group is None:
        return None
    wanted = [group] if isinstance(group, str) else list(group)
    with engine.connect() as connection:
        rows = connection.execute(select(Group.id, Group.slug, Group.name)).all()
    by_slug = {row.slug: row.id for row in rows}
    by_name = {row.name: row.id for row in rows}

    ids = []
    for selector in wanted:
        group_id = by_slug.get(selector, by_name.get(selector))
        if group_id is None:
            known = ", ".join(sorted(by_slug)) or "none stored yet"
            raise TafitiError(f"group {selector!r} not found (known slugs: {known})")
        ids.append(group_id)
    return ids


def load_groups(engine: Engine | None = None) -> pd.DataFrame:
    """Load every group with its metadata, one row per group, sorted by slug."""
    columns = [
        "id",
        "group",
        "name",
        "name_changed_at",
        "timezone",
        "cohort",
        "programme",
        "advisor",
        "start_date",
        "info",
        "created_at",
        "updated_at",
    ]
    statement = select(
        Group.id,
        Group.slug.label("group"),
        Group.name,
        Group.name_changed_at,
        Group.timezone,
        Group.cohort,
        Group.programme,
        Group.advisor,
        Group.start_date,
        Group.info,
        Group.created_at,
        Group.updated_at,
    ).order_by(Group.slug)
    frame = _read(_engine(engine), statement, columns)
    frame["info"] = frame["info"].map(lambda info: info if isinstance(info, dict) else {})
    return frame


def load_participants(engine: Engine | None = None, group: GroupSelector = None) -> pd.DataFrame:
    """Load the participants of the selected groups (all when ``group`` is None).

    ``is_facilitator`` is true when the participant row is marked or the group's
    metadata (``info["facilitators"]``) lists the participant's name.
    """
    engine = _engine(engine)
    statement = select(
        Participant.id,
        Group.slug.label("group"),
        Participant.name,
        Participant.canonical_name,
        Participant.is_facilitator,
        Participant.first_seen,
        Participant.last_seen,
        Group.info.label("group_info"),
    ).join(Group, Group.id == Participant.group_id)
    statement = _filter_groups(statement, Participant.group_id, _group_ids(engine, group))
    columns = [
        "id",
        "group",
        "name",
        "canonical_name",
        "is_facilitator",
        "first_seen",
        "last_seen",
        "group_info",
    ]
    frame = _read(engine, statement.order_by(Group.slug, Participant.name), columns)
    frame["is_facilitator"] = _facilitator_flags(frame)
    frame = frame.drop(columns=["group_info"])
    for column in ("first_seen", "last_seen"):
        frame[column] = pd.to_datetime(frame[column])
    return frame


def load_messages(
    engine: Engine | None = None,
    group: GroupSelector = None,
    since: TimeBound = None,
    until: TimeBound = None,
) -> pd.DataFrame:
    """Load the messages of the selected groups and period, sorted by group and time.

    ``author`` is the participant's canonical name (aliases folded),
    ``author_name`` the name as exported. ``kind`` is message, media or
    deleted; ``deleted`` is also true for a message deleted after it was stored.
    """
    engine = _engine(engine)
    period = Period.parse(since, until)
    statement = (
        select(
            Message.id,
            Group.slug.label("group"),
            Message.timestamp,
            Participant.canonical_name.label("author"),
            Participant.name.label("author_name"),
            Message.participant_id,
            Participant.is_facilitator,
            Message.kind,
            Message.text,
            Message.attachment,
            Message.deleted,
            Message.language,
            Message.export_file_id,
            Group.info.label("group_info"),
        )
        .join(Group, Group.id == Message.group_id)
        .join(Participant, Participant.id == Message.participant_id)
    )
    statement = _filter_groups(statement, Message.group_id, _group_ids(engine, group))
    statement = _filter_period(statement, Message.timestamp, period)
    statement = statement.order_by(Group.slug, Message.timestamp, Message.id)

    frame = _read(engine, statement, [*MESSAGE_COLUMNS, "group_info"])
    frame["is_facilitator"] = _facilitator_flags(
        frame.rename(columns={"author_name": "name", "author": "canonical_name"})
    )
    frame = frame.drop(columns=["group_info"])
    frame["timestamp"] = pd.to_datetime(frame["timestamp"])
    frame["deleted"] = frame["deleted"].astype(bool)
    frame["text"] = frame["text"].fillna("")
    return frame


def load_events(
    engine: Engine | None = None,
    group: GroupSelector = None,
    since: TimeBound = None,
    until: TimeBound = None,
) -> pd.DataFrame:
    """Load the system events (joins, leaves, renames…) of the selected groups and period."""
    engine = _engine(engine)
    period = Period.parse(since, until)
    statement = select(
        Event.id,
        Group.slug.label("group"),
        Event.timestamp,
        Event.type,
        Event.text,
        Event.actor,
        Event.people,
        Event.old_name,
        Event.new_name,
        Event.export_file_id,
    ).join(Group, Group.id == Event.group_id)
    statement = _filter_groups(statement, Event.group_id, _group_ids(engine, group))
    statement = _filter_period(statement, Event.timestamp, period)
    frame = _read(engine, statement.order_by(Group.slug, Event.timestamp, Event.id), EVENT_COLUMNS)
    frame["timestamp"] = pd.to_datetime(frame["timestamp"])
    frame["people"] = frame["people"].map(lambda people: list(people) if people else [])
    return frame


def load_export_files(engine: Engine | None = None, group: GroupSelector = None) -> pd.DataFrame:
    """Load the export files seen by the syncs; with ``group``, only the files of those groups.

    Files that failed before their group was known have no group and are only
    returned when ``group`` is None.
    """
    engine = _engine(engine)
    columns = [column.name for column in ExportFile.__table__.columns]
    statement = select(
        *[ExportFile.__table__.c[name] for name in columns], Group.slug.label("group")
    ).outerjoin(Group, Group.id == ExportFile.group_id)
    statement = _filter_groups(statement, ExportFile.group_id, _group_ids(engine, group))
    frame = _read(engine, statement.order_by(ExportFile.name, ExportFile.id), [*columns, "group"])
    frame["warnings"] = frame["warnings"].map(lambda warnings: list(warnings or []))
    return frame


def _filter_groups(statement: Select[Any], column: Any, ids: list[int] | None) -> Select[Any]:
    return statement if ids is None else statement.where(column.in_(ids))


def _filter_period(statement: Select[Any], column: Any, period: Period) -> Select[Any]:
    if period.start is not None:
        statement = statement.where(column >= period.start)
    if period.end is not None:
        statement = statement.where(column < period.end)
    return statement


def _facilitator_flags(frame: pd.DataFrame) -> pd.Series:
    """Flag rows whose participant is marked, or named in ``group_info["facilitators"]``."""
    marked = frame["is_facilitator"].astype(bool)
    # The rows of one group share its metadata, and a name recurs on every
    # message of its author, so each group and each name is folded once.
    first_rows = frame.drop_duplicates("group")
    listed_by_group = {
        group: _listed_facilitators(info)
        for group, info in zip(first_rows["group"], first_rows["group_info"], strict=True)
    }
    if not any(listed_by_group.values()):
        return marked

    folded: dict[str, str] = {}
    flags = []
    for group, name, canonical_name, is_marked in zip(
        frame["group"], frame["name"], frame["canonical_name"], marked, strict=True
    ):
        listed = listed_by_group[group]
        if is_marked or not listed:
            flags.append(is_marked)
            continue
        names = {_fold_once(folded, name), _fold_once(folded, canonical_name)}
        flags.append(bool(names & listed))
    return pd.Series(flags, index=frame.index, dtype=bool)


def _fold_once(folded: dict[str, str], name: Any) -> str:
    if not isinstance(name, str):
        return _fold(name)
    if name not in folded:
        folded[name] = _fold(name)
    return folded[name]


def _listed_facilitators(info: Any) -> set[str]:
    if not isinstance(info, dict):
        return set()
    listed = info.get("facilitators") or []
    if isinstance(listed, str):
        listed = [listed]
    return {_fold(name) for name in listed if isinstance(name, str)}


def _fold(name: Any) -> str:
    return " ".join(str(name).casefold().split()) if name else ""


def participant_names(
    participants: pd.DataFrame, events: pd.DataFrame | None = None
) -> Iterable[str]:
    """Yield every spelling of every participant: exported, canonical, and named in events.

    "You", the parser's name for the exporting phone's owner in system lines, is
    left out: it is a word of the chats, not a name.
    """
    names: list[str] = []
    for column in ("name", "canonical_name"):
        if column in participants:
            names.extend(participants[column].dropna())
    if events is not None and not events.empty:
        names.extend(events["actor"].dropna())
        for people in events["people"]:
            names.extend(people or [])
    yield from (name for name in names if name and name != EXPORTER)
