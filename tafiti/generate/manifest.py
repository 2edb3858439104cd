"""Counts of what the generator wrote, in the shape of ``manifest.json``.

The manifest is the expected result for tests: it is computed from the records
the generator produced, never by parsing the files back. ``DEFINITIONS`` is
written into every manifest so that a reader knows what each number counts.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from tafiti.generate.formats import Item

MANIFEST_SCHEMA = 1

DEFINITIONS = {
    "records": "every record of the export: messages and events",
    "messages": "every record that is not an event: text messages, media and deleted messages",
    "text": "messages with a text body (messages minus media minus deleted)",
    "media": "media records: '<Media omitted>'-style placeholders and attached files",
    "attachments": "media records whose file is inside the export (zip exports only)",
    "deleted": "deleted-message notices ('This message was deleted', 'You deleted this "
    "message' and their translations)",
    "events": "system lines: encryption notice, group created, added, joined, left, removed, "
    "subject, icon and description changes, phone number changes",
    "event_types": "events by type, using the type names of the parse contract",
    "joins": "people brought in: one per person named in an 'added' event and one per "
    "'joined using this group's invite link' event; 'added you' counts the exporting phone's "
    "owner",
    "leaves": "people gone: one per 'left' event and one per person named in a 'removed' event",
    "authors": "distinct names that wrote at least one message",
    "participants": "distinct names that are an author or a person added or joined. An event's "
    "actor counts only as one of these. 'You'/'you' is the exporting phone's owner, whose "
    "messages carry their own name, and is never counted as a name",
    "aliases": "one person under several names in the export: a name followed by the new "
    "phone number it wrote from after a 'changed their phone number' event",
    "participants_merged": "participants once each alias is counted as the person it belongs to",
    "participant_messages": "messages per participant name, as written in the export "
    "(zero for those who never wrote), most active first",
    "first": "wall-clock time of the first message (ISO 8601, as written: Android exports have "
    "no seconds, so ':00')",
    "last": "wall-clock time of the last message",
    "first_record": "wall-clock time of the first record, events included",
    "last_record": "wall-clock time of the last record, events included",
    "names": "the group's names in order: the name it was created with, then each new subject",
    "name": "the group's name at the end of the export (after the last subject change)",
    "union": "for a group exported several times, the group's counts cover the union of its "
    "exports, each record once",
    "files": "per export file (key: path relative to the manifest's folder): the counts above "
    "for that file alone, plus group, format, platform, date_order, ui_language, zip, "
    "chat_file (the chat text's name inside a zip), attachment_files, and "
    "first_message_number/last_message_number (the file's stretch of the group's history, "
    "counting messages from 1)",
    "groups": "per group (key: its name at the end of its latest export): the union counts "
    "plus files, format, ui_language, languages (of the chat text), facilitators, advisor, "
    "exporter (whose phone exported: 'You' in system lines) and, for the sample set, cohort, "
    "programme, timezone and start_date",
    "totals": "sums over the groups, and the numbers of groups and files",
}


class Tally:
    """Running counts over the records of one export, or of a group's union of exports."""

    def __init__(self, created_name: str | None = None):
        self.records = 0
        self.messages = 0
        self.media = 0
        self.attachments = 0
        self.deleted = 0
        self.events = 0
        self.event_types: Counter[str] = Counter()
        self.joins = 0
        self.leaves = 0
        self.written: dict[str, int] = {}
        self.people: dict[str, None] = {}
        self.names: list[str] = [created_name] if created_name else []
        self.aliases: dict[str, list[str]] = {}
        self.first: datetime | None = None
        self.last: datetime | None = None
        self.first_record: datetime | None = None
        self.last_record: datetime | None = None

    def add(self, item: Item, written_time: datetime) -> None:
        """Count ``item``, whose timestamp the export writes as ``written_time``."""
        self.records += 1
        if self.first_record is None:
            self.first_record = written_time
        self.last_record = written_time
        if item.kind == "event":
            self._add_event(item)
            return

        self.messages += 1
        if self.first is None:
            self.first = written_time
        self.last = written_time
        author = item.author or ""
        self.written[author] = self.written.get(author, 0) + 1
        self.people.setdefault(author)
        if item.kind == "media":
            self.media += 1
            self.attachments += item.attach
        elif item.kind == "deleted":
            self.deleted += 1

    def _add_event(self, item: Item) -> None:
        event = item.event or "other"
        self.events += 1
        self.event_types[event] += 1
        if event in ("added", "joined"):
            self.joins += len(item.people)
            for person in item.people:
                self.people.setdefault(person)
        elif event in ("left", "removed"):
            self.leaves += len(item.people)
        elif event == "number_changed" and item.people and item.new_name:
            self.aliases.setdefault(item.people[0], []).append(item.new_name)
        elif event in ("created", "subject_changed") and item.new_name:
            if not self.names or self.names[-1] != item.new_name:
                self.names.append(item.new_name)

    def summary(self) -> dict[str, Any]:
        """Return the counts as the manifest writes them."""
        ranked = sorted(self.people, key=lambda name: (-self.written.get(name, 0), name))
        return {
            "name": self.names[-1] if self.names else None,
            "names": list(self.names),
            "records": self.records,
            "messages": self.messages,
            "text": self.messages - self.media - self.deleted,
            "media": self.media,
            "attachments": self.attachments,
            "deleted": self.deleted,
            "events": self.events,
            "event_types": dict(sorted(self.event_types.items())),
            "joins": self.joins,
            "leaves": self.leaves,
            "authors": len(self.written),
            "participants": len(self.people),
            "aliases": {name: list(others) for name, others in self.aliases.items()},
            "participants_merged": len(self.people)
            - sum(1 for others in self.aliases.values() for name in others if name in self.people),
            "first": _iso(self.first),
            "last": _iso(self.last),
            "first_record": _iso(self.first_record),
            "last_record": _iso(self.last_record),
            "participant_messages": {name: self.written.get(name, 0) for name in ranked},
        }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


def new_manifest(about: str, seed: int | None) -> dict[str, Any]:
    """Return an empty manifest with its schema number and definitions."""
    return {
        "schema": MANIFEST_SCHEMA,
        "about": about,
        "seed": seed,
        "definitions": DEFINITIONS,
        "files": {},
        "groups": {},
        "totals": {},
    }


def add_totals(manifest: dict[str, Any]) -> None:
    """Fill ``manifest["totals"]`` from its groups."""
    groups = manifest["groups"].values()
    totals: dict[str, int] = {"groups": len(manifest["groups"]), "files": len(manifest["files"])}
    for key in ("records", "messages", "media", "deleted", "events", "joins", "leaves"):
        totals[key] = sum(group[key] for group in groups)
    manifest["totals"] = totals
