"""Syncing exports into the store, on SQLite and on the MariaDB server.

Expected values come from the corpus ``.expected.json`` files and from the
exports these tests write themselves, never from tafiti's parser.
"""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from store_helpers import (
    AUTHORS,
    START,
    CountingSource,
    count_rows,
    expected_records,
    export_file_rows,
    numbered_messages,
    stored_records,
    table_snapshot,
    write_export,
)

from tafiti.sources import LocalFolderSource
from tafiti.store.db import dispose_engines, get_engine
from tafiti.store.models import Event, Group, Message, Participant
from tafiti.store.queries import list_export_files, list_groups
from tafiti.store.sync import sync_source

DUKA = "WhatsApp Chat with Duka Bora C5 - Kisumu"
COHORT_5 = "WhatsApp Chat with Duka Bora Cohort 5"


@pytest.fixture()
def engine(database_url, settings):
    engine = get_engine(database_url)
    yield engine
    dispose_engines()


@pytest.fixture()
def exports(settings) -> Path:
    return Path(settings.source)


def _sync(folder: Path, engine, settings):
    return sync_source(LocalFolderSource(folder), engine, settings)


def _stored_texts(engine) -> list[str]:
    """Return the text of every stored message, oldest first."""
    table = Message.__table__
    with engine.connect() as connection:
        return list(connection.execute(select(table.c.text).order_by(table.c.timestamp)).scalars())


@pytest.mark.parametrize("first", [COHORT_5, DUKA])
def test_resync_corpus_gives_one_group(first, corpus, engine, settings, tmp_path):
    second = DUKA if first == COHORT_5 else COHORT_5
    for index, name in enumerate((first, second)):
        folder = tmp_path / f"round-{index}"
        folder.mkdir()
        shutil.copy(corpus / "resync" / f"{name}.txt", folder)
        summary = _sync(folder, engine, settings)
        assert summary.imported == 1
        assert summary.failed == 0

    groups = list_groups(engine)
    assert [group["name"] for group in groups] == ["Duka Bora C5 - Kisumu"]
    case = corpus / "cases" / f"{DUKA}.expected.json"
    assert stored_records(engine, groups[0]["slug"]) == expected_records(case)


def test_resync_corpus_in_one_sync(corpus, engine, settings):
    summary = _sync(corpus / "resync", engine, settings)

    assert summary.imported == 2
    assert summary.new_messages + summary.new_events == 15
    case = corpus / "cases" / f"{DUKA}.expected.json"
    (group,) = list_groups(engine)
    assert stored_records(engine, group["slug"]) == expected_records(case)


def test_identical_oks_in_one_minute_stay_two(corpus, engine, settings, exports):
    shutil.copy(corpus / "cases" / "WhatsApp Chat with Marudio.txt", exports)
    _sync(exports, engine, settings)
    # The same export again under another name adds nothing.
    (exports / "copy").mkdir()
    shutil.copy(exports / "WhatsApp Chat with Marudio.txt", exports / "copy" / "Marudio.txt")
    summary = _sync(exports, engine, settings)

    assert summary.new_messages == 0
    (group,) = list_groups(engine)
    case = corpus / "cases" / "WhatsApp Chat with Marudio.expected.json"
    assert stored_records(engine, group["slug"]) == expected_records(case)
    oks = [record for record in stored_records(engine, group["slug"]) if record[2] == "ok"]
    assert [(record[0], record[1]) for record in oks] == [
        ("2023-06-05T09:00:00", "Salma"),
        ("2023-06-05T09:00:00", "Salma"),
        ("2023-06-05T09:01:00", "Musa"),
    ]


