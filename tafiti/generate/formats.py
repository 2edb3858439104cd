"""The text of WhatsApp exports: line headers, system phrases and media markers.

This module writes export text on its own and imports nothing from
``tafiti.parsing``, so the generated files are an independent check of the
parser. The shapes follow exports of WhatsApp for Android and iOS:

* Android: ``12/01/2024, 09:15 - Name: text`` (British), ``1/12/24, 9:15 AM - ``
  (US, with U+202F NARROW NO-BREAK SPACE before AM/PM) and ``12/01/2024 09:15 - ``
  (Portuguese); no seconds; system lines have no author.
* iOS: ``[12/01/2024, 09:15:03] Name: text``, with seconds. System lines carry
  the group's name as author and a U+200E LEFT-TO-RIGHT MARK before the body.
  Lines with media start with U+200E too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

LRM = "\u200e"
NNBSP = "\u202f"

Kind = Literal["message", "media", "deleted", "event"]


@dataclass(slots=True)
class Item:
    """One record of a group's history, before it is written in a format.

    ``number`` is the 1-based count of messages (every non-event record) up to
    and including this one; an event carries the count of messages before it.
    ``people`` are those an event concerns (added, joined, left, removed);
    ``actor`` is who did it. ``media`` is ``image``, ``video``, ``audio`` or
    ``sticker``; ``attach`` marks media whose file an export with media carries.
    """

    timestamp: datetime
    kind: Kind
    number: int
    author: str | None = None
    text: str = ""
    event: str | None = None
    actor: str | None = None
    people: tuple[str, ...] = ()
    old_name: str | None = None
    new_name: str | None = None
    media: str | None = None
    attach: bool = False


@dataclass(frozen=True)
class Phrases:
    """WhatsApp's system phrases in one interface language."""

    you: str
    you_object: str
    and_word: str
    encryption_notice: str
    created: str
    added: str
    joined: str
    left: str
    removed: str
    subject_changed: str
    icon_changed: str
    description_changed: str
    number_changed: str
    media_omitted: str
    deleted: str
    you_deleted: str
    file_attached: str


ENGLISH_ANDROID = Phrases(
    you="You",
    you_object="you",
    and_word="and",
    encryption_notice=(
        "Messages and calls are end-to-end encrypted. No one outside of this chat, not even "
        "WhatsApp, can read or listen to them. Tap to learn more."
    ),
    created='{actor} created group "{name}"',
    added="{actor} added {people}",
    joined="{person} joined using this group's invite link",
    left="{person} left",
    removed="{actor} removed {people}",
    subject_changed='{actor} changed the subject from "{old}" to "{new}"',
    icon_changed="{actor} changed this group's icon",
    description_changed="{actor} changed the group description",
    number_changed=(
        "{person} changed their phone number to a new number. Tap to message or add the new number."
    ),
    media_omitted="<Media omitted>",
    deleted="This message was deleted",
    you_deleted="You deleted this message",
    file_attached="{name} (file attached)",
)

ENGLISH_IOS = Phrases(
    you="You",
    you_object="you",
    and_word="and",
    encryption_notice=(
        "Messages and calls are end-to-end encrypted. No one outside of this chat, not even "
        "WhatsApp, can read or listen to them."
    ),
    created="{actor} created group “{name}”",
    added="{actor} added {people}",
    joined="{person} joined using this group's invite link",
    left="{person} left",
    removed="{actor} removed {people}",
    subject_changed="{actor} changed the subject to “{new}”",
    icon_changed="{actor} changed this group's icon",
    description_changed="{actor} changed the group description",
    number_changed=(
        "{person} changed their phone number to a new number. Tap to message or add the new number."
    ),
    media_omitted="{media} omitted",
    deleted="This message was deleted.",
    you_deleted="You deleted this message.",
    file_attached="<attached: {name}>",
)

