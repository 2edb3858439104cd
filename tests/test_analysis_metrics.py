"""Metrics on small hand-built frames; every expected value is worked out by hand."""

from __future__ import annotations

import math
from datetime import timedelta

import pandas as pd
import pytest

from tafiti.analysis import membership, metrics


def frame(rows: list[tuple[str, str]], **columns: object) -> pd.DataFrame:
    """Messages from (time, author) pairs, all of kind "message"."""
    data = pd.DataFrame(rows, columns=["timestamp", "author"])
    data["timestamp"] = pd.to_datetime(data["timestamp"])
    data["kind"] = "message"
    data["deleted"] = False
    data["text"] = "hello"
    for name, value in columns.items():
        data[name] = value
    return data


# --- inequality -------------------------------------------------------------


def test_gini_one_person_writes_everything() -> None:
    # sum over ordered pairs of |x_i - x_j| = 6 pairs * 10 = 60; 2 * n^2 * mean = 2 * 16 * 2.5 = 80
    assert metrics.gini([0, 0, 0, 10]) == pytest.approx(0.75)


def test_gini_equal_counts_is_zero() -> None:
    assert metrics.gini([4, 4, 4, 4]) == pytest.approx(0.0)


def test_gini_unequal_counts() -> None:
    # pairs: |1-2|,|1-3|,|1-4|,|2-3|,|2-4|,|3-4| = 1+2+3+1+2+1 = 10, times 2 orders = 20;
    # 2 * 16 * 2.5 = 80
    assert metrics.gini([3, 1, 4, 2]) == pytest.approx(0.25)


def test_gini_empty_is_nan() -> None:
    assert math.isnan(metrics.gini([]))
    assert math.isnan(metrics.gini([0, 0]))


def test_top_share_rounds_group_up() -> None:
    # 11 people: the top 10% is ceil(1.1) = 2 people, who wrote 50 + 20 of 100
    counts = [50, 20, 10, 5, 5, 4, 3, 2, 1, 0, 0]

    assert metrics.top_share(counts) == pytest.approx(0.70)


def test_top_share_at_least_one_person() -> None:
    assert metrics.top_share([6, 3, 1]) == pytest.approx(0.6)


def test_inequality_counts_silent_members() -> None:
    messages = frame([("2024-03-01 10:00", "A")] * 3 + [("2024-03-01 11:00", "B")])

    figures = metrics.inequality(messages, members=["A", "B", "C", "D"])

    assert figures["writers"] == 2
    assert figures["members"] == 4
    # writers [1, 3]: |1-3| * 2 / (2 * 4 * 2) = 0.25
    assert figures["gini"] == pytest.approx(0.25)
    # members [0, 0, 1, 3]: pairs sum = 2*(0+1+3+1+3+2) = 20; 2 * 16 * 1 = 32
    assert figures["gini_members"] == pytest.approx(0.625)
    assert figures["top10_share_members"] == pytest.approx(0.75)


# --- top participants and windows --------------------------------------------


def test_top_participants_shares_and_order() -> None:
    messages = frame(
        [
            ("2024-03-01 10:00", "Bea"),
            ("2024-03-01 10:01", "Ali"),
            ("2024-03-01 10:02", "Bea"),
            ("2024-03-01 10:03", "Cy"),
            ("2024-03-01 10:04", "Ali"),
            ("2024-03-01 10:05", "Bea"),
        ]
    )

    top = metrics.top_participants(messages, n=2)

    assert list(top["author"]) == ["Bea", "Ali"]
    assert list(top["messages"]) == [3, 2]
    assert list(top["share"]) == pytest.approx([0.5, 1 / 3])


def test_top_participants_ties_by_name() -> None:
    messages = frame([("2024-03-01 10:00", "Zed"), ("2024-03-01 10:01", "Amy")])

    assert list(metrics.top_participants(messages)["author"]) == ["Amy", "Zed"]


