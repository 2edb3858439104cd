"""Date order decisions, unreadable headers, event details and media folding."""

from __future__ import annotations

import pytest

from tafiti.parsing import MEDIA_TOKEN, media_folded_text, parse_bytes, parse_text

# Each test runs with the parser's C module and with its Python steps.
pytestmark = pytest.mark.usefixtures("column_code")


def _chat(*lines: str) -> str:
    return "\n".join(lines) + "\n"


# --- date order --------------------------------------------------------------


def test_date_order_day_above_12_in_first_place() -> None:
    parsed = parse_text(
        _chat("05/01/2022, 10:00 - Amani: a", "15/01/2022, 10:00 - Amani: b"), "x.txt"
    )

    assert parsed.date_order == "DMY"
    assert parsed.date_order_reason == "day-first: 15 in 15/01/2022 (line 2) can only be a day"


def test_date_order_day_above_12_in_second_place() -> None:
    parsed = parse_text(
        _chat("01/05/2022, 10:00 - Amani: a", "01/25/2022, 10:00 - Amani: b"), "x.txt"
    )

    assert parsed.date_order == "MDY"
    assert parsed.date_order_reason == "month-first: 25 in 01/25/2022 (line 2) can only be a day"


def test_date_order_time_must_not_run_backwards() -> None:
    # Month-first, these would run Nov, Dec, Jan, Feb within one year.
    parsed = parse_text(
        _chat(
            "11/01/2022, 10:00 - Amani: a",
            "12/01/2022, 10:00 - Amani: b",
            "01/02/2022, 10:00 - Amani: c",
            "02/02/2022, 10:00 - Amani: d",
        ),
        "x.txt",
    )

    assert parsed.date_order == "DMY"
    assert parsed.date_order_reason.startswith(
        "day-first: read month-first, the dates would run backwards 1 time(s) within a year"
    )
    assert "first 01/02/2022 on line 3 after 12/01/2022 on line 2" in parsed.date_order_reason


def test_date_order_component_that_changes_more_often_is_the_day() -> None:
    # Every date is in its own year, so no reading runs backwards within a year;
    # the first number changes at every step, the second never.
    parsed = parse_text(
        _chat(
            "01/03/2020, 10:00 - Amani: a",
            "02/03/2021, 10:00 - Amani: b",
            "03/03/2022, 10:00 - Amani: c",
        ),
        "x.txt",
    )

    assert parsed.date_order == "DMY"
    assert parsed.date_order_reason == (
        "day-first: the first number changes more often between consecutive dates "
        "(2 times against 0), so it is the day"
    )


def test_date_order_month_first_when_second_number_changes_more() -> None:
    parsed = parse_text(
        _chat(
            "03/01/2020, 10:00 - Amani: a",
            "03/02/2021, 10:00 - Amani: b",
            "03/03/2022, 10:00 - Amani: c",
        ),
        "x.txt",
    )

    assert parsed.date_order == "MDY"


def test_date_order_undecided_uses_given_default() -> None:
    text = _chat("03/03/2022, 10:00 - Amani: a", "03/03/2022, 11:00 - Amani: b")

    parsed = parse_text(text, "x.txt", default_date_order="MDY")

    assert parsed.date_order == "MDY"
    assert parsed.date_order_reason == (
        "month-first: nothing in the file decides between day-first and month-first, "
        "so the date order given for this file (MDY) was used"
    )


def test_date_order_undecided_uses_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    from tafiti.config import Settings

    monkeypatch.setenv("TAFITI_DATE_ORDER", "MDY")
    settings = Settings()
    text = _chat("03/03/2022, 10:00 - Amani: a")

    parsed = parse_bytes(text.encode(), "x.txt", settings=settings)

    assert parsed.date_order == "MDY"
    assert "setting TAFITI_DATE_ORDER (MDY)" in parsed.date_order_reason


def test_date_order_default_is_day_first(monkeypatch: pytest.MonkeyPatch) -> None:
    from tafiti.config import Settings

    monkeypatch.delenv("TAFITI_DATE_ORDER", raising=False)
    monkeypatch.chdir("/")
    parsed = parse_bytes(
        _chat("03/03/2022, 10:00 - Amani: a").encode(), "x.txt", settings=Settings()
    )

    assert parsed.date_order == "DMY"