PORTUGUESE_ANDROID = Phrases(
    you="Você",
    you_object="você",
    and_word="e",
    encryption_notice=(
        "As mensagens e as chamadas são protegidas com a criptografia de ponta a ponta. "
        "Ninguém fora desta conversa, nem mesmo o WhatsApp, pode lê-las ou ouvi-las. "
        "Toque para saber mais."
    ),
    created='{actor} criou o grupo "{name}"',
    added="{actor} adicionou {people}",
    joined="{person} entrou usando o link de convite deste grupo",
    left="{person} saiu",
    removed="{actor} removeu {people}",
    subject_changed='{actor} mudou o nome de "{old}" para "{new}"',
    icon_changed="{actor} mudou a imagem deste grupo",
    description_changed="{actor} mudou a descrição do grupo",
    number_changed=(
        "{person} mudou seu número de telefone para um novo número. Toque para enviar uma "
        "mensagem ou para adicionar o novo número."
    ),
    media_omitted="<Arquivo de mídia oculto>",
    deleted="Mensagem apagada",
    you_deleted="Você apagou esta mensagem",
    file_attached="{name} (arquivo anexado)",
)

# File name parts of iOS attachments and Android media files, by media type.
_IOS_MEDIA = {
    "image": ("PHOTO", "jpg"),
    "audio": ("AUDIO", "opus"),
    "video": ("VIDEO", "mp4"),
    "sticker": ("STICKER", "webp"),
}
_ANDROID_MEDIA = {
    "image": ("IMG", "jpg"),
    "audio": ("PTT", "opus"),
    "video": ("VID", "mp4"),
    "sticker": ("STK", "webp"),
}
_IOS_OMITTED = {"image": "image", "audio": "audio", "video": "video", "sticker": "sticker"}


@dataclass
class ExportFormat:
    """One kind of phone's export layout: headers, phrases, file names."""

    name: str
    platform: Literal["android", "ios"]
    date_order: Literal["DMY", "MDY"]
    language: str
    phrases: Phrases
    twelve_hour: bool = False
    comma: bool = True
    four_digit_year: bool = True
    _cached_minute: tuple[int, ...] = field(default=(), repr=False)
    _cached_header: str = field(default="", repr=False)

    @property
    def seconds(self) -> bool:
        return self.platform == "ios"

    def written_time(self, timestamp: datetime) -> datetime:
        """Return ``timestamp`` as the export writes it (Android drops the seconds)."""
        return timestamp if self.seconds else timestamp.replace(second=0, microsecond=0)

    def header(self, timestamp: datetime) -> str:
        """Return the date and time part that starts a record's first line."""
        if self.platform == "android":
            key = (timestamp.year, timestamp.month, timestamp.day, timestamp.hour, timestamp.minute)
            if key != self._cached_minute:
                self._cached_minute = key
                self._cached_header = f"{self._date(timestamp)}{self._time(timestamp)} - "
            return self._cached_header
        return f"[{self._date(timestamp)}{self._time(timestamp)}] "

    def _date(self, timestamp: datetime) -> str:
        year = f"{timestamp.year}" if self.four_digit_year else f"{timestamp.year % 100:02d}"
        if self.date_order == "MDY":
            text = f"{timestamp.month}/{timestamp.day}/{year}"
        else:
            text = f"{timestamp.day:02d}/{timestamp.month:02d}/{year}"
        return text + (", " if self.comma else " ")

    def _time(self, timestamp: datetime) -> str:
        seconds = f":{timestamp.second:02d}" if self.seconds else ""
        if not self.twelve_hour:
            return f"{timestamp.hour:02d}:{timestamp.minute:02d}{seconds}"
        hour = timestamp.hour % 12 or 12
        suffix = "AM" if timestamp.hour < 12 else "PM"
        return f"{hour}:{timestamp.minute:02d}{seconds}{NNBSP}{suffix}"

    def chat_file_name(self, group_name: str) -> str:
        """Return the chat text's file name (inside a zip for iOS)."""
        if self.platform == "ios":
            return "_chat.txt"
        return f"WhatsApp Chat with {group_name}.txt"

    def export_file_name(self, group_name: str, zipped: bool) -> str:
        """Return the file name WhatsApp gives the export."""
        if self.platform == "ios":
            return f"WhatsApp Chat - {group_name}.zip"
        return f"WhatsApp Chat with {group_name}{'.zip' if zipped else '.txt'}"

    def attachment_name(self, item: Item) -> str:
        """Return the media file name of an attached ``item``, stable across exports."""
        moment = item.timestamp
        if self.platform == "ios":
            label, extension = _IOS_MEDIA[item.media or "image"]
            stamp = moment.strftime("%Y-%m-%d-%H-%M-%S")
            return f"{item.number:08d}-{label}-{stamp}.{extension}"
        label, extension = _ANDROID_MEDIA[item.media or "image"]
        return f"{label}-{moment:%Y%m%d}-WA{item.number % 10000:04d}.{extension}"

    def render(self, item: Item, *, group_name: str, exporter: str | None) -> str:
        """Return the lines of one record, without the final line end."""
        head = self.header(item.timestamp)
        if item.kind == "event":
            body = self.event_text(item, exporter)
            if self.platform == "ios":
                return f"{head}{group_name}: {LRM}{body}"
            return f"{head}{body}"

        if item.kind == "message":
            return f"{head}{item.author}: {item.text}"

        if item.kind == "deleted":
            own = item.author == exporter
            body = self.phrases.you_deleted if own else self.phrases.deleted
            if self.platform == "ios":
                return f"{head}{item.author}: {LRM}{body}"
            return f"{head}{item.author}: {body}"

        body = self.media_text(item)
        if self.platform == "ios":
            return f"{LRM}{head}{item.author}: {LRM}{body}"
        return f"{head}{item.author}: {body}"

    def media_text(self, item: Item) -> str:
        """Return the body of a media record: an attachment or a placeholder."""
        if item.attach:
            return self.phrases.file_attached.format(name=self.attachment_name(item))
        if self.platform == "ios":
            return self.phrases.media_omitted.format(media=_IOS_OMITTED[item.media or "image"])
        return self.phrases.media_omitted

    def event_text(self, item: Item, exporter: str | None) -> str:
        """Return the system phrase of an event as the exporting phone shows it."""
        phrases = self.phrases
        actor = phrases.you if item.actor is not None and item.actor == exporter else item.actor
        people = self._name_list(item.people, exporter)
        person = item.people[0] if item.people else ""
        templates = {
            "encryption_notice": phrases.encryption_notice,
            "created": phrases.created,
            "added": phrases.added,
            "joined": phrases.joined,
            "left": phrases.left,
            "removed": phrases.removed,
            "subject_changed": phrases.subject_changed,
            "icon_changed": phrases.icon_changed,
            "description_changed": phrases.description_changed,
            "number_changed": phrases.number_changed,
        }
        return templates[item.event or ""].format(
            actor=actor,
            people=people,
            person=person,
            name=item.new_name,
            old=item.old_name,
            new=item.new_name,
        )

    def _name_list(self, people: tuple[str, ...], exporter: str | None) -> str:
        names = [self.phrases.you_object if name == exporter else name for name in people]
        if len(names) <= 1:
            return "".join(names)
        return f"{', '.join(names[:-1])} {self.phrases.and_word} {names[-1]}"


