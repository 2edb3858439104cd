"""The identity C module hashes every record as the definition in identity.py does.

``hash_identity(identity_key(record), occurrence)`` is the definition, written
once and hashed with hashlib. The C module (``tafiti.store._identities``) and
the Python loop used when it is missing must both give its result on any
records: repeated texts in one minute, aliases, media and deletion notices,
non-ASCII and unpaired surrogate characters. A timestamp with a time zone is
rejected by all three.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tafiti.parsing.records import Record
from tafiti.store import identity

TEXTS = [
    "ok",
    "OK",
    "",
    "Asante sana 🙏🏽",
    "Obrigado, até amanhã",
    "line one\nline two",
    "\ud83d unpaired",
    "x" * 300,
    "<Media omitted>",
]
AUTHORS = ["Amina Njeri", "Baraka", "+254 712 345 678", "João", "Amina"]
ALIASES = {"Amina": "Amina Njeri", "+254 712 345 678": "Baraka"}
KINDS = ["message", "message", "media", "deleted", "event"]
START = datetime(2024, 3, 13, 8, 0)


@st.composite
def records(draw: st.DrawFn) -> Record:
    kind = draw(st.sampled_from(KINDS))
    timestamp = START + timedelta(seconds=draw(st.integers(0, 180)))
    text = draw(st.sampled_from(TEXTS) | st.text(max_size=40))
    attachment = (
        draw(st.sampled_from([None, "IMG-20240313-WA0001.jpg"])) if kind == "media" else None
    )
    return Record(
        timestamp=timestamp,
        author=None if kind == "event" else draw(st.sampled_from(AUTHORS)),
        text=text,
        kind=kind,  # type: ignore[arg-type]
        line=1,
        attachment=attachment,
    )


def defined_identities(batch: list[Record], aliases: dict[str, str]) -> list[bytes]:
    """The identities as identity.py defines them, one record at a time."""
    keys = [identity.identity_key(record, aliases) for record in batch]
    occurrences = [keys[:index].count(key) for index, key in enumerate(keys)]
    pairs = zip(keys, occurrences, strict=True)
    return [identity.hash_identity(key, count) for key, count in pairs]


def test_c_module_is_built() -> None:
    assert identity._identities is not None, "tafiti.store._identities was not built (see setup.py)"


@pytest.mark.parametrize("length", [0, 1, 63, 127, 128, 129, 255, 256, 257, 1000])
@pytest.mark.parametrize("person", [b"", b"tafiti", b"sixteen bytes!!!"])
def test_blake2b_matches_hashlib(length: int, person: bytes) -> None:
    data = bytes(range(256)) * 4
    data = data[:length]

    expected = hashlib.blake2b(data, digest_size=16, person=person).digest()

    assert identity._identities.blake2b_16(data, person) == expected


@settings(max_examples=300, deadline=None)
@given(batch=st.lists(records(), max_size=30), use_aliases=st.booleans())
def test_identities_match_definition(batch: list[Record], use_aliases: bool) -> None:
    aliases = ALIASES if use_aliases else {}
    expected = defined_identities(batch, aliases)

    assert identity.record_identities(batch, aliases) == expected
    assert identity._identities_in_python(batch, aliases) == expected


def test_occurrence_numbers_past_nine() -> None:
    batch = [
        Record(timestamp=START, author="Baraka", text="ok", kind="message", line=index)
        for index in range(25)
    ]

    identities = identity.record_identities(batch)

    assert identities == defined_identities(batch, {})
    assert len(set(identities)) == 25


@pytest.mark.parametrize("zone", [UTC, timezone(timedelta(hours=3))])
def test_aware_timestamp_raises(zone: timezone) -> None:
    batch = [
        Record(timestamp=START, author="Baraka", text="ok", kind="message", line=1),
        Record(
            timestamp=START.replace(tzinfo=zone), author="Baraka", text="ok", kind="message", line=2
        ),
    ]
    message = "timestamp must be naive"

    with pytest.raises(ValueError, match=message):
        identity.identity_key(batch[1])
    with pytest.raises(ValueError, match=message):
        identity.record_identities(batch)
    with pytest.raises(ValueError, match=message):
        identity._identities_in_python(batch)


@pytest.mark.parametrize("kind", [None, 5, "Message"])
def test_unknown_kind_hashes_folded_text(kind: object) -> None:
    # The definition sends a kind other than the known strings down the media
    # path, where media_folded_text folds its text.
    batch = [Record(timestamp=START, author="Baraka", text="ok", kind=kind, line=1)]  # type: ignore[arg-type]

    expected = defined_identities(batch, {})

    assert identity.record_identities(batch) == expected
    assert identity._identities_in_python(batch) == expected


def test_unencodable_author_raises() -> None:
    batch = [Record(timestamp=START, author="\udc80", text="ok", kind="message", line=1)]

    with pytest.raises(UnicodeEncodeError):
        identity.hash_identity(identity.identity_key(batch[0]), 0)
    with pytest.raises(UnicodeEncodeError):
        identity.record_identities(batch)