def test_year_first_dates() -> None:
    parsed = parse_text(_chat("2022-03-04, 10:00 - Amani: a"), "x.txt")

    assert parsed.date_order == "YMD"
    assert parsed.records[0].timestamp.isoformat() == "2022-03-04T10:00:00"


# --- unreadable headers ------------------------------------------------------


def test_header_with_invalid_time_becomes_warning() -> None:
    parsed = parse_text(
        _chat(
            "12/02/2021, 08:02 - Esther: Good morning",
            "12/02/2021, 25:61 - Esther: not a time",
            "12/02/2021, 08:04 - Faith: Morning!",
        ),
        "x.txt",
    )

    assert [r.text for r in parsed.records] == [
        "Good morning\n12/02/2021, 25:61 - Esther: not a time",
        "Morning!",
    ]
    assert [w.line for w in parsed.warnings] == [2]
    assert "invalid time '25:61'" in parsed.warnings[0].message


def test_header_with_impossible_date_becomes_warning() -> None:
    parsed = parse_text(
        _chat(
            "13/02/2021, 08:02 - Esther: Good morning",
            "31/02/2021, 08:03 - Esther: February 31st",
            "continued",
            "14/02/2021, 08:04 - Faith: Morning!",
        ),
        "x.txt",
    )

    assert [r.text for r in parsed.records] == [
        "Good morning\n31/02/2021, 08:03 - Esther: February 31st\ncontinued",
        "Morning!",
    ]
    assert [w.line for w in parsed.warnings] == [2]
    assert "'31/02/2021'" in parsed.warnings[0].message


def test_unreadable_first_header_is_not_read() -> None:
    parsed = parse_text(
        _chat(
            "31/02/2021, 08:02 - Esther: February 31st",
            "continued",
            "12/02/2021, 08:04 - Faith: Morning!",
        ),
        "x.txt",
    )

    assert [(r.line, r.text) for r in parsed.records] == [(3, "Morning!")]
    assert [w.line for w in parsed.warnings] == [1]
    assert "'31/02/2021'" in parsed.warnings[0].message
    assert "not part of any message and not read" in parsed.warnings[0].message
    assert "message above" not in parsed.warnings[0].message


def test_header_of_another_format_becomes_warning() -> None:
    parsed = parse_text(
        _chat(
            "12/02/2021, 08:02 - Esther: She wrote:",
            "[12/02/2021, 07:00:00] Faith: quoted from another phone",
            "12/02/2021, 08:04 - Faith: Yes",
        ),
        "x.txt",
    )

    assert parsed.records[0].text == (
        "She wrote:\n[12/02/2021, 07:00:00] Faith: quoted from another phone"
    )
    assert [w.line for w in parsed.warnings] == [2]
    assert "not in this file's format" in parsed.warnings[0].message


def test_line_starting_with_a_date_only_is_plain_continuation() -> None:
    parsed = parse_text(
        _chat("12/02/2021, 08:02 - Esther: Meeting", "12/03/2021 ndio siku - fika mapema"),
        "x.txt",
    )

    assert parsed.records[0].text == "Meeting\n12/03/2021 ndio siku - fika mapema"
    assert parsed.warnings == []


def test_trailing_mark_lines_dropped() -> None:
    text = "12/01/2024, 09:15 - Amani: hello\n12/01/2024, 09:17 - Baraka: ok\n\u200e\n\u200f\u200e"
    parsed = parse_text(text, "x.txt")

    assert [(r.line, r.author, r.text) for r in parsed.records] == [
        (1, "Amani", "hello"),
        (2, "Baraka", "ok"),
    ]
    assert parsed.warnings == []


def test_text_before_first_header_is_a_warning() -> None:
    parsed = parse_text(_chat("garbage", "12/02/2021, 08:02 - Esther: Hi"), "x.txt")

    assert len(parsed.records) == 1
    assert parsed.records[0].line == 2
    assert [w.line for w in parsed.warnings] == [1]


# --- events ------------------------------------------------------------------