def test_last_14_days_counted_from_last_message_day() -> None:
    # last message on Sunday 31 March: the 14 days are 18-31 March
    messages = frame(
        [
            ("2024-03-17 23:59", "Early"),
            ("2024-03-18 00:00", "Edge"),
            ("2024-03-25 12:00", "Mid"),
            ("2024-03-25 13:00", "Mid"),
            ("2024-03-31 15:00", "Last"),
        ]
    )

    top = metrics.top_participants(messages, last_days=14)

    assert set(top["author"]) == {"Edge", "Mid", "Last"}
    assert top.set_index("author").loc["Mid", "share"] == pytest.approx(0.5)
    assert metrics.window_start(pd.Timestamp("2024-03-31 15:00"), 14) == pd.Timestamp("2024-03-18")


def test_last_30_days_window() -> None:
    messages = frame(
        [
            ("2024-03-01 23:59", "Out"),
            ("2024-03-02 00:00", "In"),
            ("2024-03-31 08:00", "In"),
        ]
    )

    top = metrics.top_participants(messages, last_days=30)

    assert list(top["author"]) == ["In"]
    assert list(top["messages"]) == [2]


# --- activity ------------------------------------------------------------------


def test_daily_activity_fills_quiet_days() -> None:
    messages = frame(
        [
            ("2024-03-01 09:00", "A"),
            ("2024-03-01 10:00", "B"),
            ("2024-03-01 11:00", "A"),
            ("2024-03-03 09:00", "A"),
        ]
    )

    daily = metrics.daily_activity(messages)

    assert list(daily.index.strftime("%Y-%m-%d")) == ["2024-03-01", "2024-03-02", "2024-03-03"]
    assert list(daily["messages"]) == [3, 0, 1]
    assert list(daily["active_participants"]) == [2, 0, 1]


def test_weekday_hour_counts_cells() -> None:
    # 4 March 2024 is a Monday, 10 March a Sunday
    messages = frame(
        [("2024-03-04 08:15", "A"), ("2024-03-04 08:45", "B"), ("2024-03-10 23:00", "A")]
    )

    table = metrics.weekday_hour_counts(messages)

    assert table.shape == (7, 24)
    assert table.loc["Monday", 8] == 2
    assert table.loc["Sunday", 23] == 1
    assert table.to_numpy().sum() == 3


def test_busiest_day_weekday_hour() -> None:
    messages = frame(
        [
            ("2024-03-04 08:00", "A"),
            ("2024-03-05 09:00", "A"),
            ("2024-03-05 09:30", "B"),
            ("2024-03-12 10:00", "B"),
        ]
    )

    busiest = metrics.busiest(messages)

    assert str(busiest["day"]) == "2024-03-05"
    assert busiest["day_messages"] == 2
    assert busiest["weekday"] == "Tuesday"
    assert busiest["hour"] == 9


# --- interaction -----------------------------------------------------------------


def test_questions_answered_by_someone_else() -> None:
    messages = frame(
        [
            ("2024-03-01 09:00", "Ali"),
            ("2024-03-01 09:05", "Ali"),
            ("2024-03-01 09:20", "Bea"),
            ("2024-03-02 10:00", "Bea"),
            ("2024-03-04 10:00", "Cy"),
            ("2024-03-05 12:00", "Dee"),
        ]
    )
    messages["text"] = [
        "Training ni saa ngapi?",
        "anyone?",
        "Saa nne",
        "what time do we start",
        "Where is the venue",
        "Here",
    ]

    table = metrics.questions(messages, window=timedelta(hours=24))

    # four questions: "?" twice, "what …" and "Where …" open with question words
    assert len(table) == 4
    assert list(table["answered"]) == [True, True, False, False]
    assert list(table["answered_by"][:2]) == ["Bea", "Bea"]
    assert table["answer_delay"].iloc[0] == pd.Timedelta(minutes=20)
    assert table["answer_delay"].iloc[1] == pd.Timedelta(minutes=15)


def test_questions_answer_comes_strictly_later() -> None:
    messages = frame(
        [
            ("2024-03-01 09:00", "Bea"),  # same minute as the question: not after it
            ("2024-03-01 09:00", "Ali"),
            ("2024-03-01 09:30", "Ali"),
            ("2024-03-01 10:00", "Ali"),
            ("2024-03-02 09:01", "Cy"),  # 24 h 1 min after the first question
        ]
    )
    messages["text"] = ["Sawa", "Tunaanza lini?", "Je?", "hello", "Kesho"]

    table = metrics.questions(messages, window=timedelta(hours=24))

    assert table["text"].tolist() == ["Tunaanza lini?", "Je?"]
    assert table["answered"].tolist() == [False, True]
    assert pd.isna(table["answered_by"].iloc[0])
    assert table["answered_by"].iloc[1] == "Cy"
    assert table["answer_delay"].iloc[1] == pd.Timedelta(hours=23, minutes=31)


