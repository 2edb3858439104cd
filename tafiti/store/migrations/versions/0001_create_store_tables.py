"""Create the store tables: groups, participants, export files, messages, events, locks.

Revision ID: 0001
Revises:
Create Date: 2026-12-04

The types are spelled out here rather than imported from ``tafiti.store.models``,
so this revision keeps creating the same schema when the models change later.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MYSQL_TABLE_OPTIONS = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_unicode_ci",
}


def _exact_string(length: int) -> sa.types.TypeEngine:
    return sa.String(length).with_variant(
        mysql.VARCHAR(length, charset="utf8mb4", collation="utf8mb4_bin"), "mysql", "mariadb"
    )


def _long_text() -> sa.types.TypeEngine:
    return sa.Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")


def _identity() -> sa.types.TypeEngine:
    return sa.LargeBinary(16).with_variant(mysql.BINARY(16), "mysql", "mariadb")


def _big_id() -> sa.types.TypeEngine:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(191), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("name_changed_at", sa.DateTime(), nullable=True),
        sa.Column("timezone", sa.String(64), nullable=True),
        sa.Column("cohort", sa.String(255), nullable=True),
        sa.Column("programme", sa.String(255), nullable=True),
        sa.Column("advisor", sa.String(255), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("name_source", sa.String(16), nullable=False),
        sa.Column("info", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slug"),
        **MYSQL_TABLE_OPTIONS,
    )
    locks = op.create_table(
        "locks",
        sa.Column("name", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("name"),
        **MYSQL_TABLE_OPTIONS,
    )
    op.bulk_insert(locks, [{"name": "sync"}])

    op.create_table(
        "export_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", _exact_string(255), nullable=False),
        sa.Column("key", _exact_string(512), nullable=False),
        sa.Column("name", sa.String(512), nullable=False),
        sa.Column("chat_name", sa.String(255), nullable=True),
        sa.Column("checksum", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("modified", sa.DateTime(), nullable=True),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("format", sa.String(64), nullable=True),
        sa.Column("date_order", sa.String(3), nullable=True),
        sa.Column("date_order_reason", sa.String(255), nullable=True),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("new_records", sa.Integer(), nullable=False),
        sa.Column("known_records", sa.Integer(), nullable=False),
        sa.Column("warnings", sa.JSON(), nullable=True),
        sa.Column("first_record_at", sa.DateTime(), nullable=True),
        sa.Column("last_record_at", sa.DateTime(), nullable=True),
        sa.Column("imported_checksum", sa.String(64), nullable=True),
        sa.Column("imported_at", sa.DateTime(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["group_id"], ["groups.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "key", name="uq_export_source_key"),
        **MYSQL_TABLE_OPTIONS,
    )
    op.create_table(
        "participants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("name", _exact_string(255), nullable=False),
        sa.Column("canonical_name", sa.String(255), nullable=False),
        sa.Column("is_facilitator", sa.Boolean(), nullable=False),
        sa.Column("first_seen", sa.DateTime(), nullable=True),
        sa.Column("last_seen", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["group_id"], ["groups.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("group_id", "name", name="uq_participant_group_name"),
        **MYSQL_TABLE_OPTIONS,
    )
    op.create_table(
        "messages",
        sa.Column("id", _big_id(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("identity", _identity(), nullable=False),
        sa.Column("deletion_identity", _identity(), nullable=True),
        sa.Column("timestamp", sa.DateTime(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("text", _long_text(), nullable=False),
        sa.Column("attachment", sa.String(512), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("language", sa.String(8), nullable=True),
        sa.Column("export_file_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["export_file_id"], ["export_files.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["group_id"], ["groups.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("group_id", "identity", name="uq_message_identity"),
        sa.UniqueConstraint("group_id", "deletion_identity", name="uq_message_deletion_identity"),
        **MYSQL_TABLE_OPTIONS,
    )
    op.create_index("ix_messages_group_time", "messages", ["group_id", "timestamp"])
    op.create_index("ix_messages_identity", "messages", ["identity"])
    op.create_index("ix_messages_participant", "messages", ["participant_id"])

    op.create_table(
        "events",
        sa.Column("id", _big_id(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("identity", _identity(), nullable=False),
        sa.Column("timestamp", sa.DateTime(), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("text", _long_text(), nullable=False),
        sa.Column("actor", sa.String(255), nullable=True),
        sa.Column("people", sa.JSON(), nullable=True),
        sa.Column("old_name", sa.String(255), nullable=True),
        sa.Column("new_name", sa.String(255), nullable=True),
        sa.Column("export_file_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["export_file_id"], ["export_files.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["group_id"], ["groups.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("group_id", "identity", name="uq_event_identity"),
        **MYSQL_TABLE_OPTIONS,
    )
    op.create_index("ix_events_group_time", "events", ["group_id", "timestamp"])
    op.create_index("ix_events_identity", "events", ["identity"])


def downgrade() -> None:
    op.drop_table("events")
    op.drop_table("messages")
    op.drop_table("participants")
    op.drop_table("export_files")
    op.drop_table("locks")
    op.drop_table("groups")
