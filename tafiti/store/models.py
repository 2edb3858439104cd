"""The database schema: SQLAlchemy 2 typed models.

The unique keys carry the dedupe rules: a message or event is one row per
``(identity, group_id)``, where ``identity`` is a 16-byte hash of its content
(see ``tafiti.store.identity``). Binary, so no collation can fold "ok" and "OK".
A message deleted after it was stored also keeps the identity of its deletion
notice in ``deletion_identity``, unique in the group as well.

Changing a model needs a new migration in ``tafiti/store/migrations/versions``.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Message text can exceed 64 KB; on MySQL plain TEXT stops there.
LongText = Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")
Identity = LargeBinary(16).with_variant(mysql.BINARY(16), "mysql", "mariadb")
BigId = BigInteger().with_variant(Integer(), "sqlite")


def _exact_string(length: int) -> String:
    """Return a string type that MySQL compares byte for byte instead of folding case and accents.

    Exported names and file keys are distinct when their bytes are: "Jose" and
    "José" are two senders, "a.txt" and "A.txt" two files.
    """
    return String(length).with_variant(
        mysql.VARCHAR(length, charset="utf8mb4", collation="utf8mb4_bin"), "mysql", "mariadb"
    )


# Lengths of the export file columns that hold what a source lists.
SOURCE_CHARS = 255
KEY_CHARS = 512
FILE_NAME_CHARS = 512
# Length of a message's attachment (file name) column.
ATTACHMENT_CHARS = 512


def fitted(text: str, chars: int) -> str:
    """Return ``text``, or when it is longer than ``chars``, its start and a digest of the whole.

    Different texts give different results unless their 128-bit digests
    collide, and a text gives the same result on every sync, so a long export
    path still identifies its row.
    """
    if len(text) <= chars:
        return text
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"{text[: chars - len(digest) - 1]}~{digest}"


# Every table is utf8mb4 on MySQL whatever the server's default, so emoji fit.
MYSQL_TABLE_OPTIONS = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_unicode_ci",
}


class Base(DeclarativeBase):
    pass


class Group(Base):
    """A WhatsApp group; its slug is fixed when first stored, its name follows renames.

    ``timezone`` and the other metadata columns come from the group metadata
    file; a NULL ``timezone`` means the ``timezone`` setting applies.
    """

    __tablename__ = "groups"
    __table_args__ = (MYSQL_TABLE_OPTIONS,)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(191), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    name_changed_at: Mapped[datetime | None] = mapped_column(DateTime)
    timezone: Mapped[str | None] = mapped_column(String(64))
    cohort: Mapped[str | None] = mapped_column(String(255))
    programme: Mapped[str | None] = mapped_column(String(255))
    advisor: Mapped[str | None] = mapped_column(String(255))
    start_date: Mapped[date | None] = mapped_column(Date)
    # "event" when the name comes from a subject change or group creation,
    # "export" when it comes from an export's file name (no naming event known).
    name_source: Mapped[str] = mapped_column(String(16), default="export")
    # Metadata without a column of its own: facilitators, aliases.
    info: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class Participant(Base):
    """A name as exported (contact or phone number) that wrote in a group, or was added or joined.

    ``canonical_name`` is the person the group metadata's aliases map the name to.
    """

    __tablename__ = "participants"
    __table_args__ = (
        UniqueConstraint("group_id", "name", name="uq_participant_group_name"),
        MYSQL_TABLE_OPTIONS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(_exact_string(255))
    canonical_name: Mapped[str] = mapped_column(String(255))
    is_facilitator: Mapped[bool] = mapped_column(Boolean, default=False)
    first_seen: Mapped[datetime | None] = mapped_column(DateTime)
    last_seen: Mapped[datetime | None] = mapped_column(DateTime)


class ExportFile(Base):
    """One export file seen in a source, with what happened to it at its last sync."""

    __tablename__ = "export_files"
    __table_args__ = (
        UniqueConstraint("source", "key", name="uq_export_source_key"),
        MYSQL_TABLE_OPTIONS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Longer values are stored fitted (see fitted()).
    source: Mapped[str] = mapped_column(_exact_string(SOURCE_CHARS))
    key: Mapped[str] = mapped_column(_exact_string(KEY_CHARS))
    name: Mapped[str] = mapped_column(String(FILE_NAME_CHARS))
    # The group name in the file name ("WhatsApp Chat with <name>.txt"), if any.
    chat_name: Mapped[str | None] = mapped_column(String(255))
    checksum: Mapped[str] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column(BigInteger)
    modified: Mapped[datetime | None] = mapped_column(DateTime)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16))  # imported | skipped | failed
    error: Mapped[str | None] = mapped_column(Text)
    format: Mapped[str | None] = mapped_column(String(64))
    date_order: Mapped[str | None] = mapped_column(String(3))
    date_order_reason: Mapped[str | None] = mapped_column(String(255))
    records: Mapped[int] = mapped_column(Integer, default=0)
    new_records: Mapped[int] = mapped_column(Integer, default=0)
    known_records: Mapped[int] = mapped_column(Integer, default=0)
    warnings: Mapped[list | None] = mapped_column(JSON)
    first_record_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_record_at: Mapped[datetime | None] = mapped_column(DateTime)
    imported_checksum: Mapped[str | None] = mapped_column(String(64))
    imported_at: Mapped[datetime | None] = mapped_column(DateTime)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)


class Message(Base):
    """A message, media item or deleted-message notice, stored once per group."""

    __tablename__ = "messages"
    __table_args__ = (
        # Identity first, so the key also finds which stored group an export
        # overlaps, before the group is known.
        UniqueConstraint("identity", "group_id", name="uq_message_identity"),
        UniqueConstraint("group_id", "deletion_identity", name="uq_message_deletion_identity"),
        Index("ix_messages_group_time", "group_id", "timestamp"),
        Index("ix_messages_participant", "participant_id"),
        MYSQL_TABLE_OPTIONS,
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"))
    identity: Mapped[bytes] = mapped_column(Identity)
    deletion_identity: Mapped[bytes | None] = mapped_column(Identity)
    timestamp: Mapped[datetime] = mapped_column(DateTime)
    # message | media | deleted; a message deleted after it was stored keeps its
    # kind and text and gets deleted=True.
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(LongText)
    # Longer file names are stored fitted (see fitted()).
    attachment: Mapped[str | None] = mapped_column(String(ATTACHMENT_CHARS))
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    language: Mapped[str | None] = mapped_column(String(8))
    export_file_id: Mapped[int | None] = mapped_column(
        ForeignKey("export_files.id", ondelete="SET NULL")
    )


class Event(Base):
    """A system line: joins, leaves, renames, encryption notices and the like."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("identity", "group_id", name="uq_event_identity"),
        Index("ix_events_group_time", "group_id", "timestamp"),
        MYSQL_TABLE_OPTIONS,
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    identity: Mapped[bytes] = mapped_column(Identity)
    timestamp: Mapped[datetime] = mapped_column(DateTime)
    type: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(LongText)
    actor: Mapped[str | None] = mapped_column(String(255))
    people: Mapped[list | None] = mapped_column(JSON)
    old_name: Mapped[str | None] = mapped_column(String(255))
    new_name: Mapped[str | None] = mapped_column(String(255))
    export_file_id: Mapped[int | None] = mapped_column(
        ForeignKey("export_files.id", ondelete="SET NULL")
    )


class Lock(Base):
    """A named row that a sync locks (``SELECT … FOR UPDATE``) while it writes one export.

    The migration that creates the table inserts the row ``"sync"``.
    """

    __tablename__ = "locks"
    __table_args__ = (MYSQL_TABLE_OPTIONS,)

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
