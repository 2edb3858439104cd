"""Message identity: which records of two exports count as the same message."""

from __future__ import annotations

from datetime import datetime

import pytest

from tafiti.parsing.records import Record
from tafiti.store.identity import record_identities

pytestmark = pytest.mark.usefixtures("identity_code")


def _message(
    text: str,
    *,
    author: str | None = "Amina Njeri",
    at: datetime = datetime(2024, 3, 13, 8, 0),
    kind: str = "message",
) -> Record:
    return Record(timestamp=at, author=author, text=text, kind=kind, line=1)  # type: ignore[arg-type]


def test_identical_messages_in_one_minute_differ():
    first, second = record_identities([_message("ok"), _message("ok")])

    assert first != second


def test_reexport_gives_same_identities():
    export = [_message("ok"), _message("ok"), _message("Tuanze?", author="Musa")]

    assert record_identities(export) == record_identities(list(export))


def test_identity_is_16_bytes():
    (identity,) = record_identities([_message("ok")])

    assert isinstance(identity, bytes)
    assert len(identity) == 16


def test_seconds_do_not_change_identity():
    ios = _message("Habari", at=datetime(2024, 3, 13, 8, 0, 42))
    android = _message("Habari", at=datetime(2024, 3, 13, 8, 0, 0))

    assert record_identities([ios]) == record_identities([android])


def test_next_minute_changes_identity():
    early = _message("Habari", at=datetime(2024, 3, 13, 8, 0))
    late = _message("Habari", at=datetime(2024, 3, 13, 8, 1))

    assert record_identities([early]) != record_identities([late])


def test_case_changes_identity():
    assert record_identities([_message("ok")]) != record_identities([_message("OK")])


def test_author_changes_identity():
    assert record_identities([_message("ok")]) != record_identities(
        [_message("ok", author="Baraka Otieno")]
    )


def test_media_markers_fold_to_one_identity():
    omitted = _message("<Media omitted>", kind="media")
    attached = _message("IMG-20240313-WA0001.jpg (file attached)", kind="media")

    assert record_identities([omitted]) == record_identities([attached])


def test_deletion_notices_fold_to_one_identity():
    android = _message("This message was deleted", kind="deleted")
    sender = _message("You deleted this message", kind="deleted")

    assert record_identities([android]) == record_identities([sender])


def test_alias_maps_author_to_canonical_name():
    saved_full = _message("Nimefika", author="Halima Said")
    saved_short = _message("Nimefika", author="Halima")

    with_alias = record_identities([saved_short], {"Halima": "Halima Said"})

    assert with_alias == record_identities([saved_full])
    assert record_identities([saved_short]) != record_identities([saved_full])


def test_event_and_message_with_same_text_differ():
    event = Record(
        timestamp=datetime(2024, 3, 13, 8, 0), author=None, text="ok", kind="event", line=1
    )

    assert record_identities([event]) != record_identities([_message("ok", author=None)])
