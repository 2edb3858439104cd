"""Lead the identity unique keys with the identity and drop the identity-only indexes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04

``messages`` and ``events`` each had a unique key on ``(group_id, identity)``
and an index on ``identity`` alone, both keyed by a random 16-byte hash, so
every inserted row went to a random page of two indexes. One unique key on
``(identity, group_id)`` keeps the rule (one row per identity in a group) and
also serves the lookup by identity alone, which finds the group an export
overlaps. Queries by group use ``ix_*_group_time``.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table, unique key name, identity-only index name
TABLES = (
    ("messages", "uq_message_identity", "ix_messages_identity"),
    ("events", "uq_event_identity", "ix_events_identity"),
)


def upgrade() -> None:
    for table, unique_key, index in TABLES:
        _replace_keys(table, unique_key, index, ["identity", "group_id"], drop_index=True)


def downgrade() -> None:
    for table, unique_key, index in TABLES:
        _replace_keys(table, unique_key, index, ["group_id", "identity"], drop_index=False)


def _replace_keys(
    table: str, unique_key: str, index: str, columns: list[str], *, drop_index: bool
) -> None:
    """Give ``unique_key`` the columns ``columns``, and drop or create the identity index."""
    if op.get_context().dialect.name in ("mysql", "mariadb"):
        # One ALTER TABLE, so the table is never without its unique key: MySQL
        # commits each DDL statement on its own.
        index_change = f"DROP INDEX {index}" if drop_index else f"ADD INDEX {index} (identity)"
        op.execute(
            f"ALTER TABLE {table} DROP INDEX {unique_key}, "
            f"ADD CONSTRAINT {unique_key} UNIQUE ({', '.join(columns)}), {index_change}"
        )
        return

    if drop_index:
        op.drop_index(index, table_name=table)
    with op.batch_alter_table(table) as batch:
        batch.drop_constraint(unique_key, type_="unique")
        batch.create_unique_constraint(unique_key, columns)
    if not drop_index:
        op.create_index(index, table, ["identity"])
