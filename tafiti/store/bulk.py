"""Insert many rows in few statements, without SQLAlchemy's per-row statement work.

:func:`insert_columns` takes the values column by column and sends them through
``Connection.exec_driver_sql``, so the rows join the caller's transaction and
driver errors reach the caller as SQLAlchemy errors, as with
``connection.execute(table.insert(), rows)``. A column can also be a function
that computes its values one batch at a time, so that costly values (a
language guess, say) are worked out while the previous batch is being stored.

- MySQL/MariaDB: one multi-row ``INSERT … VALUES (…), (…)`` per batch, the
  values written as SQL literals. PyMySQL's own ``executemany`` builds the
  same statement, but it escapes each value through a generic per-type
  lookup, which took most of the import time. Here each column is converted
  in one list comprehension. A second thread sends each statement while this one
  writes the next, so the server's work and the Python work overlap.
- SQLite: the sqlite3 module's ``executemany``, one call per batch.

Values go through each column type's bind processor first (SQLAlchemy's
conversion of JSON and, on SQLite, of datetimes), so the stored values are
the ones ``connection.execute(table.insert(), rows)`` would store.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Connection, LargeBinary, Table

# Characters of one multi-row INSERT. At 4 bytes a character (the utf8mb4
# maximum) a statement stays under 16 MB, the default max_allowed_packet of
# MariaDB 10.11 (MySQL 8.0's default is 64 MB).
MAX_STATEMENT_CHARS = 4_000_000


# A column's values, or a function returning the values of rows ``start`` to
# before ``stop``.
ColumnValues = Sequence[Any] | Callable[[int, int], Sequence[Any]]


def insert_columns(
    connection: Connection,
    table: Table,
    columns: Mapping[str, ColumnValues],
    *,
    batch_rows: int,
    after_batch: Callable[[], None] | None = None,
) -> int:
    """Insert the rows given column by column into ``table``.

    The value lists must be of equal length, and at least one column must be a
    list. A column given as a function is called once per batch.

    Returns the number of rows inserted. ``after_batch`` runs after each
    statement sent to the database. On MySQL it runs in the sending thread,
    while the caller's thread waits for the insert to finish.
    """
    names = list(columns)
    lengths = {len(values) for values in columns.values() if not callable(values)}
    if len(lengths) != 1:
        raise ValueError(
            f"columns of {table.name} must be lists of one length (at least one list): "
            f"{sorted(lengths)}"
        )
    count = lengths.pop()
    if count == 0:
        return 0

    processors = _bind_processors(connection, table, names)
    batches = (
        [
            _processed(_batch_values(columns[name], start, min(start + batch_rows, count)), process)
            for name, process in zip(names, processors, strict=True)
        ]
        for start in range(0, count, batch_rows)
    )
    quote = connection.dialect.identifier_preparer.quote
    head = f"INSERT INTO {quote(table.name)} ({', '.join(quote(name) for name in names)}) VALUES "
    if connection.dialect.name in ("mysql", "mariadb"):
        _insert_mysql(connection, head, batches, after_batch)
    else:
        _insert_sqlite(connection, head, len(names), batches, after_batch)
    return count


def _bind_processors(
    connection: Connection, table: Table, names: Sequence[str]
) -> list[Callable[[Any], Any] | None]:
    dialect = connection.dialect
    processors = []
    for name in names:
        column_type = table.c[name].type
        # Both drivers take bytes and bools as they are; SQLAlchemy's processors
        # for these types only copy them or turn bools into ints.
        if isinstance(column_type, LargeBinary | Boolean):
            processors.append(None)
        else:
            processors.append(column_type.dialect_impl(dialect).bind_processor(dialect))
    return processors


def _batch_values(column: ColumnValues, start: int, stop: int) -> Sequence[Any]:
    if callable(column):
        values = column(start, stop)
        if len(values) != stop - start:
            raise ValueError(f"a column function gave {len(values)} values for {stop - start} rows")
        return values
    return column[start:stop]


def _processed(values: Sequence[Any], process: Callable[[Any], Any] | None) -> Sequence[Any]:
    if process is None:
        return values
    return [None if value is None else process(value) for value in values]


def _insert_sqlite(
    connection: Connection,
    head: str,
    width: int,
    batches: Iterator[list[Sequence[Any]]],
    after_batch: Callable[[], None] | None,
) -> None:
    statement = head + "(" + ", ".join("?" * width) + ")"
    for batch in batches:
        connection.exec_driver_sql(statement, list(zip(*batch, strict=True)))
        if after_batch is not None:
            after_batch()


def _insert_mysql(
    connection: Connection,
    head: str,
    batches: Iterator[list[Sequence[Any]]],
    after_batch: Callable[[], None] | None,
) -> None:
    escape_strings = _string_escaper(connection)
    sender = _StatementSender(connection, after_batch)
    try:
        for batch in batches:
            literals = [_column_literals(values, escape_strings) for values in batch]
            rows = ["(" + ",".join(row) + ")" for row in zip(*literals, strict=True)]
            for statement in _statements(head, rows):
                if not sender.send(statement):
                    return
    finally:
        sender.finish()


def _statements(head: str, rows: list[str]) -> list[str]:
    """Join ``rows`` into as few statements of at most MAX_STATEMENT_CHARS as they fit in."""
    statements = []
    start, size = 0, len(head)
    for index, row in enumerate(rows):
        if index > start and size + len(row) + 1 > MAX_STATEMENT_CHARS:
            statements.append(head + ",".join(rows[start:index]))
            start, size = index, len(head)
        size += len(row) + 1
    statements.append(head + ",".join(rows[start:]))
    return statements


class _StatementSender:
    """Send statements on ``connection`` from a second thread, one at a time, in order.

    The caller's thread must not use the connection until :meth:`finish`
    returns. The first error stops the sending, and :meth:`finish` raises it.
    """

    def __init__(self, connection: Connection, after_batch: Callable[[], None] | None) -> None:
        self._connection = connection
        self._after_batch = after_batch
        # One statement running and one waiting keep both threads busy.
        self._queue: queue.Queue[str | None] = queue.Queue(maxsize=1)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="tafiti-insert", daemon=True)
        self._thread.start()

    def send(self, statement: str) -> bool:
        """Queue ``statement``; return False when an earlier statement failed."""
        if self._error is not None:
            return False
        self._queue.put(statement)
        return True

    def finish(self) -> None:
        """Wait until every queued statement has run; raise the first error."""
        self._queue.put(None)
        self._thread.join()
        error, self._error = self._error, None
        if error is not None:
            # The sender drops the error first. Its traceback refers to the sending
            # thread's frame, which refers to this sender, so keeping it would make a
            # reference cycle. The cycle would keep the caller's frames (and a failed
            # export's records) alive until the next garbage collection.
            raise error

    def _run(self) -> None:
        while (statement := self._queue.get()) is not None:
            if self._error is not None:
                continue
            try:
                # Without parameters the driver sends the text as it is, so
                # a "%" in a message is not read as a placeholder.
                self._connection.exec_driver_sql(
                    statement, execution_options={"no_parameters": True}
                )
                if self._after_batch is not None:
                    self._after_batch()
            except BaseException as error:  # noqa: BLE001 - raised again by finish()
                self._error = error


def _string_escaper(connection: Connection) -> Callable[[Sequence[str]], list[str]]:
    """Return a function writing strings as MySQL string literals in the session's quoting mode.

    With NO_BACKSLASH_ESCAPES in the session's sql_mode a backslash is an
    ordinary character and only the quote is doubled. Otherwise backslash and
    quote are escaped with a backslash, and so is NUL, as
    ``mysql_real_escape_string`` does. Other characters, line breaks
    included, are valid inside a quoted literal as they are.
    """
    # PyMySQL's own escaping follows the mode the server reported; probe it.
    dbapi_connection = connection.connection.dbapi_connection
    assert dbapi_connection is not None
    if dbapi_connection.escape("\\") == "'\\'":

        def escape_doubling(values: Sequence[str]) -> list[str]:
            return ["'" + value.replace("'", "''") + "'" for value in values]

        return escape_doubling

    def escape_backslash(values: Sequence[str]) -> list[str]:
        return [
            "'" + value.replace("\\", "\\\\").replace("'", "\\'").replace("\0", "\\0") + "'"
            for value in values
        ]

    return escape_backslash


def _column_literals(
    values: Sequence[Any], escape_strings: Callable[[Sequence[str]], list[str]]
) -> list[str]:
    """Write one column's values as SQL literals.

    The first value that is not None picks the writer. Each writer raises
    on a value of another type (``str.replace``, ``bytes.hex``, format code ``d`` and
    ``isoformat`` exist only for their own types), so no value is ever
    written unescaped.
    """
    sample = next((value for value in values if value is not None), None)
    if sample is None:
        return ["NULL"] * len(values)
    has_null = None in values
    present = [value for value in values if value is not None] if has_null else values

    if isinstance(sample, str):
        written = _string_literals(present, escape_strings)
    elif isinstance(sample, bytes):
        written = ["X'" + value.hex() + "'" for value in present]
    elif isinstance(sample, int):
        written = [f"{value:d}" for value in present]
    elif isinstance(sample, datetime):
        written = ["'" + value.isoformat(" ") + "'" for value in present]
    elif isinstance(sample, date):
        written = ["'" + value.isoformat() + "'" for value in present]
    else:
        raise TypeError(f"no SQL literal for values of type {type(sample).__name__}")
    if not has_null:
        return written
    filled = iter(written)
    return ["NULL" if value is None else next(filled) for value in values]


def _string_literals(
    values: Sequence[str], escape_strings: Callable[[Sequence[str]], list[str]]
) -> list[str]:
    # Chat columns repeat values ("message", "en", "ok"), so each distinct
    # string is escaped once.
    distinct = dict.fromkeys(values)
    if len(distinct) > len(values) // 2:
        return escape_strings(values)
    literals = dict(zip(distinct, escape_strings(list(distinct)), strict=True))
    return [literals[value] for value in values]