def test_long_message_with_emoji_round_trips(engine, settings, exports):
    unit = "Karibu dukani 🙏🏽 bei nafuu 😀 "
    text = (unit * (100_000 // len(unit) + 1))[: 100_000 - 1] + "🎉"
    assert len(text) == 100_000
    write_export(exports / "WhatsApp Chat with Emoji 🎉.txt", [(START, "Zawadi 🌻", text)])

    summary = _sync(exports, engine, settings)

    assert summary.failed == 0
    with engine.connect() as connection:
        row = connection.execute(select(Message.__table__.c.text)).one()
        author = connection.execute(select(Participant.__table__.c.name)).scalar_one()
        group_name = connection.execute(select(Group.__table__.c.name)).scalar_one()
    assert row.text == text
    assert author == "Zawadi 🌻"
    assert group_name == "Emoji 🎉"


SPECIAL_TEXTS = (
    "Punguzo la 50% leo",
    "%s %d %(name)s %%",
    "It's Baraka's duka",
    'Alisema "karibu"',
    "C:\\Users\\duka\\bei.xlsx",
    "backslash before quote \\' and at the end \\",
    "tab\there",
    "line one\nline two\n\nline four",
    "emoji 🙏🏽🎉 and ñ, ç, ã",
)


def test_special_characters_round_trip(engine, settings, exports):
    messages = [
        (START + timedelta(minutes=index), AUTHORS[index % 3], text)
        for index, text in enumerate(SPECIAL_TEXTS)
    ]
    write_export(exports / "WhatsApp Chat with Mauzo.txt", messages)

    summary = _sync(exports, engine, settings)

    assert summary.failed == 0
    assert _stored_texts(engine) == list(SPECIAL_TEXTS)


def test_statements_split_by_size_store_every_row(engine, settings, exports, monkeypatch):
    monkeypatch.setattr("tafiti.store.bulk.MAX_STATEMENT_CHARS", 2_000)
    history = numbered_messages(300)
    write_export(exports / "WhatsApp Chat with Mauzo.txt", history)

    summary = _sync(exports, engine, settings)

    assert summary.new_messages == 300
    assert _stored_texts(engine) == [text for _, _, text in history]


def _foreign_key_checks(connection) -> int:
    return connection.exec_driver_sql("SELECT @@SESSION.foreign_key_checks").scalar_one()


@pytest.mark.mysql
def test_foreign_key_checks_restored(mysql_url):
    from tafiti.store.importer import _foreign_key_checks_off

    engine = get_engine(mysql_url)
    with engine.connect() as connection:
        with _foreign_key_checks_off(connection):
            during = _foreign_key_checks(connection)
        after = _foreign_key_checks(connection)
        with pytest.raises(RuntimeError, match="insert failed"):
            with _foreign_key_checks_off(connection):
                raise RuntimeError("insert failed")
        after_failure = _foreign_key_checks(connection)
    dispose_engines()

    assert during == 0
    assert after == 1
    assert after_failure == 1


def test_failed_import_frees_its_records(engine, settings, exports, monkeypatch):
    """A failed export's records are freed when its sync ends, without waiting for the collector.

    A database error takes part in reference cycles, and its traceback refers to
    the frames that refer to the records. Logging is turned off while the sync
    runs, because pytest's log capture keeps every record, with the logged error.
    """
    import gc
    import logging

    from tafiti.parsing.records import Record

    def failing_insert(connection, *args):
        connection.exec_driver_sql("SELECT * FROM no_such_table")

    monkeypatch.setattr("tafiti.store.importer._insert_events", failing_insert)
    for index in range(3):
        write_export(exports / f"WhatsApp Chat with Mauzo {index}.txt", numbered_messages(200))

    def records_alive() -> int:
        return sum(isinstance(item, Record) for item in gc.get_objects())

    collecting = gc.isenabled()
    logging.disable(logging.CRITICAL)
    gc.disable()
    try:
        before = records_alive()
        summary = _sync(exports, engine, settings)
        after = records_alive()
    finally:
        if collecting:
            gc.enable()
        logging.disable(logging.NOTSET)

    assert summary.failed == 3
    assert all("no_such_table" in row.error for row in export_file_rows(engine))
    assert after == before


def test_attachment_name_longer_than_column(engine, settings, exports):
    name = "Ripoti ya mauzo " + "x" * 600 + ".pdf"
    write_export(
        exports / "WhatsApp Chat with Mauzo.txt",
        [
            (START, AUTHORS[0], f"{name} (file attached)"),
            (START + timedelta(minutes=1), AUTHORS[1], "Asante"),
        ],
    )

    summary = _sync(exports, engine, settings)

    table = Message.__table__
    with engine.connect() as connection:
        stored = connection.execute(
            select(table.c.attachment).where(table.c.kind == "media")
        ).scalar_one()
    assert (summary.imported, summary.failed, summary.new_messages) == (1, 0, 2)
    assert len(stored) == 512
    assert stored.startswith("Ripoti ya mauzo xxx")
    assert stored != name[:512]


# Texts whose language a reader can tell, with that language; a media
# message gets no language.
LABELLED_TEXTS = (
    ("Asante sana", "sw"),
    ("Thank you very much", "en"),
    ("Obrigado a todos", "pt"),
    ("<Media omitted>", None),
)


def test_language_stored_across_batches(engine, settings, exports, monkeypatch):
    # Batches of 7 rows: the same texts come back in later batches, and each
    # batch's guesses must land on that batch's rows.
    monkeypatch.setattr("tafiti.store.importer.BATCH_SIZE", 7)
    labelled = [LABELLED_TEXTS[(index * index) % 4] for index in range(50)]
    messages = [
        (START + timedelta(minutes=index), AUTHORS[index % 3], text)
        for index, (text, _) in enumerate(labelled)
    ]
    write_export(exports / "WhatsApp Chat with Mauzo.txt", messages)

    summary = _sync(exports, engine, settings)

    table = Message.__table__
    with engine.connect() as connection:
        stored = connection.execute(
            select(table.c.text, table.c.language).order_by(table.c.timestamp)
        ).all()
    assert summary.new_messages == 50
    assert [tuple(row) for row in stored] == [
        ("" if text == "<Media omitted>" else text, language) for text, language in labelled
    ]


def test_later_export_adds_only_new_messages(engine, settings, exports):
    history = numbered_messages(150)
    write_export(exports / "WhatsApp Chat with Mauzo.txt", history[:100])
    _sync(exports, engine, settings)

    write_export(exports / "later" / "WhatsApp Chat with Mauzo.txt", history)
    summary = _sync(exports, engine, settings)

    assert summary.imported == 1
    assert summary.skipped == 1
    assert summary.new_messages == 50
    assert count_rows(engine, Message) == 150
    later = next(row for row in export_file_rows(engine) if row.key.startswith("later/"))
    assert (later.records, later.new_records, later.known_records) == (150, 50, 100)
    assert later.status == "imported"


def test_export_path_longer_than_key_column(engine, settings, exports):
    folder = exports / ("cohort-" + "k" * 200) / ("archive-" + "m" * 200) / ("week-" + "n" * 200)
    path = write_export(folder / "WhatsApp Chat with Mauzo.txt", numbered_messages(30))
    key = path.relative_to(exports).as_posix()
    assert len(key) > 600

    first = _sync(exports, engine, settings)
    second = _sync(exports, engine, settings)

    assert (first.imported, first.failed, first.new_messages) == (1, 0, 30)
    assert (second.imported, second.skipped, second.failed) == (0, 1, 0)
    assert count_rows(engine, Message) == 30
    (row,) = export_file_rows(engine)
    assert len(row.key) == 512
    assert row.key.startswith(key[:400])
    assert row.key != key[:512]
    assert row.status == "skipped"


def test_two_long_paths_keep_two_rows(engine, settings, exports):
    shared = "cohort-" + "k" * 240 + "/" + "m" * 240
    for index in (1, 2):
        write_export(
            exports / shared / f"round-{index}" / "WhatsApp Chat with Mauzo.txt",
            numbered_messages(10 * index),
        )

    summary = _sync(exports, engine, settings)

    assert (summary.imported, summary.failed) == (2, 0)
    keys = [row.key for row in export_file_rows(engine)]
    assert len(set(keys)) == 2
    assert all(len(key) == 512 for key in keys)


def test_replaced_file_is_reimported(engine, settings, exports):
    history = numbered_messages(40)
    path = write_export(exports / "WhatsApp Chat with Mauzo.txt", history[:30])
    _sync(exports, engine, settings)

    write_export(path, history)
    source = CountingSource(exports)
    summary = sync_source(source, engine, settings)

    assert source.fetched == ["WhatsApp Chat with Mauzo.txt"]
    assert summary.imported == 1
    assert summary.new_messages == 10
    assert count_rows(engine, Message) == 40
    (row,) = export_file_rows(engine)
    assert (row.status, row.records, row.new_records, row.known_records) == ("imported", 40, 10, 30)


def test_unchanged_file_is_skipped_without_parsing(engine, settings, exports, monkeypatch):
    write_export(exports / "WhatsApp Chat with Mauzo.txt", numbered_messages(20))
    _sync(exports, engine, settings)
    before = table_snapshot(engine)

    import tafiti.parsing

    parsed: list[str] = []
    real_parse = tafiti.parsing.parse_bytes
    monkeypatch.setattr(
        tafiti.parsing,
        "parse_bytes",
        lambda data, filename, **options: (
            parsed.append(filename) or real_parse(data, filename, **options)
        ),
    )
    source = CountingSource(exports)
    summary = sync_source(source, engine, settings)

    assert source.fetched == []
    assert parsed == []
    assert (summary.imported, summary.skipped, summary.failed) == (0, 1, 0)
    (row,) = export_file_rows(engine)
    assert (row.status, row.records, row.new_records) == ("skipped", 20, 20)
    assert table_snapshot(engine) == before


def test_bad_file_fails_alone(engine, settings, exports):
    write_export(exports / "WhatsApp Chat with Mauzo.txt", numbered_messages(5))
    (exports / "WhatsApp Chat with Broken.txt").write_text("shopping list\nmilk\neggs\n")
    (exports / "WhatsApp Chat with Garbage.zip").write_bytes(b"PK\x03\x04 not really a zip")

    summary = _sync(exports, engine, settings)

    assert (summary.imported, summary.failed) == (1, 2)
    rows = {row.name: row for row in export_file_rows(engine)}
    assert rows["WhatsApp Chat with Mauzo.txt"].status == "imported"
    for name in ("WhatsApp Chat with Broken.txt", "WhatsApp Chat with Garbage.zip"):
        assert rows[name].status == "failed"
        assert name in rows[name].error
        assert rows[name].group_id is None
    assert count_rows(engine, Message) == 5
    assert count_rows(engine, Group) == 1
    assert len(summary.errors) == 2


def test_failed_file_is_retried_next_sync(engine, settings, exports):
    path = exports / "WhatsApp Chat with Mauzo.txt"
    path.write_text("not a chat yet\n")
    assert _sync(exports, engine, settings).failed == 1

    write_export(path, numbered_messages(5))
    summary = _sync(exports, engine, settings)

    assert summary.imported == 1
    (row,) = export_file_rows(engine)
    assert (row.status, row.error, row.new_records) == ("imported", None, 5)


def test_message_deleted_between_exports_keeps_text(engine, settings, exports):
    before = [
        (START, "Amina Njeri", "Bei ni shilingi 50"),
        (START + timedelta(minutes=1), "Baraka Otieno", "Sawa"),
    ]
    after = [
        (START, "Amina Njeri", "This message was deleted"),
        (START + timedelta(minutes=1), "Baraka Otieno", "Sawa"),
        (START + timedelta(minutes=2), "Amina Njeri", "Samahani"),
    ]
    write_export(exports / "a" / "WhatsApp Chat with Mauzo.txt", before)
    _sync(exports, engine, settings)
    write_export(exports / "b" / "WhatsApp Chat with Mauzo.txt", after)
    _sync(exports, engine, settings)

    _assert_one_deleted_message(engine)


def test_deletion_synced_before_message_keeps_text(engine, settings, exports):
    write_export(
        exports / "b" / "WhatsApp Chat with Mauzo.txt",
        [
            (START, "Amina Njeri", "This message was deleted"),
            (START + timedelta(minutes=1), "Baraka Otieno", "Sawa"),
            (START + timedelta(minutes=2), "Amina Njeri", "Samahani"),
        ],
    )
    _sync(exports, engine, settings)
    write_export(
        exports / "a" / "WhatsApp Chat with Mauzo.txt",
        [
            (START, "Amina Njeri", "Bei ni shilingi 50"),
            (START + timedelta(minutes=1), "Baraka Otieno", "Sawa"),
        ],
    )
    _sync(exports, engine, settings)

    _assert_one_deleted_message(engine)


def _assert_one_deleted_message(engine) -> None:
    messages = Message.__table__
    with engine.connect() as connection:
        rows = connection.execute(
            select(messages.c.text, messages.c.kind, messages.c.deleted).order_by(
                messages.c.timestamp
            )
        ).all()
    assert [tuple(row) for row in rows] == [
        ("Bei ni shilingi 50", "message", True),
        ("Sawa", "message", False),
        ("Samahani", "message", False),
    ]


def test_rename_keeps_group_and_latest_name(engine, settings, exports):
    renamed_at = START + timedelta(days=1)
    history = [
        (START, None, 'Amina Njeri created group "Mauzo Cohort 1"'),
        (START + timedelta(minutes=5), "Amina Njeri", "Karibuni"),
        (renamed_at, None, 'Amina Njeri changed the subject from "Mauzo Cohort 1" to "Mauzo C1"'),
        (renamed_at + timedelta(minutes=1), "Baraka Otieno", "Jina jipya!"),
    ]
    write_export(exports / "new" / "WhatsApp Chat with Mauzo C1.txt", history)
    write_export(exports / "old" / "WhatsApp Chat with Mauzo Cohort 1.txt", history[:2])

    summary = _sync(exports, engine, settings)

    assert summary.imported == 2
    (group,) = list_groups(engine)
    assert (group["name"], group["slug"]) == ("Mauzo C1", "mauzo-c1")
    assert (group["messages"], group["events"]) == (2, 2)


def test_same_name_without_shared_messages_stays_apart(engine, settings, exports):
    write_export(exports / "a" / "WhatsApp Chat with Cohort 5.txt", numbered_messages(10))
    other = [
        (START + timedelta(minutes=index), "Juma Mwangi", f"Habari za asubuhi {index}")
        for index in range(10)
    ]
    write_export(exports / "b" / "WhatsApp Chat with Cohort 5.txt", other)

    _sync(exports, engine, settings)

    slugs = sorted(group["slug"] for group in list_groups(engine))
    assert slugs == ["cohort-5", "cohort-5-2"]


def test_metadata_pins_export_and_merges_aliases(engine, settings, exports):
    Path(settings.groups_file).write_text(
        """
groups:
  - name: Mauzo C1
    slug: mauzo
    exports: ["*Mauzo*", "phone-b/*"]
    cohort: "1"
    programme: Duka Bora
    advisor: Wanjiru Kamau
    facilitators: [Amina Njeri]
    timezone: Africa/Nairobi
    start_date: 2024-03-13
    aliases:
      Baraka Otieno: [Baraka]
""",
        "utf-8",
    )
    messages = numbered_messages(6)
    write_export(exports / "phone-a" / "WhatsApp Chat with Mauzo C1.txt", messages)
    # The second phone saved Baraka under a short name and names the file oddly.
    phone_b = [
        (at, "Baraka" if author == "Baraka Otieno" else author, text)
        for at, author, text in messages
    ]
    write_export(
        exports / "phone-b" / "chat.txt",
        [*phone_b, (START + timedelta(hours=1), "Baraka", "Asante")],
    )

    summary = _sync(exports, engine, settings)

    assert summary.imported == 2
    (group,) = list_groups(engine)
    assert (group["slug"], group["messages"], group["participants"]) == ("mauzo", 7, 3)
    with engine.connect() as connection:
        row = connection.execute(select(Group.__table__)).one()
        participants = {
            name: (canonical, bool(facilitator))
            for name, canonical, facilitator in connection.execute(
                select(
                    Participant.__table__.c.name,
                    Participant.__table__.c.canonical_name,
                    Participant.__table__.c.is_facilitator,
                )
            )
        }
    assert (row.cohort, row.programme, row.advisor, row.timezone) == (
        "1",
        "Duka Bora",
        "Wanjiru Kamau",
        "Africa/Nairobi",
    )
    assert row.start_date.isoformat() == "2024-03-13"
    assert participants == {
        AUTHORS[0]: (AUTHORS[0], True),
        "Baraka Otieno": ("Baraka Otieno", False),
        "Baraka": ("Baraka Otieno", False),
        AUTHORS[2]: (AUTHORS[2], False),
    }
    before = table_snapshot(engine)
    assert _sync(exports, engine, settings).skipped == 2
    assert table_snapshot(engine) == before


def test_pin_added_later_keeps_one_group(engine, settings, exports):
    history = numbered_messages(8)
    write_export(exports / "WhatsApp Chat with Mauzo Cohort 1.txt", history[:5])
    _sync(exports, engine, settings)
    Path(settings.groups_file).write_text(
        "groups:\n  - name: Mauzo Cohort 1\n    slug: mauzo-c1\n    exports: ['later/*']\n",
        "utf-8",
    )
    write_export(exports / "later" / "export.txt", history)

    summary = _sync(exports, engine, settings)

    assert summary.new_messages == 3
    (group,) = list_groups(engine)
    assert (group["slug"], group["messages"]) == ("mauzo-cohort-1", 8)


def test_metadata_change_applies_without_new_exports(engine, settings, exports):
    write_export(exports / "WhatsApp Chat with Mauzo.txt", numbered_messages(3))
    _sync(exports, engine, settings)
    Path(settings.groups_file).write_text("groups:\n  - name: Mauzo\n    cohort: C7\n", "utf-8")

    summary = _sync(exports, engine, settings)

    assert summary.skipped == 1
    with engine.connect() as connection:
        assert connection.execute(select(Group.__table__.c.cohort)).scalar_one() == "C7"


def test_second_sync_changes_no_row(corpus, engine, settings):
    _sync(corpus / "cases", engine, settings)
    before = table_snapshot(engine)

    summary = _sync(corpus / "cases", engine, settings)

    assert summary.imported == 0
    assert summary.skipped == summary.found
    assert table_snapshot(engine) == before


def test_every_case_file_imports(corpus, engine, settings):
    summary = _sync(corpus / "cases", engine, settings)

    assert summary.errors == []
    cases = sorted((corpus / "cases").glob("*.expected.json"))
    assert summary.imported == len(cases)
    expected_total = sum(len(json.loads(case.read_text("utf-8"))["records"]) for case in cases)
    # The Duka Bora case is the only group exported once; no record repeats across cases.
    assert count_rows(engine, Message) + count_rows(engine, Event) == expected_total


def test_export_file_rows_record_what_happened(engine, settings, exports):
    write_export(exports / "WhatsApp Chat with Mauzo.txt", numbered_messages(4))
    _sync(exports, engine, settings)

    (row,) = list_export_files(engine)

    assert row["status"] == "imported"
    assert row["group"] == "mauzo"
    assert (row["records"], row["new_records"], row["known_records"]) == (4, 4, 0)
    assert row["date_order"] == "DMY"
    assert row["first_record_at"] == START.isoformat()
    assert row["last_record_at"] == (START + timedelta(minutes=3)).isoformat()
    assert row["imported_at"] is not None
    assert datetime.fromisoformat(row["finished_at"]) >= datetime.fromisoformat(row["started_at"])


def test_progress_reports_every_file(engine, settings, exports):
    write_export(exports / "WhatsApp Chat with A.txt", numbered_messages(2))
    write_export(exports / "WhatsApp Chat with B.txt", numbered_messages(2, START.replace(day=20)))
    calls = []

    sync_source(
        LocalFolderSource(exports),
        engine,
        settings,
        progress=lambda done, total, name: calls.append((done, total, name)),
    )

    assert calls == [(1, 2, "WhatsApp Chat with A.txt"), (2, 2, "WhatsApp Chat with B.txt")]


def test_groups_command_prints_json(corpus, database_url, settings, engine):
    _sync(corpus / "resync", engine, settings)
    from tafiti.cli import main

    result = CliRunner().invoke(main, ["--database-url", database_url, "groups", "--json"])

    assert result.exit_code == 0, result.output
    case = json.loads((corpus / "cases" / f"{DUKA}.expected.json").read_text("utf-8"))
    records = case["records"]
    non_events = [record for record in records if record["kind"] != "event"]
    authors = {record["author"] for record in non_events}
    # Besides the authors, the case's events add three of them and one
    # newcomer joins by invite link.
    newcomers = {"+254 700 000102"}
    assert json.loads(result.output) == [
        {
            "slug": "duka-bora-c5-kisumu",
            "name": "Duka Bora C5 - Kisumu",
            "messages": len(non_events),
            "events": len(records) - len(non_events),
            "participants": len(authors | newcomers),
            "first": min(record["timestamp"] for record in non_events),
            "last": max(record["timestamp"] for record in non_events),
        }
    ]


def test_groups_command_prints_table(corpus, database_url, settings, engine):
    _sync(corpus / "resync", engine, settings)
    from tafiti.cli import main

    result = CliRunner().invoke(main, ["--database-url", database_url, "groups"])

    assert result.exit_code == 0, result.output
    header, row = result.output.splitlines()
    assert header.split() == ["slug", "name", "messages", "events", "participants", "first", "last"]
    assert row.split()[0] == "duka-bora-c5-kisumu"
    assert row.split()[-5:] == ["8", "7", "5", "2024-01-05T09:03", "2024-01-21T00:05"]
