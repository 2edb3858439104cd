"""The frame loaders on both databases, over the hand-written fixture export.

Expected values were counted by hand in
``tests/fixtures/analysis/WhatsApp Chat with Biashara Bora C1.txt``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "analysis"
EXPORT = "WhatsApp Chat with Biashara Bora C1.txt"
SLUG = "biashara-bora-c1"


@pytest.fixture()
def engine(settings, database_url: str):
    from tafiti.config import configure
    from tafiti.sources import LocalFolderSource
    from tafiti.store.db import create_database_engine, upgrade
    from tafiti.store.sync import sync_source

    exports = Path(settings.source)
    shutil.copy(FIXTURE / EXPORT, exports / EXPORT)
    shutil.copy(FIXTURE / "groups.yml", settings.groups_file)
    synced_settings = configure(**{**settings.model_dump(), "database_url": database_url})
    upgrade(database_url)
    engine = create_database_engine(database_url)
    summary = sync_source(LocalFolderSource(exports), engine, synced_settings)
    assert summary.imported == 1, summary.errors
    yield engine
    engine.dispose()


def test_frames_on_both_databases(engine) -> None:
    import tafiti

    messages = tafiti.load_messages(engine, group=SLUG)
    events = tafiti.load_events(engine, group=SLUG)
    participants = tafiti.load_participants(engine, group=SLUG)
    groups = tafiti.load_groups(engine)
    files = tafiti.load_export_files(engine)

    assert len(messages) == 23
    assert messages["deleted"].dtype == bool
    assert int(messages["deleted"].sum()) == 1
    assert messages["timestamp"].is_monotonic_increasing
    assert set(messages["author"]) == {
        "Grace Wanjiku",
        "Amina Said",
        "Peter Otieno",
        "+254 711 222 333",
        "Juma Mwangi",
    }
    assert len(events) == 7
    assert events.loc[events["type"] == "joined", "people"].tolist() == [["Juma Mwangi"]]
    assert sorted(participants.loc[participants["is_facilitator"], "name"]) == ["Grace Wanjiku"]
    assert groups.loc[0, "info"]["facilitators"] == ["Grace Wanjiku"]
    assert files["status"].tolist() == ["imported"]
    assert files.loc[0, "warnings"] == []


def test_period_bounds_on_both_databases(engine) -> None:
    import tafiti

    first_week = tafiti.load_messages(engine, group=SLUG, until="2024-03-06")
    from_date = tafiti.load_messages(engine, group=SLUG, since="2024-04-01")
    to_time = tafiti.load_messages(engine, group=SLUG, until="2024-03-04T09:30:00")

    assert len(first_week) == 11  # 4-6 March, the 6th included
    assert len(from_date) == 3
    assert len(to_time) == 3  # an until with a time of day is exclusive


def test_invalid_period_rejected() -> None:
    from tafiti.analysis.frames import Period
    from tafiti.errors import ConfigError

    with pytest.raises(ConfigError, match="since='March'"):
        Period.parse(since="March")
    with pytest.raises(ConfigError, match="is not after"):
        Period.parse(since="2024-03-10", until="2024-03-01")