def test_questions_none_answered_gives_durations() -> None:
    messages = frame([("2024-03-01 09:00", "Ali")])
    messages["text"] = ["Anyone there?"]

    table = metrics.questions(messages)

    assert table["answered"].tolist() == [False]
    assert str(table["answer_delay"].dtype) == "timedelta64[ns]"
    assert metrics.delay_summary(table["answer_delay"])["count"] == 0


def test_is_question_forms() -> None:
    assert metrics.is_question("Tuanze?")
    assert metrics.is_question("Je, mmeelewa")
    assert metrics.is_question("Quando começa a formação")
    assert not metrics.is_question("Habari za asubuhi")
    assert not metrics.is_question("")


def test_first_reply_times_per_conversation() -> None:
    messages = frame(
        [
            ("2024-03-01 09:00", "Ali"),  # opens conversation 1
            ("2024-03-01 09:03", "Ali"),
            ("2024-03-01 09:10", "Bea"),  # reply after 10 minutes
            ("2024-03-01 13:00", "Cy"),  # 3 h 50 min of silence: opens conversation 2
            ("2024-03-01 13:30", "Cy"),  # nobody else: no reply
            ("2024-03-02 08:00", "Bea"),  # opens conversation 3
            ("2024-03-02 09:59", "Ali"),  # reply after 1 h 59 min, inside the 2 h gap
        ]
    )

    table = metrics.first_reply_times(messages, gap=timedelta(hours=2))

    assert list(table["author"]) == ["Ali", "Cy", "Bea"]
    assert list(table["replied"]) == [True, False, True]
    assert table["reply_delay"].iloc[0] == pd.Timedelta(minutes=10)
    assert pd.isna(table["reply_delay"].iloc[1])
    assert table["reply_delay"].iloc[2] == pd.Timedelta(hours=1, minutes=59)


def test_reply_matrix_counts_turns_within_window() -> None:
    messages = frame(
        [
            ("2024-03-01 09:00", "Ali"),
            ("2024-03-01 09:01", "Ali"),
            ("2024-03-01 09:20", "Bea"),  # Bea replies to Ali
            ("2024-03-01 09:30", "Ali"),  # Ali replies to Bea
            ("2024-03-01 12:00", "Cy"),  # 2.5 h later: not a reply
            ("2024-03-01 12:10", "Bea"),  # Bea replies to Cy
        ]
    )

    matrix = metrics.reply_matrix(messages, window=timedelta(hours=1))

    assert matrix.loc["Bea", "Ali"] == 1
    assert matrix.loc["Ali", "Bea"] == 1
    assert matrix.loc["Bea", "Cy"] == 1
    assert matrix.loc["Cy", "Ali"] == 0
    assert matrix.to_numpy().sum() == 3


# --- membership ------------------------------------------------------------------


def events(rows: list[tuple[str, str, str | None, list[str]]]) -> pd.DataFrame:
    data = pd.DataFrame(rows, columns=["timestamp", "type", "actor", "people"])
    data["timestamp"] = pd.to_datetime(data["timestamp"])
    return data


