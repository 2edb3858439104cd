"""Random chats rendered in every supported export format parse back to what was rendered.

The renderer below writes export text from scratch; it shares no code with the parser.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tafiti.parsing import parse_bytes

# Each test runs with the parser's C module and with its Python steps.
pytestmark = pytest.mark.usefixtures("column_code")

NAME_CHARS = st.sampled_from(
    list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéçñ+0123456789 .()-_~")
    + ["🙏", "👍", "\U0001f3fd"]
)
TEXT_CHARS = st.sampled_from(
    list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,!?'-/:;*_~#@&%")
    + ["é", "ñ", "ü", "ß", "ç", "ã", "🙏", "👍", "\U0001f3fd", "😂", "\u00a0", "\t"]
)


@dataclass(frozen=True)
class Style:
    """One export format: how dates, times and headers are written."""

    ios: bool
    order: str
    date_separator: str
    four_digit_year: bool
    zero_padded_date: bool
    gap: str
    twelve_hour: bool
    meridiem: tuple[str, str]
    meridiem_space: str
    zero_padded_hour: bool
    seconds: bool
    time_separator: str
    colon_after_time: bool
    line_end: str
    encoding: str
    marks: bool


@st.composite
def styles(draw: st.DrawFn) -> Style:
    ios = draw(st.booleans())
    four_digit_year = draw(st.booleans())
    order = draw(st.sampled_from(["DMY", "MDY", "YMD"] if four_digit_year else ["DMY", "MDY"]))
    twelve_hour = draw(st.booleans())
    return Style(
        ios=ios,
        order=order,
        date_separator=draw(st.sampled_from(["/", ".", "-"])),
        four_digit_year=four_digit_year,
        zero_padded_date=draw(st.booleans()),
        gap=draw(st.sampled_from([", ", " ", " klo ", " à "])),
        twelve_hour=twelve_hour,
        meridiem=draw(
            st.sampled_from([("AM", "PM"), ("am", "pm"), ("a.m.", "p.m."), ("a. m.", "p. m.")])
        ),
        meridiem_space=draw(st.sampled_from([" ", "\u00a0", "\u202f"])),
        zero_padded_hour=draw(st.booleans()),
        seconds=draw(st.booleans()),
        time_separator=draw(st.sampled_from([":", "."])),
        colon_after_time=(not ios) and draw(st.booleans()),
        line_end=draw(st.sampled_from(["\n", "\r\n", "\r"])),
        encoding=draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16"])),
        marks=draw(st.booleans()),
    )


@dataclass(frozen=True)
class Message:
    timestamp: datetime
    author: str
    text: str


def render_date(style: Style, moment: datetime) -> str:
    day, month = moment.day, moment.month
    year = f"{moment.year:04d}" if style.four_digit_year else f"{moment.year % 100:02d}"
    width = "02d" if style.zero_padded_date else "d"
    fields = {
        "DMY": (format(day, width), format(month, width), year),
        "MDY": (format(month, width), format(day, width), year),
        "YMD": (year, f"{month:02d}", f"{day:02d}"),
    }[style.order]
    return style.date_separator.join(fields)


def render_time(style: Style, moment: datetime) -> str:
    hour = moment.hour
    suffix = ""
    if style.twelve_hour:
        suffix = style.meridiem_space + style.meridiem[hour >= 12]
        hour = hour % 12 or 12
    clock = f"{hour:02d}" if style.zero_padded_hour else str(hour)
    clock += f"{style.time_separator}{moment.minute:02d}"
    if style.seconds:
        clock += f"{style.time_separator}{moment.second:02d}"
    return clock + suffix


def render(style: Style, messages: list[Message]) -> bytes:
    lines = []
    for message in messages:
        date = render_date(style, message.timestamp)
        stamp = f"{date}{style.gap}{render_time(style, message.timestamp)}"
        body_lines = message.text.split("\n")
        if style.marks:
            body_lines = ["\u200e" + line for line in body_lines]
        body = "\n".join(body_lines)
        if style.ios:
            header = f"[{stamp}] {message.author}: "
            if style.marks:
                header = "\u200e" + header
        elif style.colon_after_time:
            header = f"{stamp}: {message.author}: "
        else:
            header = f"{stamp} - {message.author}: "
        lines.append(header + body)
    text = "\n".join(lines) + "\n"
    return text.replace("\n", style.line_end).encode(style.encoding)


names = st.text(NAME_CHARS, min_size=1, max_size=25).map(str.strip).filter(bool)
first_lines = st.text(TEXT_CHARS, min_size=1, max_size=60).filter(lambda s: s[0].isalpha())
continuation_lines = st.one_of(
    st.just(""),
    st.text(TEXT_CHARS, min_size=1, max_size=60).filter(lambda s: s[0].isalpha()),
    st.builds(
        lambda d, m, rest: f"{d:02d}/{m:02d}/2021 {rest}",
        st.integers(1, 28),
        st.integers(1, 12),
        st.text("abcdefghij -", min_size=1, max_size=20).filter(lambda s: s[0].isalpha()),
    ),
)
bodies = st.builds(
    lambda first, more, closing: "\n".join([first, *more, closing] if more else [first]),
    first_lines,
    st.lists(continuation_lines, max_size=3),
    first_lines,
)


@st.composite
def chats(draw: st.DrawFn) -> tuple[Style, list[Message]]:
    style = draw(styles())
    count = draw(st.integers(1, 8))
    # The first day is above 12, so the date order is decided by the first rule
    # whatever the other dates are.
    moment = datetime(
        draw(st.integers(2010, 2030)),
        draw(st.integers(1, 12)),
        draw(st.integers(13, 28)),
        draw(st.integers(0, 23)),
        draw(st.integers(0, 59)),
        draw(st.integers(0, 59)) if style.seconds else 0,
    )
    authors = draw(st.lists(names, min_size=1, max_size=4, unique=True))
    messages = []
    for _ in range(count):
        messages.append(Message(moment, draw(st.sampled_from(authors)), draw(bodies)))
        step = draw(st.integers(0, 60 * 24 * 40))
        moment += timedelta(minutes=step, seconds=draw(st.integers(0, 59)) if style.seconds else 0)
    return style, messages


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chats())
def test_rendered_chat_parses_back(chat: tuple[Style, list[Message]]) -> None:
    style, messages = chat
    data = render(style, messages)

    parsed = parse_bytes(data, "chat.txt", default_date_order="DMY")

    assert parsed.date_order == style.order
    assert parsed.warnings == []
    got = [(r.timestamp, r.author, r.text, r.kind) for r in parsed.records]
    assert got == [(m.timestamp, m.author, m.text, "message") for m in messages]
    assert parsed.format.startswith("ios" if style.ios else "android")
    assert ("12h" in parsed.format) == style.twelve_hour
    assert ("seconds" in parsed.format) == style.seconds