def test_added_people_list_split() -> None:
    parsed = parse_text(
        _chat("01/05/2024, 09:01 - Wanjiru added +254 700 000101, Otieno Ochieng and Halima"),
        "x.txt",
    )

    event = parsed.records[0]
    assert event.event == "added"
    assert event.actor == "Wanjiru"
    assert event.people == ("+254 700 000101", "Otieno Ochieng", "Halima")


def test_name_with_comma_matched_against_authors() -> None:
    parsed = parse_text(
        _chat(
            "12/02/2021, 08:00 - You added Esther Njeri, dukas and Faith",
            "12/02/2021, 08:02 - Esther Njeri, dukas: Good morning",
        ),
        "x.txt",
    )

    event = parsed.records[0]
    assert event.actor == "You"
    assert event.people == ("Esther Njeri, dukas", "Faith")


def test_subject_change_names() -> None:
    parsed = parse_text(
        _chat('14/01/2024, 08:31 - Wanjiru changed the subject from "Duka 5" to "Duka: Kisumu"'),
        "x.txt",
    )

    event = parsed.records[0]
    assert event.kind == "event"
    assert event.author is None
    assert event.event == "subject_changed"
    assert (event.actor, event.old_name, event.new_name) == ("Wanjiru", "Duka 5", "Duka: Kisumu")


def test_created_gives_group_name() -> None:
    parsed = parse_text(_chat('14/01/2024, 08:31 - You created group "Salon T2"'), "x.txt")

    event = parsed.records[0]
    assert (event.event, event.actor, event.new_name) == ("created", "You", "Salon T2")


def test_unknown_system_line_is_other() -> None:
    parsed = parse_text(_chat("14/01/2024, 08:31 - Something new happened"), "x.txt")

    assert (parsed.records[0].kind, parsed.records[0].event) == ("event", "other")


def test_ios_group_name_author_is_chat_name() -> None:
    parsed = parse_text(
        _chat(
            "[01/03/2023, 08:00:12] Mama Mboga: \u200eAchieng created group “Mama Mboga”",
            "[01/03/2023, 08:00:30] Mama Mboga: \u200eAchieng added Baraka",
            "[13/03/2023, 08:05:02] Achieng: Habari",
        ),
        "x.txt",
    )

    assert parsed.chat_name == "Mama Mboga"
    assert [r.author for r in parsed.records] == [None, None, "Achieng"]
    assert parsed.records[1].people == ("Baraka",)
    assert parsed.format == "ios-24h-seconds"


@pytest.mark.parametrize(
    ("filename", "name"),
    [
        ("WhatsApp Chat with Duka Bora.txt", "Duka Bora"),
        ("WhatsApp Chat - Mama Mboga (1).zip", "Mama Mboga"),
        ("Conversa do WhatsApp com Formação C2.txt", "Formação C2"),
        ("export.txt", None),
    ],
)
def test_chat_name_from_file_name(filename: str, name: str | None) -> None:
    parsed = parse_text(_chat("12/02/2021, 08:02 - Esther: Hi"), filename)

    assert parsed.chat_name == name


# --- media folding -----------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "folded"),
    [
        ("<Media omitted>", MEDIA_TOKEN),
        ("IMG-20230131-WA0010.jpg (file attached)\nMy stall", MEDIA_TOKEN + "\nMy stall"),
        ("\u200e<attached: 00000004-PHOTO-2023.jpg>", MEDIA_TOKEN),
        ("image omitted", MEDIA_TOKEN),
        ("<Arquivo de mídia oculto>", MEDIA_TOKEN),
        ("Just text", "Just text"),
    ],
)
def test_media_folded_text(body: str, folded: str) -> None:
    parsed = parse_text(_chat(f"12/02/2021, 08:02 - Esther: {body}"), "x.txt")

    assert media_folded_text(parsed.records[0]) == folded


def test_with_and_without_media_fold_alike() -> None:
    with_media = parse_text(_chat("12/02/2021, 08:02 - Esther: IMG-1.jpg (file attached)"), "a")
    without = parse_text(_chat("12/02/2021, 08:02 - Esther: <Media omitted>"), "b")

    assert media_folded_text(with_media.records[0]) == media_folded_text(without.records[0])
    assert with_media.records[0].attachment == "IMG-1.jpg"