def test_membership_spans_from_events_and_messages() -> None:
    group_events = events(
        [
            ("2024-03-01 08:00", "created", "Fac", []),
            ("2024-03-01 08:01", "added", "Fac", ["Ali", "Bea"]),
            ("2024-03-10 09:00", "left", None, ["Bea"]),
            ("2024-03-12 09:00", "left", None, ["Old"]),
        ]
    )
    messages = frame(
        [
            ("2024-03-02 10:00", "Ali"),
            ("2024-03-05 10:00", "Old"),  # wrote before any join event: member from the start
            ("2024-03-20 10:00", "Bea"),  # wrote after leaving: back from this message
        ]
    )

    spans = membership.membership_spans(group_events, messages)
    by_person = {person: part for person, part in spans.groupby("person")}

    assert set(by_person) == {"Fac", "Ali", "Bea", "Old"}
    assert by_person["Old"]["via"].tolist() == ["history start"]
    assert by_person["Old"]["start"].iloc[0] == pd.Timestamp("2024-03-01 08:00")
    assert by_person["Old"]["end"].iloc[0] == pd.Timestamp("2024-03-12 09:00")
    assert by_person["Bea"]["via"].tolist() == ["added", "message"]
    assert by_person["Bea"]["end"].iloc[0] == pd.Timestamp("2024-03-10 09:00")
    assert pd.isna(by_person["Bea"]["end"].iloc[1])
    assert membership.members_at(spans, pd.Timestamp("2024-03-15")) == ["Ali", "Fac"]


def test_membership_spans_same_minute_and_rejoins() -> None:
    # At one time a join sorts before a message and a leave after it.
    group_events = events(
        [
            ("2024-03-01 08:00", "created", "Fac", []),
            ("2024-03-02 09:00", "left", None, ["Ali"]),
            ("2024-03-05 09:00", "added", "Fac", ["Bea"]),
            ("2024-03-06 09:00", "left", None, ["Bea"]),
        ]
    )
    messages = frame(
        [
            ("2024-03-01 10:00", "Ali"),
            ("2024-03-02 09:00", "Ali"),  # same minute as the leave: still a member
            ("2024-03-03 10:00", "Ali"),  # after leaving: back from here
            ("2024-03-04 10:00", "Ali"),  # already back
            ("2024-03-05 09:00", "Bea"),  # same minute as the add: via "added"
            ("2024-03-06 09:00", "Bea"),  # same minute as the leave
            ("2024-03-07 10:00", "Bea"),  # after leaving: back from here
            ("2024-03-08 10:00", "Bea"),
        ]
    )

    spans = membership.membership_spans(group_events, messages)
    by_person = {person: part for person, part in spans.groupby("person")}

    assert by_person["Ali"]["via"].tolist() == ["history start", "message"]
    assert by_person["Ali"]["start"].tolist() == [
        pd.Timestamp("2024-03-01 08:00"),
        pd.Timestamp("2024-03-03 10:00"),
    ]
    assert by_person["Ali"]["end"].iloc[0] == pd.Timestamp("2024-03-02 09:00")
    assert pd.isna(by_person["Ali"]["end"].iloc[1])
    assert by_person["Bea"]["via"].tolist() == ["added", "message"]
    assert by_person["Bea"]["start"].tolist() == [
        pd.Timestamp("2024-03-05 09:00"),
        pd.Timestamp("2024-03-07 10:00"),
    ]
    assert by_person["Bea"]["left_by"].iloc[0] == "left"


def test_membership_aliases_fold_event_names() -> None:
    group_events = events([("2024-03-01 08:01", "added", "Fac", ["+254 700 000001"])])
    messages = frame([("2024-03-02 10:00", "Ali")])

    spans = membership.membership_spans(group_events, messages, {"+254 700 000001": "Ali"})

    assert spans["person"].tolist() == ["Ali"]
    assert spans["via"].tolist() == ["added"]


def test_membership_skips_exporter_you() -> None:
    group_events = events(
        [
            ("2024-03-01 08:00", "created", "You", []),
            ("2024-03-01 08:01", "added", "You", ["Ali"]),
            ("2024-03-02 08:01", "added", "Bea", ["You"]),
        ]
    )
    messages = frame([("2024-03-02 10:00", "Owner Name")])

    spans = membership.membership_spans(group_events, messages)

    assert sorted(spans["person"]) == ["Ali", "Owner Name"]
    assert membership.joins_and_leaves(group_events)["joined"].sum() == 2


def test_joins_and_leaves_per_week() -> None:
    group_events = events(
        [
            ("2024-03-04 08:00", "created", "Fac", []),
            ("2024-03-04 08:01", "added", "Fac", ["A", "B", "C"]),
            ("2024-03-06 08:00", "joined", None, ["D"]),
            ("2024-03-12 08:00", "removed", "Fac", ["A", "B"]),
            ("2024-03-13 08:00", "left", None, ["C"]),
        ]
    )

    table = membership.joins_and_leaves(group_events)

    assert list(table.index.strftime("%Y-%m-%d")) == ["2024-03-04", "2024-03-11"]
    assert list(table["joined"]) == [4, 0]
    assert list(table["left"]) == [0, 3]