def export_format(name: str) -> ExportFormat:
    """Return a fresh :class:`ExportFormat` by its name in :data:`FORMAT_NAMES`."""
    if name not in _FORMAT_FACTORIES:
        known = ", ".join(FORMAT_NAMES)
        raise ValueError(f"unknown export format {name!r}; expected one of: {known}")
    return _FORMAT_FACTORIES[name]()


_FORMAT_FACTORIES = {
    "android": lambda: ExportFormat("android", "android", "DMY", "en", ENGLISH_ANDROID),
    "android-us": lambda: ExportFormat(
        "android-us",
        "android",
        "MDY",
        "en",
        ENGLISH_ANDROID,
        twelve_hour=True,
        four_digit_year=False,
    ),
    "android-pt": lambda: ExportFormat(
        "android-pt", "android", "DMY", "pt", PORTUGUESE_ANDROID, comma=False
    ),
    "ios": lambda: ExportFormat("ios", "ios", "DMY", "en", ENGLISH_IOS),
    "ios-us": lambda: ExportFormat(
        "ios-us", "ios", "MDY", "en", ENGLISH_IOS, twelve_hour=True, four_digit_year=False
    ),
}

FORMAT_NAMES: tuple[str, ...] = tuple(_FORMAT_FACTORIES)
"""The export formats the generator writes, for ``--format``."""

FORMAT_DESCRIPTIONS = {
    "android": "Android, British English: 12/01/2024, 09:15 - Name: text",
    "android-us": "Android, US English: 1/12/24, 9:15 AM - Name: text (U+202F before AM/PM)",
    "android-pt": "Android, Portuguese: 12/01/2024 09:15 - Name: text",
    "ios": "iOS, British English: [12/01/2024, 09:15:03] Name: text",
    "ios-us": "iOS, US English: [1/12/24, 9:15:03 AM] Name: text (U+202F before AM/PM)",
}