def test_cohort_retention_shares() -> None:
    spans = pd.DataFrame(
        {
            "person": ["A", "B", "C", "D", "E"],
            "start": pd.to_datetime(
                ["2024-03-04", "2024-03-05", "2024-03-06", "2024-03-06", "2024-03-25"]
            ),
            # A leaves after 10 days, B after 20, C and D stay; E joined late
            "end": pd.to_datetime(["2024-03-14", "2024-03-25", None, None, None]),
            "via": ["added", "added", "joined", "added", "added"],
        }
    )

    table = membership.cohort_retention(
        spans, data_end=pd.Timestamp("2024-04-10"), horizons_weeks=(1, 2, 4)
    )

    first = table.loc["2024-03-04"]
    assert first["joined"] == 4
    assert first["week 1"] == pytest.approx(1.0)
    assert first["week 2"] == pytest.approx(0.75)  # A left on day 10
    # at 4 weeks (1-3 April) all four can be told: B left on day 20, so 2 of 4 stayed
    assert first["week 4"] == pytest.approx(0.5)
    late = table.loc["2024-03-25"]
    assert late["week 2"] == pytest.approx(1.0)
    assert math.isnan(late["week 4"])  # 22 April is after the data ends


def test_cohort_retention_history_start_cohort() -> None:
    spans = pd.DataFrame(
        {
            "person": ["A", "B"],
            "start": pd.to_datetime(["2024-03-01", "2024-03-01"]),
            "end": pd.to_datetime([None, "2024-03-03"]),
            "via": ["history start", "history start"],
        }
    )

    table = membership.cohort_retention(spans, pd.Timestamp("2024-04-01"), horizons_weeks=(1,))

    assert list(table.index) == ["history start"]
    assert table.loc["history start", "week 1"] == pytest.approx(0.5)


def test_group_size_per_day() -> None:
    spans = pd.DataFrame(
        {
            "person": ["A", "B", "C"],
            "start": pd.to_datetime(["2024-03-01 08:00", "2024-03-02 12:00", "2024-03-02 13:00"]),
            "end": pd.to_datetime([None, "2024-03-03 09:00", None]),
            "via": ["added"] * 3,
        }
    )

    sizes = membership.group_size(spans, pd.date_range("2024-03-01", "2024-03-03"))

    assert list(sizes) == [1, 3, 2]


def test_participant_names_leave_out_you() -> None:
    from tafiti.analysis.frames import participant_names

    participants = pd.DataFrame({"name": ["Ali"], "canonical_name": ["Ali"]})
    group_events = events([("2024-03-01 08:01", "added", "You", ["Bea", "You"])])

    assert sorted(set(participant_names(participants, group_events))) == ["Ali", "Bea"]


def test_cohort_activity_shares() -> None:
    spans = pd.DataFrame(
        {
            "person": ["A", "B", "C"],
            "start": pd.to_datetime(["2024-03-04 08:00", "2024-03-04 09:00", "2024-03-05 10:00"]),
            "end": pd.to_datetime([None, None, None]),
            "via": ["added", "added", "joined"],
        }
    )
    messages = frame(
        [
            ("2024-03-05 12:00", "A"),  # A: week 1
            ("2024-03-12 12:00", "A"),  # A: week 2 (days 7-14 after 4 March 08:00)
            ("2024-03-11 08:59", "B"),  # B: week 1, a minute before it ends
            ("2024-03-20 10:00", "C"),  # C: week 3, not asked for
        ]
    )

    table = membership.cohort_activity(
        spans, messages, data_end=pd.Timestamp("2024-03-25"), horizons_weeks=(1, 2, 4)
    )

    row = table.loc["2024-03-04"]
    assert row["joined"] == 3
    assert row["week 1"] == pytest.approx(2 / 3)  # A and B
    assert row["week 2"] == pytest.approx(1 / 3)  # A
    assert math.isnan(row["week 4"])  # week 4 ends 1 April, after the data
